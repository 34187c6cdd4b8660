using System.Net.Http.Headers;
using Amazon.Runtime;
using StrokeIngestion.Core.Errors;

namespace StrokeIngestion.Core.Aws.Signing;

/// <summary>An answer from an AWS JSON API: status, the <c>X-Amzn-Errortype</c> header and the raw body.</summary>
internal sealed record AwsHttpResponse(int StatusCode, string? ErrorTypeHeader, byte[] Body)
{
    public bool IsSuccess => StatusCode is >= 200 and <= 299;
}

/// <summary>
/// Signs and sends one request, once, within a per-attempt timeout. Callers decide about
/// retries. Transport failures become <see cref="TransientDependencyException"/>; HTTP error
/// answers are returned for the caller to map (see <see cref="AwsErrors"/>).
/// </summary>
internal sealed class SignedHttpTransport
{
    /// <summary>Per-attempt timeout when none is configured.</summary>
    public static readonly TimeSpan DefaultAttemptTimeout = TimeSpan.FromSeconds(10);

    private readonly HttpClient _http;
    private readonly AwsRequestSigner _signer;
    private readonly Dependency _dependency;
    private readonly TimeProvider _time;
    private readonly TimeSpan _attemptTimeout;

    public SignedHttpTransport(HttpClient http, AwsRequestSigner signer, Dependency dependency, TimeProvider time, TimeSpan attemptTimeout)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(attemptTimeout, TimeSpan.Zero);
        _http = http;
        _signer = signer;
        _dependency = dependency;
        _time = time;
        _attemptTimeout = attemptTimeout;
    }

    /// <summary>A JSON request body with exactly this content type (no charset parameter appended).</summary>
    public static ByteArrayContent JsonContent(byte[] body, string mediaType)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        return content;
    }

    /// <summary>Signs and sends <paramref name="request"/>; <paramref name="operation"/> names it in error messages.</summary>
    /// <exception cref="TransientDependencyException">Timeout or connection failure.</exception>
    /// <exception cref="DependencyException">No credentials could be resolved.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<AwsHttpResponse> SendAsync(HttpRequestMessage request, string operation, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_attemptTimeout, _time);
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            await _signer.SignAsync(request, attempt.Token);
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, attempt.Token);
            var body = await response.Content.ReadAsByteArrayAsync(attempt.Token);
            var errorType = response.Headers.TryGetValues(AwsErrors.ErrorTypeHeader, out var values) ? values.FirstOrDefault() : null;
            return new AwsHttpResponse((int)response.StatusCode, errorType, body);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Our attempt timeout, or the HttpClient's own Timeout: both worth another try.
            throw new TransientDependencyException(_dependency, "Timeout", $"{_dependency} {operation} timed out.", throttled: false, ex);
        }
        catch (HttpRequestException ex)
        {
            throw new TransientDependencyException(_dependency, "ConnectionFailure", $"{_dependency} {operation} could not be sent or its answer not read.", throttled: false, ex);
        }
        catch (IOException ex)
        {
            throw new TransientDependencyException(_dependency, "ConnectionFailure", $"{_dependency} {operation} answer was cut off.", throttled: false, ex);
        }
        catch (AmazonClientException ex)
        {
            throw new DependencyException(_dependency, "CredentialsUnavailable", $"{_dependency} {operation} could not be signed: no AWS credentials were found.", ex);
        }
    }
}

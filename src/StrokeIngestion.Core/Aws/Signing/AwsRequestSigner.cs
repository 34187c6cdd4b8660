using Amazon.Runtime;
using Amazon.Runtime.Endpoints;
using Amazon.Runtime.Internal;
using Amazon.Runtime.Internal.Auth;

namespace StrokeIngestion.Core.Aws.Signing;

/// <summary>
/// Signs an outgoing request with SigV4 (header form) using AWSSDK.Core's <see cref="AWS4Signer"/>,
/// for one signing name and region. Adds <c>Authorization</c>, <c>Host</c>, <c>X-Amz-Date</c>,
/// <c>X-Amz-Content-SHA256</c> and, for temporary credentials, <c>X-Amz-Security-Token</c>.
/// Signs the content type and every header already on the request; requests carry no query string.
/// </summary>
internal sealed class AwsRequestSigner
{
    private const string SecurityTokenHeader = "X-Amz-Security-Token";
    private const string AuthorizationHeader = "Authorization";

    private readonly string _region;
    private readonly AwsCredentialsSource _credentials;
    private readonly TimeProvider _time;
    private readonly SigningConfig _config;
    private readonly AWS4Signer _signer = new();

    public AwsRequestSigner(string signingName, string region, AwsCredentialsSource credentials, TimeProvider time)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(signingName);
        ArgumentException.ThrowIfNullOrWhiteSpace(region);
        _region = region;
        _credentials = credentials;
        _time = time;
        _config = new SigningConfig(signingName, region);
    }

    /// <summary>Signs <paramref name="request"/> in place. Reads (and so buffers) its content.</summary>
    /// <exception cref="AmazonClientException">No credentials could be resolved.</exception>
    public async Task SignAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var uri = request.RequestUri;
        if (uri is null || !uri.IsAbsoluteUri || uri.Query.Length > 0)
        {
            throw new ArgumentException("The request needs an absolute URI without a query string.", nameof(request));
        }

        var credentials = await _credentials.GetAsync(cancellationToken);
        if (credentials.UseToken)
        {
            Replace(request, SecurityTokenHeader, credentials.Token);
        }

        using var toSign = new DefaultRequest(new SigningOnlyRequest(), _config.AuthenticationServiceName)
        {
            HttpMethod = request.Method.Method,
            Endpoint = new Uri(uri.GetLeftPart(UriPartial.Authority)),
            // The path as it goes on the wire (segments already percent-encoded). SigV4 for
            // services other than S3 encodes it once more; the signer's single encoding of
            // this string is exactly that.
            ResourcePath = uri.AbsolutePath,
            UseDoubleEncoding = false,
            AuthenticationRegion = _region,
        };

        foreach (var header in request.Headers)
        {
            if (!header.Key.Equals(AuthorizationHeader, StringComparison.OrdinalIgnoreCase))
            {
                toSign.Headers[header.Key] = string.Join(",", header.Value);
            }
        }

        if (request.Content is not null)
        {
            if (request.Content.Headers.ContentType is { } contentType)
            {
                toSign.Headers["Content-Type"] = contentType.ToString();
            }

            toSign.Content = await request.Content.ReadAsByteArrayAsync(cancellationToken);
        }

        var result = _signer.SignRequest(toSign, _config, null, credentials.AccessKey, credentials.SecretKey, _time.GetUtcNow().UtcDateTime);

        // The signer added host, X-Amz-Date and X-Amz-Content-SHA256: send exactly what it signed.
        foreach (var (name, value) in toSign.Headers)
        {
            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase))
            {
                request.Headers.Host = value;
            }
            else if (!name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
            {
                Replace(request, name, value);
            }
        }

        Replace(request, AuthorizationHeader, result.ForAuthorizationHeader);
    }

    private static void Replace(HttpRequestMessage request, string name, string value)
    {
        request.Headers.Remove(name);
        request.Headers.TryAddWithoutValidation(name, value);
    }

    /// <summary>AWS4Signer's signature asks for the SDK request a service client would have marshalled; there is none here.</summary>
    private sealed class SigningOnlyRequest : AmazonWebServiceRequest
    {
    }

    /// <summary>The smallest client configuration AWS4Signer accepts: signing name and region.</summary>
    private sealed class SigningConfig : ClientConfig
    {
        public SigningConfig(string signingName, string region)
            : base(new StandardDefaults())
        {
            AuthenticationServiceName = signingName;
            AuthenticationRegion = region;
        }

        public override string ServiceVersion => "signing-only";

        public override string UserAgent => "StrokeIngestion";

        public override string RegionEndpointServiceName => AuthenticationServiceName;

        // Endpoints are chosen by the clients; this configuration only signs.
        public override Endpoint DetermineServiceOperationEndpoint(ServiceOperationEndpointParameters parameters)
            => throw new NotSupportedException("This configuration only signs requests.");
    }

    private sealed class StandardDefaults : IDefaultConfigurationProvider
    {
        public IDefaultConfiguration GetDefaultConfiguration(Amazon.RegionEndpoint clientRegion, DefaultConfigurationMode? requestedConfigurationMode = null)
            => new DefaultConfiguration { Name = DefaultConfigurationMode.Standard, RetryMode = RequestRetryMode.Standard };
    }
}

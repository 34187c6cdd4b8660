using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;
using StrokeIngestion.Core.Aws.Signing;
using StrokeIngestion.Core.Errors;
using StrokeIngestion.Core.Ports;

namespace StrokeIngestion.Core.Aws.HealthImaging;

/// <summary>
/// The HealthImaging import API over restJson1, signed with SigV4 (<c>medical-imaging</c>).
/// Requests are checked against the service's input patterns before anything is sent: a
/// violation is a programming error (<see cref="ArgumentException"/>), not a dependency failure.
/// Each call is one attempt; retrying is the caller's decision.
/// </summary>
internal sealed partial class HealthImagingClient : IImportService
{
    public const string SigningName = "medical-imaging";

    private const string JsonMediaType = "application/json";
    private const int MaxS3UriLength = 1024;

    private readonly SignedHttpTransport _transport;
    private readonly Uri _endpoint;

    public HealthImagingClient(SignedHttpTransport transport, Uri endpoint)
    {
        _transport = transport;
        _endpoint = endpoint;
    }

    /// <summary><c>https://medical-imaging[-fips].{region}.{partition DNS suffix}</c>.</summary>
    public static Uri DefaultEndpoint(string region, bool useFips) => AwsServiceEndpoint.For("medical-imaging", region, useFips);

    public async Task<ImportJob> StartImportAsync(ImportJobRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        Validate(request);

        const string operation = "StartDICOMImportJob";
        var body = new StartDicomImportJobBody(request.DataAccessRoleArn, request.ClientToken, request.InputS3Uri, request.OutputS3Uri, request.JobName);
        using var message = new HttpRequestMessage(HttpMethod.Post, Path("startDICOMImportJob", "datastore", request.DatastoreId))
        {
            Content = SignedHttpTransport.JsonContent(JsonSerializer.SerializeToUtf8Bytes(body, HealthImagingJsonContext.Default.StartDicomImportJobBody), JsonMediaType),
        };

        var response = await _transport.SendAsync(message, operation, cancellationToken);
        if (!response.IsSuccess)
        {
            throw AwsErrors.ToException(Dependency.HealthImaging, operation, response.StatusCode, AwsErrors.ReadErrorType(response));
        }

        var result = Parse(response, HealthImagingJsonContext.Default.StartDicomImportJobResult, operation);
        if (string.IsNullOrEmpty(result.JobId) || string.IsNullOrEmpty(result.JobStatus))
        {
            throw InvalidResponse(operation);
        }

        return new ImportJob(
            result.JobId,
            result.DatastoreId ?? request.DatastoreId,
            result.JobStatus,
            OutputS3Uri: null,
            Message: null,
            FromEpochSeconds(result.SubmittedAt),
            EndedAt: null);
    }

    public async Task<ImportJob?> GetImportJobAsync(string datastoreId, string jobId, CancellationToken cancellationToken)
    {
        Require(datastoreId, DatastoreIdPattern(), nameof(datastoreId), "[0-9a-z]{32}");
        Require(jobId, JobIdPattern(), nameof(jobId), "[0-9a-z]{1,32}");

        const string operation = "GetDICOMImportJob";
        using var message = new HttpRequestMessage(HttpMethod.Get, Path("getDICOMImportJob", "datastore", datastoreId, "job", jobId));
        var response = await _transport.SendAsync(message, operation, cancellationToken);
        if (!response.IsSuccess)
        {
            var errorType = AwsErrors.ReadErrorType(response);
            // Only the service's own "no such job" means absent; a bare 404 may be a wrong endpoint.
            if (response.StatusCode == 404 && errorType == "ResourceNotFoundException")
            {
                return null;
            }

            throw AwsErrors.ToException(Dependency.HealthImaging, operation, response.StatusCode, errorType);
        }

        var job = Parse(response, HealthImagingJsonContext.Default.GetDicomImportJobResult, operation).JobProperties;
        if (job is null || string.IsNullOrEmpty(job.JobId) || string.IsNullOrEmpty(job.JobStatus))
        {
            throw InvalidResponse(operation);
        }

        return new ImportJob(
            job.JobId,
            job.DatastoreId ?? datastoreId,
            job.JobStatus,
            job.OutputS3Uri,
            job.Message,
            FromEpochSeconds(job.SubmittedAt),
            FromEpochSeconds(job.EndedAt));
    }

    /// <summary>Checks every field against HealthImaging's input constraints.</summary>
    /// <exception cref="ArgumentException">A field violates them; the message names the field, never its value.</exception>
    private static void Validate(ImportJobRequest request)
    {
        Require(request.DatastoreId, DatastoreIdPattern(), nameof(request.DatastoreId), "[0-9a-z]{32}");
        Require(request.JobName, JobNamePattern(), nameof(request.JobName), "[A-Za-z0-9._/#-]{1,64}");
        Require(request.ClientToken, ClientTokenPattern(), nameof(request.ClientToken), "[A-Za-z0-9._-]{1,64}");
        RequireS3Uri(request.InputS3Uri, nameof(request.InputS3Uri));
        RequireS3Uri(request.OutputS3Uri, nameof(request.OutputS3Uri));
        if (string.IsNullOrWhiteSpace(request.DataAccessRoleArn))
        {
            throw new ArgumentException("DataAccessRoleArn must not be empty.", nameof(request));
        }
    }

    private static void RequireS3Uri(string? value, string name)
    {
        if (value is null || value.Length > MaxS3UriLength || !S3UriPattern().IsMatch(value))
        {
            throw new ArgumentException($"{name} must be an s3://bucket/prefix URI of at most {MaxS3UriLength} characters.", name);
        }
    }

    private static void Require(string? value, Regex pattern, string name, string rule)
    {
        if (value is null || !pattern.IsMatch(value))
        {
            throw new ArgumentException($"{name} must match {rule}.", name);
        }
    }

    private Uri Path(params ReadOnlySpan<string> segments)
    {
        var path = string.Empty;
        foreach (var segment in segments)
        {
            path += "/" + Uri.EscapeDataString(segment);
        }

        return new Uri(_endpoint, path);
    }

    private static T Parse<T>(AwsHttpResponse response, JsonTypeInfo<T> type, string operation)
    {
        try
        {
            return JsonSerializer.Deserialize(response.Body, type) ?? throw InvalidResponse(operation);
        }
        catch (JsonException ex)
        {
            throw InvalidResponse(operation, ex);
        }
    }

    private static DependencyException InvalidResponse(string operation, Exception? inner = null)
        => new(Dependency.HealthImaging, "InvalidResponse", $"{Dependency.HealthImaging} {operation} answered with an unreadable body.", inner);

    private static DateTimeOffset? FromEpochSeconds(double? seconds)
        => seconds is { } value
            ? DateTimeOffset.UnixEpoch.AddTicks((long)Math.Round(value * TimeSpan.TicksPerSecond))
            : null;

    [GeneratedRegex(@"\A[0-9a-z]{32}\z")]
    private static partial Regex DatastoreIdPattern();

    [GeneratedRegex(@"\A[0-9a-z]{1,32}\z")]
    private static partial Regex JobIdPattern();

    [GeneratedRegex(@"\A[A-Za-z0-9._/#-]{1,64}\z")]
    private static partial Regex JobNamePattern();

    [GeneratedRegex(@"\A[A-Za-z0-9._-]{1,64}\z")]
    private static partial Regex ClientTokenPattern();

    [GeneratedRegex(@"\As3://[a-z0-9][\.\-a-z0-9]{1,61}[a-z0-9](/.*)?\z")]
    private static partial Regex S3UriPattern();
}

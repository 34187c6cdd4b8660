using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using StrokeIngestion.Core.Errors;

namespace StrokeIngestion.Core.Aws;

/// <summary>
/// Turns what an AWS SDK client throws into Core's dependency exceptions, following the
/// brief's rule: throttling and quota answers are transient and throttled; 5xx, timeouts and
/// broken connections are transient; every other answer is a plain dependency failure.
/// Messages name the operation and the error code only: keys and items can carry PHI.
/// </summary>
internal sealed class SdkErrorTranslator
{
    private static readonly string[] CommonThrottlingCodes =
    [
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottled",
        "RequestThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "ServiceQuotaExceededException",
        // KMS throttled a call the service made with a customer-managed key on our behalf.
        "KMSThrottlingException",
        "KmsThrottlingException",
    ];

    private static readonly string[] CommonTransientCodes =
    [
        "InternalError",
        "InternalFailure",
        "InternalServerError",
        "ServiceUnavailable",
        "RequestTimeout",
        "RequestTimeoutException",
    ];

    private readonly Dependency _dependency;
    private readonly string _serviceName;
    private readonly HashSet<string> _throttlingCodes;
    private readonly HashSet<string> _transientCodes;
    private readonly HashSet<int> _throttlingStatuses;

    /// <param name="dependency">The service, for the exceptions' <see cref="DependencyException.Dependency"/>.</param>
    /// <param name="serviceName">The service's name in messages.</param>
    /// <param name="throttlingStatuses">HTTP statuses that mean "slow down" for this service (beyond 429 and 402).</param>
    /// <param name="throttlingCodes">Service error codes that mean "slow down" (beyond the common ones).</param>
    /// <param name="transientCodes">Service error codes that may pass on retry (beyond the common ones and 5xx).</param>
    public SdkErrorTranslator(
        Dependency dependency,
        string serviceName,
        IEnumerable<int> throttlingStatuses,
        IEnumerable<string> throttlingCodes,
        IEnumerable<string> transientCodes)
    {
        _dependency = dependency;
        _serviceName = serviceName;
        _throttlingStatuses = [429, 402, .. throttlingStatuses];
        _throttlingCodes = new HashSet<string>(CommonThrottlingCodes.Concat(throttlingCodes), StringComparer.Ordinal);
        _transientCodes = new HashSet<string>(CommonTransientCodes.Concat(transientCodes), StringComparer.Ordinal);
    }

    /// <summary>
    /// True for failures this translator owns. A cancellation the caller asked for is left
    /// alone; one the caller did not ask for is the HTTP client's timeout.
    /// </summary>
    public static bool ShouldTranslate(Exception error, CancellationToken cancellationToken) =>
        error switch
        {
            OperationCanceledException => !cancellationToken.IsCancellationRequested,
            AmazonServiceException or AmazonClientException or HttpRequestException or IOException or SocketException or TimeoutException => true,
            _ => false,
        };

    public DependencyException Translate(string operation, Exception error)
    {
        switch (error)
        {
            case AmazonServiceException service:
                return TranslateService(operation, service);
            case AmazonClientException client when client.InnerException is { } inner && IsNetworkFailure(inner):
                return Transient(operation, NetworkCode(inner), error);
            case AmazonClientException:
                return new DependencyException(_dependency, "ClientError", $"{_serviceName} {operation} failed in the client before an answer arrived.", error);
            default:
                return Transient(operation, NetworkCode(error), error);
        }
    }

    private DependencyException TranslateService(string operation, AmazonServiceException error)
    {
        var status = (int)error.StatusCode;

        // A modeled exception built without a response carries no code but names it in its
        // type; the service base types (AmazonS3Exception, …) name nothing, so say the status.
        var typeName = error.GetType().Name;
        var code = !string.IsNullOrEmpty(error.ErrorCode) ? error.ErrorCode
            : !typeName.StartsWith("Amazon", StringComparison.Ordinal) ? typeName
            : $"Http{status}";
        var message = $"{_serviceName} {operation} failed: {code} (HTTP {status}).";

        if (_throttlingStatuses.Contains(status) || _throttlingCodes.Contains(code))
        {
            return new TransientDependencyException(_dependency, code, message, throttled: true, error);
        }

        if (status >= 500 || _transientCodes.Contains(code))
        {
            return new TransientDependencyException(_dependency, code, message, throttled: false, error);
        }

        // No status at all means no answer arrived: the exchange broke on the way.
        if (error.StatusCode == 0 && error.InnerException is { } inner && IsNetworkFailure(inner))
        {
            return Transient(operation, NetworkCode(inner), error);
        }

        return new DependencyException(_dependency, code, message, error);
    }

    private TransientDependencyException Transient(string operation, string code, Exception error) =>
        new(_dependency, code, $"{_serviceName} {operation} failed: {code}.", throttled: false, error);

    private static bool IsNetworkFailure(Exception error) =>
        error is HttpRequestException or IOException or SocketException or TimeoutException or OperationCanceledException or WebException;

    private static string NetworkCode(Exception error) =>
        error is TimeoutException or OperationCanceledException ? "Timeout" : "ConnectionFailure";
}

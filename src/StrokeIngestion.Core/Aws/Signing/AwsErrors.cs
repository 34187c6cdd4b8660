using System.Text.Json;
using StrokeIngestion.Core.Errors;

namespace StrokeIngestion.Core.Aws.Signing;

/// <summary>
/// Reads the error type of an AWS JSON protocol answer and maps it to Core's exceptions.
/// Messages name only the operation, the error type and the HTTP status: the service's own
/// message may echo request values, which can be patient data.
/// </summary>
internal static class AwsErrors
{
    public const string ErrorTypeHeader = "X-Amzn-Errortype";

    private static readonly HashSet<string> ThrottlingTypes = new(StringComparer.Ordinal)
    {
        "ThrottlingException",
        "Throttling",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "ServiceQuotaExceededException",
        // Step Functions: too many running executions. Passes once some end.
        "ExecutionLimitExceeded",
        // Step Functions (every operation): KMS throttled the call it made with the customer key.
        "KmsThrottlingException",
    };

    private static readonly HashSet<string> ServerFaultTypes = new(StringComparer.Ordinal)
    {
        "InternalServerException",
        "InternalServerError",
        "InternalFailure",
        "ServiceUnavailable",
        "ServiceUnavailableException",
    };

    /// <summary>
    /// The error type: the <c>X-Amzn-Errortype</c> header, else <c>__type</c> or <c>code</c>
    /// in a JSON body; namespace (<c>…#</c>) and suffix (<c>:…</c>) removed. Null when absent.
    /// </summary>
    public static string? ReadErrorType(AwsHttpResponse response)
    {
        var raw = response.ErrorTypeHeader;
        if (string.IsNullOrWhiteSpace(raw))
        {
            raw = ReadBodyErrorType(response.Body);
        }

        return raw is null ? null : Normalize(raw);
    }

    /// <summary><c>com.amazonaws.sfn#ExecutionAlreadyExists</c> and <c>ValidationException:http://…</c> to their bare names.</summary>
    public static string? Normalize(string raw)
    {
        var type = raw;
        var colon = type.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0)
        {
            type = type[..colon];
        }

        var hash = type.LastIndexOf('#');
        if (hash >= 0)
        {
            type = type[(hash + 1)..];
        }

        type = type.Trim();
        return type.Length == 0 ? null : type;
    }

    /// <summary>
    /// Throttling (429, 402, throttling and quota types) → transient, throttled; server faults
    /// (5xx, internal error types) → transient; anything else → <see cref="DependencyException"/>
    /// whose <see cref="DependencyException.ErrorCode"/> is the error type (or <c>Http{status}</c>).
    /// </summary>
    public static DependencyException ToException(Dependency dependency, string operation, int statusCode, string? errorType)
    {
        var code = errorType ?? $"Http{statusCode}";
        var message = $"{dependency} {operation} failed: {code} (HTTP {statusCode}).";
        if (statusCode is 429 or 402 || (errorType is not null && ThrottlingTypes.Contains(errorType)))
        {
            return new TransientDependencyException(dependency, code, message, throttled: true);
        }

        if (statusCode >= 500 || (errorType is not null && ServerFaultTypes.Contains(errorType)))
        {
            return new TransientDependencyException(dependency, code, message, throttled: false);
        }

        return new DependencyException(dependency, code, message);
    }

    private static string? ReadBodyErrorType(byte[] body)
    {
        if (body.Length == 0)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            foreach (var name in (ReadOnlySpan<string>)["__type", "code", "Code"])
            {
                if (document.RootElement.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String)
                {
                    return value.GetString();
                }
            }

            return null;
        }
        catch (JsonException)
        {
            // An HTML page from a proxy, say: the status code has to speak for itself.
            return null;
        }
    }
}

namespace StrokeIngestion.Core.Errors;

/// <summary>The AWS services the pipeline calls.</summary>
public enum Dependency
{
    S3,
    DynamoDb,
    HealthImaging,
    StepFunctions,
    Sqs,
}

/// <summary>
/// A call to a dependency failed in a way retrying will not fix (validation, access denied,
/// conflict, not found where absence is not an expected answer). Adapters throw it with the
/// original error as inner exception; <see cref="ErrorCode"/> is the service's error code.
/// </summary>
public class DependencyException : Exception
{
    public DependencyException(Dependency dependency, string errorCode, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Dependency = dependency;
        ErrorCode = errorCode;
    }

    public Dependency Dependency { get; }

    public string ErrorCode { get; }
}

/// <summary>
/// A call failed in a way that may pass on retry: throttling (429, 402 quota), 5xx, a
/// timeout or a broken connection. The state machine retries on this type's name.
/// </summary>
public sealed class TransientDependencyException : DependencyException
{
    public TransientDependencyException(Dependency dependency, string errorCode, string message, bool throttled, Exception? innerException = null)
        : base(dependency, errorCode, message, innerException)
    {
        Throttled = throttled;
    }

    /// <summary>True for throttling and quota answers (the caller should slow down), false for 5xx and timeouts.</summary>
    public bool Throttled { get; }
}

namespace StrokeIngestion.Sandbox.Faults;

/// <summary>The service a <see cref="FaultInjectingProxy"/> stands in front of: it decides the wire format of injected errors.</summary>
internal enum FaultTarget
{
    /// <summary>S3 (REST-XML): errors are XML documents; operations are told apart by method, path, query and headers.</summary>
    S3,

    /// <summary>DynamoDB (JSON 1.0): errors are JSON with <c>__type</c>; the operation is named by <c>X-Amz-Target</c>.</summary>
    DynamoDb,

    /// <summary>HealthImaging's REST-JSON API; only IAM gates sit in front of it (its emulator injects its own faults).</summary>
    HealthImaging,

    /// <summary>Step Functions' awsJson1.0 API; only IAM gates sit in front of it (its emulator injects its own faults).</summary>
    StepFunctions,

    /// <summary>Lambda's Invoke, made in process by the state machine and the rules: IAM-checked, never proxied.</summary>
    Lambda,

    /// <summary>EventBridge's PutEvents, made in process by the state machine: IAM-checked, never proxied.</summary>
    EventBridge,

    /// <summary>CloudWatch Logs, written by Lambda with a function's role: IAM-checked, never proxied.</summary>
    CloudWatchLogs,

    /// <summary>SQS's JSON protocol (moto): errors are JSON with <c>__type</c>; the operation is named by <c>X-Amz-Target</c>.</summary>
    Sqs,
}

/// <summary>What the proxy did to one request.</summary>
internal enum FaultKind
{
    /// <summary>Answered with the service's throttling error without forwarding.</summary>
    Throttle,

    /// <summary>Answered with the service's 500 without forwarding.</summary>
    ServerError,

    /// <summary>Forwarded (the upstream applied it), then answered with a 500 instead of the upstream's answer.</summary>
    ServerErrorAfterForward,

    /// <summary>Held back before being answered or forwarded.</summary>
    Latency,
}

/// <summary>Which throttling error DynamoDB faults use; both are retryable throttles for the SDKs.</summary>
internal enum DynamoDbThrottleError
{
    /// <summary>400 <c>ProvisionedThroughputExceededException</c>, what data-plane calls get from a hot table or partition.</summary>
    ProvisionedThroughputExceeded,

    /// <summary>400 <c>ThrottlingException</c>, what the service answers when its control plane or account rate is exceeded.</summary>
    Throttling,
}

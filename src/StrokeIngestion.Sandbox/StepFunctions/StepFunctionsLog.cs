using Microsoft.Extensions.Logging;

namespace StrokeIngestion.Sandbox.StepFunctions;

/// <summary>Log lines of the emulator (ARNs, state names and error names only, never payloads).</summary>
internal static partial class StepFunctionsLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Registered state machine {StateMachineArn}")]
    public static partial void StateMachineRegistered(this ILogger logger, string stateMachineArn);

    [LoggerMessage(Level = LogLevel.Information, Message = "Step Functions emulator listening on {Endpoint}")]
    public static partial void Listening(this ILogger logger, Uri endpoint);

    [LoggerMessage(Level = LogLevel.Information, Message = "Started execution {ExecutionArn}")]
    public static partial void ExecutionStarted(this ILogger logger, string executionArn);

    [LoggerMessage(Level = LogLevel.Information, Message = "Execution {ExecutionArn} closed {Status} {Error}")]
    public static partial void ExecutionClosed(this ILogger logger, string executionArn, string status, string? error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Execution {ExecutionArn} entered {State}")]
    public static partial void StateEntered(this ILogger logger, string executionArn, string state);

    [LoggerMessage(Level = LogLevel.Information, Message = "Execution {ExecutionArn} state {State} failed with {Error}; retry {Attempt} of {MaxAttempts} after {Delay}")]
    public static partial void Retrying(this ILogger logger, string executionArn, string state, string error, int attempt, int maxAttempts, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Information, Message = "Execution {ExecutionArn} state {State} caught {Error}; next {Next}")]
    public static partial void Caught(this ILogger logger, string executionArn, string state, string error, string next);

    [LoggerMessage(Level = LogLevel.Error, Message = "The interpreter failed on execution {ExecutionArn}")]
    public static partial void InterpreterFailed(this ILogger logger, Exception exception, string executionArn);

    [LoggerMessage(Level = LogLevel.Error, Message = "An ExecutionClosed listener failed for {ExecutionArn}")]
    public static partial void ListenerFailed(this ILogger logger, Exception exception, string executionArn);
}

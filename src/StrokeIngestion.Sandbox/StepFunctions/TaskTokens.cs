using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace StrokeIngestion.Sandbox.StepFunctions;

/// <summary>
/// The task tokens of <c>.waitForTaskToken</c> tasks: one opaque token per task attempt, open
/// from the moment the attempt starts (the invoked function may answer before its own
/// invocation returns) until the first of SendTaskSuccess, SendTaskFailure, the state's
/// timeout or the end of the execution closes it. Closed tokens are remembered, so a late
/// answer gets <c>TaskTimedOut</c> as from AWS, and a well-formed token this emulator never
/// issued gets <c>TaskDoesNotExist</c>.
/// </summary>
internal sealed partial class TaskTokenRegistry
{
    private const int MaxTokenLength = 2048;
    private const int MaxOutputBytes = 262_144;
    private const int MaxErrorLength = 256;
    private const int MaxCauseLength = 32_768;

    // 384 bytes → 512 base64 characters: AWS tokens are of that order and use '+' and '/',
    // which is what a client storing one must cope with.
    private const int TokenBytes = 384;
    private const byte FormatMarker = 0x01;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, PendingCallback> _tokens = new(StringComparer.Ordinal);
    private long _issued;
    private long _succeeded;
    private long _failed;
    private long _timedOut;
    private long _abandoned;
    private long _rejected;

    public TaskTokenCounters Counters
    {
        get
        {
            lock (_gate)
            {
                return new TaskTokenCounters(_issued, _succeeded, _failed, _timedOut, _abandoned, _rejected);
            }
        }
    }

    /// <summary>A new open token for one attempt of a task.</summary>
    public PendingCallback Issue(string executionArn, string stateName)
    {
        var bytes = RandomNumberGenerator.GetBytes(TokenBytes);
        bytes[0] = FormatMarker;
        var callback = new PendingCallback(Convert.ToBase64String(bytes), executionArn, stateName);
        lock (_gate)
        {
            _tokens[callback.Token] = callback;
            _issued++;
        }

        return callback;
    }

    /// <summary>The tokens still open, oldest first (what a test or an operator waits on).</summary>
    public IReadOnlyList<PendingCallback> Open()
    {
        lock (_gate)
        {
            return _tokens.Values.Where(c => c.Closure is null).ToList();
        }
    }

    /// <summary>SendTaskSuccess: resumes the task with <paramref name="output"/> (JSON text) as its result.</summary>
    public SfnResult<TaskTokenAccepted> Succeed(string? token, string? output)
    {
        if (!IsWellFormed(token, out var invalid))
        {
            return Reject(invalid);
        }

        if (output is null)
        {
            return Reject(new SfnError("ValidationException", "1 validation error detected: Value null at 'output' failed to satisfy constraint: Member must not be null"));
        }

        if (Encoding.UTF8.GetByteCount(output) > MaxOutputBytes)
        {
            return Reject(new SfnError("ValidationException", $"1 validation error detected: Value at 'output' failed to satisfy constraint: Member must have length less than or equal to {MaxOutputBytes}"));
        }

        JsonNode? parsed = null;
        var parsedOk = true;
        try
        {
            parsed = JsonNode.Parse(output);
        }
        catch (JsonException)
        {
            parsedOk = false;
        }

        return Complete(token, callback =>
        {
            if (!parsedOk)
            {
                // The task stays open: the caller may send a valid output.
                return new SfnError("InvalidOutput", "Invalid Output: 'The output is not valid JSON.'");
            }

            _succeeded++;
            callback.Resolve(CallbackClosure.Succeeded, new CallbackResult(true, parsed, null, null));
            return null;
        });
    }

    /// <summary>SendTaskFailure: fails the task with <paramref name="error"/>/<paramref name="cause"/> (Retry and Catch then apply).</summary>
    public SfnResult<TaskTokenAccepted> Fail(string? token, string? error, string? cause)
    {
        if (!IsWellFormed(token, out var invalid))
        {
            return Reject(invalid);
        }

        if (error?.Length > MaxErrorLength)
        {
            return Reject(new SfnError("ValidationException", $"1 validation error detected: Value at 'error' failed to satisfy constraint: Member must have length less than or equal to {MaxErrorLength}"));
        }

        if (cause?.Length > MaxCauseLength)
        {
            return Reject(new SfnError("ValidationException", $"1 validation error detected: Value at 'cause' failed to satisfy constraint: Member must have length less than or equal to {MaxCauseLength}"));
        }

        return Complete(token, callback =>
        {
            _failed++;
            callback.Resolve(CallbackClosure.Failed, new CallbackResult(false, null, error, cause));
            return null;
        });
    }

    /// <summary>
    /// Closes a token the task no longer waits on (its timeout passed, its invocation failed,
    /// its execution ended). False when SendTaskSuccess/Failure closed it first: the caller must
    /// then honour that answer.
    /// </summary>
    public bool TryClose(PendingCallback callback, CallbackClosure closure)
    {
        ArgumentNullException.ThrowIfNull(callback);
        lock (_gate)
        {
            if (callback.Closure is not null)
            {
                return false;
            }

            if (closure == CallbackClosure.TimedOut)
            {
                _timedOut++;
            }
            else
            {
                _abandoned++;
            }

            callback.Resolve(closure, null);
            return true;
        }
    }

    private SfnResult<TaskTokenAccepted> Complete(string token, Func<PendingCallback, SfnError?> complete)
    {
        lock (_gate)
        {
            SfnError? error;
            if (!_tokens.TryGetValue(token, out var callback))
            {
                error = new SfnError("TaskDoesNotExist", "Task Does Not Exist: 'Provided task does not exist'");
            }
            else if (callback.Closure is not null)
            {
                // What AWS answers for a task that has finished, timed out or whose execution ended.
                error = new SfnError("TaskTimedOut", "Task Timed Out: 'Provided task does not exist anymore'");
            }
            else
            {
                error = complete(callback);
            }

            if (error is null)
            {
                return SfnResult<TaskTokenAccepted>.Ok(TaskTokenAccepted.Instance);
            }

            _rejected++;
            return SfnResult<TaskTokenAccepted>.Fail(error.Type, error.Message);
        }
    }

    private SfnResult<TaskTokenAccepted> Reject(SfnError error)
    {
        lock (_gate)
        {
            _rejected++;
        }

        return SfnResult<TaskTokenAccepted>.Fail(error.Type, error.Message);
    }

    private static bool IsWellFormed([NotNullWhen(true)] string? token, [NotNullWhen(false)] out SfnError? error)
    {
        error = Validate(token);
        return error is null && token is not null;
    }

    private static SfnError? Validate(string? token)
    {
        if (token is null)
        {
            return new SfnError("ValidationException", "1 validation error detected: Value null at 'taskToken' failed to satisfy constraint: Member must not be null");
        }

        if (token.Length is 0 or > MaxTokenLength)
        {
            return new SfnError("ValidationException", $"1 validation error detected: Value at 'taskToken' failed to satisfy constraint: Member must have length between 1 and {MaxTokenLength}");
        }

        // Same shape as the tokens Issue hands out, or it cannot be a token at all.
        return TokenShape().IsMatch(token) && Convert.FromBase64String(token)[0] == FormatMarker
            ? null
            : new SfnError("InvalidToken", "Invalid Token: 'Invalid token'");
    }

    [GeneratedRegex(@"^[A-Za-z0-9+/]{512}\z")]
    private static partial Regex TokenShape();
}

/// <summary>One issued task token and the answer its task is waiting for.</summary>
internal sealed class PendingCallback
{
    private readonly TaskCompletionSource<CallbackResult?> _outcome = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public PendingCallback(string token, string executionArn, string stateName)
    {
        Token = token;
        ExecutionArn = executionArn;
        StateName = stateName;
    }

    public string Token { get; }

    public string ExecutionArn { get; }

    public string StateName { get; }

    /// <summary>How the token was closed; null while it is open. Written under the registry's lock.</summary>
    public CallbackClosure? Closure { get; private set; }

    /// <summary>The SendTaskSuccess/SendTaskFailure answer; null when the token closed without one.</summary>
    public Task<CallbackResult?> Outcome => _outcome.Task;

    internal void Resolve(CallbackClosure closure, CallbackResult? result)
    {
        Closure = closure;
        _outcome.TrySetResult(result);
    }
}

internal enum CallbackClosure
{
    Succeeded,
    Failed,
    TimedOut,

    /// <summary>The task stopped waiting for another reason: its invocation failed, its execution ended.</summary>
    Abandoned,
}

/// <param name="Output">SendTaskSuccess: the parsed output.</param>
/// <param name="Error">SendTaskFailure: the error name (may be null).</param>
internal sealed record CallbackResult(bool Succeeded, JsonNode? Output, string? Error, string? Cause);

/// <summary>The empty answer (<c>{}</c>) of SendTaskSuccess and SendTaskFailure.</summary>
internal sealed record TaskTokenAccepted
{
    public static TaskTokenAccepted Instance { get; } = new();
}

/// <summary>What happened to task tokens so far; every issued token ends in exactly one of the four closures (or is still open).</summary>
/// <param name="Issued">Tokens handed to tasks (one per attempt of a <c>.waitForTaskToken</c> task).</param>
/// <param name="Succeeded">Tasks resumed by SendTaskSuccess.</param>
/// <param name="Failed">Tasks failed by SendTaskFailure.</param>
/// <param name="TimedOut">Tasks that reached their TimeoutSeconds first (<c>States.Timeout</c>).</param>
/// <param name="Abandoned">Tokens closed because the invocation failed or the execution ended.</param>
/// <param name="RejectedCalls">SendTaskSuccess/SendTaskFailure calls answered with an error.</param>
internal sealed record TaskTokenCounters(long Issued, long Succeeded, long Failed, long TimedOut, long Abandoned, long RejectedCalls);

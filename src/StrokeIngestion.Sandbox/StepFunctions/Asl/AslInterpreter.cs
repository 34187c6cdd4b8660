using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using StrokeIngestion.Sandbox.StepFunctions.Tasks;

namespace StrokeIngestion.Sandbox.StepFunctions.Asl;

/// <summary>
/// Runs one execution of a parsed state machine to its end, with the input/output processing
/// of the States Language (InputPath → Parameters → task → ResultSelector → ResultPath →
/// OutputPath), Retry (first matching retrier; interval × BackoffRate^n, capped by
/// MaxDelaySeconds, optional full jitter), Catch (error output <c>{"Error","Cause"}</c> placed by
/// the catcher's ResultPath into the raw state input), Task and execution TimeoutSeconds
/// (<c>States.Timeout</c> / TIMED_OUT) and a history-event count that fails the execution at
/// the configured limit like AWS does at 25,000.
/// </summary>
internal sealed class AslInterpreter
{
    private const string TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";

    private readonly AslStateMachine _machine;
    private readonly StateMachineIdentity _identity;
    private readonly Func<TaskResourceKind, ITaskIntegration> _integrations;
    private readonly StepFunctionsEmulatorOptions _options;
    private readonly ILogger _logger;
    private readonly ErrorHandlingCounters? _errorHandling;
    private readonly TaskTokenRegistry _taskTokens;

    public AslInterpreter(
        AslStateMachine machine,
        StateMachineIdentity identity,
        Func<TaskResourceKind, ITaskIntegration> integrations,
        StepFunctionsEmulatorOptions options,
        ILogger logger,
        ErrorHandlingCounters? errorHandling = null,
        TaskTokenRegistry? taskTokens = null)
    {
        _taskTokens = taskTokens ?? new TaskTokenRegistry();
        _machine = machine;
        _identity = identity;
        _integrations = integrations;
        _options = options;
        _logger = logger;
        _errorHandling = errorHandling;
    }

    private TimeProvider Clock => _options.TimeProvider;

    /// <summary>Runs until a terminal state, an unhandled error, the execution timeout or a stop.</summary>
    public async Task<ExecutionOutcome> RunAsync(ExecutionRecord execution)
    {
        ArgumentNullException.ThrowIfNull(execution);
        using var timeout = _machine.TimeoutSeconds is { } seconds
            ? new CancellationTokenSource(StepFunctionsEmulatorOptions.Scale(seconds, _options.TimeoutScale), Clock)
            : new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(execution.Stop.Token, timeout.Token);
        var run = new Run(execution, ExecutionContext(execution), linked.Token);

        try
        {
            Count(run, 1);
            var data = JsonNode.Parse(execution.Input);
            var stateName = _machine.StartAt;
            while (true)
            {
                run.Cancellation.ThrowIfCancellationRequested();
                var state = _machine.States[stateName];
                var entered = Clock.GetUtcNow();
                execution.EnterState(stateName);
                Count(run, 1);
                _logger.StateEntered(execution.ExecutionArn, stateName);

                switch (await RunStateAsync(state, data, entered, run))
                {
                    case Transition transition:
                        Count(run, 1);
                        data = transition.Output;
                        stateName = transition.Next;
                        break;
                    case Finished finished:
                        Count(run, 1);
                        return new ExecutionOutcome(ExecutionStatus.Succeeded, Serialize(finished.Output), null, null);
                    case Failed failed:
                        return new ExecutionOutcome(ExecutionStatus.Failed, null, failed.Error, failed.Cause);
                }
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !execution.Stop.IsCancellationRequested)
        {
            return new ExecutionOutcome(
                ExecutionStatus.TimedOut,
                null,
                StatesErrors.Timeout,
                $"The execution timed out after {_machine.TimeoutSeconds} seconds (TimeoutSeconds of the state machine).");
        }
        catch (OperationCanceledException) when (execution.Stop.IsCancellationRequested)
        {
            return new ExecutionOutcome(ExecutionStatus.Aborted, null, null, null);
        }
        catch (StatesErrorException ex)
        {
            return new ExecutionOutcome(ExecutionStatus.Failed, null, ex.Error, ex.Cause);
        }
    }

    private Task<Step> RunStateAsync(AslState state, JsonNode? input, DateTimeOffset entered, Run run) => state switch
    {
        TaskState task => RunTaskAsync(task, input, entered, run),
        WaitState wait => RunWaitAsync(wait, input, entered, run),
        ChoiceState choice => Task.FromResult<Step>(RunChoice(choice, input, entered, run)),
        PassState pass => Task.FromResult(RunPass(pass, input, entered, run)),
        SucceedState succeed => Task.FromResult<Step>(new Finished(SelectPath(succeed.OutputPath, SelectPath(succeed.InputPath, input, state.Name, "InputPath"), state.Name, "OutputPath"))),
        FailState fail => Task.FromResult<Step>(RunFail(fail, input)),
        _ => throw new AslDefinitionException($"State '{state.Name}' has a type the interpreter cannot run."),
    };

    private async Task<Step> RunTaskAsync(TaskState state, JsonNode? rawInput, DateTimeOffset entered, Run run)
    {
        var effectiveInput = SelectPath(state.InputPath, rawInput, state.Name, "InputPath");
        var integration = _integrations(state.Resource.Kind);
        var attempts = new int[state.Retry.Count];
        var retryCount = 0;
        while (true)
        {
            var context = Context(run, state.Name, entered, retryCount);

            // One token per attempt, open before the function runs: it may answer during its own invocation.
            var callback = state.Resource.WaitForTaskToken ? _taskTokens.Issue(run.Execution.ExecutionArn, state.Name) : null;
            StatesErrorException failure;
            try
            {
                if (callback is not null)
                {
                    context["Task"] = new JsonObject { ["Token"] = callback.Token };
                }

                var parameters = state.Parameters is null ? effectiveInput?.DeepClone() : state.Parameters.Evaluate(effectiveInput, context, state.Name);
                Count(run, 2);
                var invocation = new TaskInvocation(run.Execution.ExecutionArn, state.Name, state.Resource, parameters);
                var result = callback is null
                    ? await InvokeAsync(integration, invocation, state.TimeoutSeconds, run.Cancellation)
                    : await InvokeAndAwaitTokenAsync(integration, invocation, callback, state.TimeoutSeconds, run);
                Count(run, 1);
                var selected = state.ResultSelector is null ? result : state.ResultSelector.Evaluate(result, context, state.Name);
                var combined = PlaceResult(state.ResultPath, rawInput, selected, state.Name);
                return Continue(state, SelectPath(state.OutputPath, combined, state.Name, "OutputPath"));
            }
            catch (StatesErrorException ex) when (ex.Error != StatesErrors.Runtime)
            {
                failure = ex;
            }
            finally
            {
                if (callback is not null)
                {
                    // Whatever ended the attempt (a failed invocation, a stop), the token is dead now.
                    _taskTokens.TryClose(callback, CallbackClosure.Abandoned);
                    run.Execution.SetAwaitingTaskToken(false);
                }
            }

            Count(run, 1);
            var retrier = state.Retry.Select((r, i) => (Retrier: r, Index: i))
                .FirstOrDefault(r => r.Retrier.ErrorEquals.Any(e => StatesErrors.Matches(e, failure.Error)));
            if (retrier.Retrier is not null && attempts[retrier.Index] < retrier.Retrier.MaxAttempts)
            {
                attempts[retrier.Index]++;
                retryCount++;
                run.Execution.CountRetry();
                var delay = RetryDelay(retrier.Retrier, attempts[retrier.Index]);
                _logger.Retrying(run.Execution.ExecutionArn, state.Name, failure.Error, attempts[retrier.Index], retrier.Retrier.MaxAttempts, delay);
                _errorHandling?.RecordRetry(state.Name, failure.Error);
                await DelayAsync(delay, run);
                continue;
            }

            var catcher = state.Catch.FirstOrDefault(c => c.ErrorEquals.Any(e => StatesErrors.Matches(e, failure.Error)));
            if (catcher is null)
            {
                throw failure;
            }

            _logger.Caught(run.Execution.ExecutionArn, state.Name, failure.Error, catcher.Next);
            _errorHandling?.RecordCatch(state.Name, failure.Error);
            var errorOutput = new JsonObject { ["Error"] = failure.Error, ["Cause"] = failure.Cause };
            return new Transition(catcher.Next, PlaceResult(catcher.ResultPath, rawInput, errorOutput, state.Name));
        }
    }

    private async Task<JsonNode?> InvokeAsync(ITaskIntegration integration, TaskInvocation invocation, int? timeoutSeconds, CancellationToken cancellationToken)
    {
        if (timeoutSeconds is null)
        {
            return await integration.InvokeAsync(invocation, cancellationToken);
        }

        using var timeout = new CancellationTokenSource(StepFunctionsEmulatorOptions.Scale(timeoutSeconds.Value, _options.TimeoutScale), Clock);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            // WaitAsync: a task that ignores its token must not hold the state past its timeout.
            return await integration.InvokeAsync(invocation, linked.Token).WaitAsync(linked.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new StatesErrorException(
                StatesErrors.Timeout,
                $"State '{invocation.StateName}' did not finish within its TimeoutSeconds of {timeoutSeconds}.");
        }
    }

    /// <summary>
    /// <c>.waitForTaskToken</c>: invokes the function (its errors fail the task as usual), then
    /// waits for SendTaskSuccess (result = the output JSON) or SendTaskFailure (the task fails
    /// with that error). TimeoutSeconds runs from the start of the attempt and is scaled by
    /// <see cref="StepFunctionsEmulatorOptions.TimeScale"/>, not TimeoutScale: it bounds a wait
    /// for an outside party, like a Wait state, not work done in-process.
    /// </summary>
    private async Task<JsonNode?> InvokeAndAwaitTokenAsync(
        ITaskIntegration integration,
        TaskInvocation invocation,
        PendingCallback callback,
        int? timeoutSeconds,
        Run run)
    {
        using var timeout = timeoutSeconds is { } seconds
            ? new CancellationTokenSource(StepFunctionsEmulatorOptions.Scale(seconds, _options.TimeScale), Clock)
            : new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(run.Cancellation, timeout.Token);
        CallbackResult? answer;
        try
        {
            await integration.InvokeAsync(invocation, linked.Token).WaitAsync(linked.Token);
            run.Execution.SetAwaitingTaskToken(true);
            answer = await callback.Outcome.WaitAsync(linked.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !run.Cancellation.IsCancellationRequested)
        {
            if (_taskTokens.TryClose(callback, CallbackClosure.TimedOut))
            {
                throw new StatesErrorException(
                    StatesErrors.Timeout,
                    $"State '{invocation.StateName}' received no SendTaskSuccess or SendTaskFailure within its TimeoutSeconds of {timeoutSeconds}.");
            }

            // The answer came in the same instant as the timeout and won the race for the token.
            answer = await callback.Outcome;
        }

        return answer switch
        {
            { Succeeded: true } => answer.Output,
            { } failed => throw new StatesErrorException(failed.Error ?? string.Empty, failed.Cause ?? string.Empty),
            null => throw new StatesErrorException(StatesErrors.Runtime, $"State '{invocation.StateName}': its task token was closed without an answer."),
        };
    }

    private TimeSpan RetryDelay(Retrier retrier, int attempt)
    {
        var seconds = retrier.IntervalSeconds * Math.Pow(retrier.BackoffRate, attempt - 1);
        if (retrier.MaxDelaySeconds is { } max)
        {
            seconds = Math.Min(seconds, max);
        }

        if (retrier.FullJitter)
        {
            seconds *= _options.Random.NextDouble();
        }

        return StepFunctionsEmulatorOptions.Scale(seconds, _options.TimeScale);
    }

    private async Task<Step> RunWaitAsync(WaitState state, JsonNode? rawInput, DateTimeOffset entered, Run run)
    {
        var effectiveInput = SelectPath(state.InputPath, rawInput, state.Name, "InputPath");
        var seconds = state.Seconds ?? SecondsFromPath(state, effectiveInput, run);

        // Measured from the state's entry, as AWS does: time already spent counts.
        var due = entered + StepFunctionsEmulatorOptions.Scale(seconds, _options.TimeScale);
        await DelayAsync(due - Clock.GetUtcNow(), run);
        return Continue(state, SelectPath(state.OutputPath, effectiveInput, state.Name, "OutputPath"));
    }

    private static int SecondsFromPath(WaitState state, JsonNode? input, Run run)
    {
        if (state.SecondsPath is { } path
            && path.TryGet(input, run.ExecutionContext, out var value)
            && value?.GetValueKind() == JsonValueKind.Number
            && int.TryParse(value.ToJsonString(), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return seconds;
        }

        throw new StatesErrorException(
            StatesErrors.Runtime,
            $"An error occurred while executing the state '{state.Name}'. The SecondsPath '{state.SecondsPath?.Text}' does not select a non-negative integer.");
    }

    private static Transition RunChoice(ChoiceState state, JsonNode? rawInput, DateTimeOffset entered, Run run)
    {
        var effectiveInput = SelectPath(state.InputPath, rawInput, state.Name, "InputPath");
        var context = Context(run, state.Name, entered, 0);
        var next = state.Choices.FirstOrDefault(c => c.Rule.Evaluate(effectiveInput, context))?.Next ?? state.Default
            ?? throw new StatesErrorException(
                StatesErrors.NoChoiceMatched,
                $"No Matches! (Choice state '{state.Name}' has no matching rule and no Default)");
        return new Transition(next, SelectPath(state.OutputPath, effectiveInput, state.Name, "OutputPath"));
    }

    private static Step RunPass(PassState state, JsonNode? rawInput, DateTimeOffset entered, Run run)
    {
        var effectiveInput = SelectPath(state.InputPath, rawInput, state.Name, "InputPath");
        var result = state.HasResult
            ? state.Result?.DeepClone()
            : state.Parameters is null ? effectiveInput : state.Parameters.Evaluate(effectiveInput, Context(run, state.Name, entered, 0), state.Name);
        var combined = PlaceResult(state.ResultPath, rawInput, result, state.Name);
        return Continue(state, SelectPath(state.OutputPath, combined, state.Name, "OutputPath"));
    }

    private static Failed RunFail(FailState state, JsonNode? input) =>
        new Failed(
            state.Error ?? StringAt(state.ErrorPath, input, state.Name, "ErrorPath"),
            state.Cause ?? StringAt(state.CausePath, input, state.Name, "CausePath"));

    private static string? StringAt(JsonPath? path, JsonNode? input, string stateName, string field)
    {
        if (path is null)
        {
            return null;
        }

        // A JSON null leaves the field empty, as an absent Error/Cause would.
        return path.TryGet(input, null, out var value) && value?.GetValueKind() is JsonValueKind.String or null
            ? value?.GetValue<string>()
            : throw new StatesErrorException(
                StatesErrors.Runtime,
                $"An error occurred while executing the state '{stateName}'. The {field} '{path.Text}' does not select a string.");
    }

    private static Step Continue(AslState state, JsonNode? output) =>
        state.Next is null ? new Finished(output) : new Transition(state.Next, output);

    /// <summary>InputPath/OutputPath: null passes <c>{}</c>, a path that selects nothing is a runtime error.</summary>
    private static JsonNode? SelectPath(JsonPath? path, JsonNode? input, string stateName, string field)
    {
        if (path is null)
        {
            return new JsonObject();
        }

        if (path.IsRoot)
        {
            return input;
        }

        return path.TryGet(input, null, out var value)
            ? value?.DeepClone()
            : throw new StatesErrorException(
                StatesErrors.Runtime,
                $"An error occurred while executing the state '{stateName}'. Invalid path '{path.Text}': the {field} could not be found in the input.");
    }

    /// <summary>ResultPath: null keeps the input, <c>$</c> replaces it, a field path inserts the result.</summary>
    private static JsonNode? PlaceResult(JsonPath? path, JsonNode? rawInput, JsonNode? result, string stateName) =>
        path is null ? rawInput : path.Place(rawInput, result, stateName);

    private async Task DelayAsync(TimeSpan delay, Run run)
    {
        if (delay <= TimeSpan.Zero)
        {
            run.Cancellation.ThrowIfCancellationRequested();
            return;
        }

        // The timer exists before ResumesAt is published, so whoever waits for ResumesAt (a test
        // advancing a fake clock) can never move time ahead of a timer that is not armed yet.
        var delayed = Task.Delay(delay, Clock, run.Cancellation);
        run.Execution.SetResumesAt(Clock.GetUtcNow() + delay);
        try
        {
            await delayed;
        }
        finally
        {
            run.Execution.SetResumesAt(null);
        }
    }

    private void Count(Run run, int events)
    {
        if (run.Execution.AddHistoryEvents(events) >= _options.MaxHistoryEvents)
        {
            throw new StatesErrorException(
                StatesErrors.Runtime,
                $"The execution reached the maximum number of history events ({_options.MaxHistoryEvents}).");
        }
    }

    private JsonObject ExecutionContext(ExecutionRecord execution) => new()
    {
        ["Execution"] = new JsonObject
        {
            ["Id"] = execution.ExecutionArn,
            ["Input"] = JsonNode.Parse(execution.Input),
            ["Name"] = execution.Name,
            ["RoleArn"] = _identity.RoleArn,
            ["StartTime"] = Timestamp(execution.StartDate),
            ["RedriveCount"] = 0,
        },
        ["StateMachine"] = new JsonObject
        {
            ["Id"] = _identity.Arn,
            ["Name"] = _identity.Name,
        },
    };

    private static JsonObject Context(Run run, string stateName, DateTimeOffset entered, int retryCount)
    {
        var context = (JsonObject)run.ExecutionContext.DeepClone();
        context["State"] = new JsonObject
        {
            ["EnteredTime"] = Timestamp(entered),
            ["Name"] = stateName,
            ["RetryCount"] = retryCount,
        };
        return context;
    }

    private static string Timestamp(DateTimeOffset time) => time.UtcDateTime.ToString(TimestampFormat, CultureInfo.InvariantCulture);

    private static string Serialize(JsonNode? node) => node?.ToJsonString() ?? "null";

    private sealed record Run(ExecutionRecord Execution, JsonObject ExecutionContext, CancellationToken Cancellation);

    private abstract record Step;

    private sealed record Transition(string Next, JsonNode? Output) : Step;

    private sealed record Finished(JsonNode? Output) : Step;

    private sealed record Failed(string? Error, string? Cause) : Step;
}

/// <summary>What the context object says about the state machine (<c>$$.StateMachine</c>, <c>$$.Execution.RoleArn</c>).</summary>
internal sealed record StateMachineIdentity(string Arn, string Name, string? RoleArn);

/// <summary>How an execution ended.</summary>
internal sealed record ExecutionOutcome(ExecutionStatus Status, string? Output, string? Error, string? Cause);

using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Amazon.DynamoDBv2;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StrokeIngestion.Sandbox.StepFunctions.Asl;
using StrokeIngestion.Sandbox.StepFunctions.Tasks;
using StrokeIngestion.Sandbox.Template;

namespace StrokeIngestion.Sandbox.StepFunctions;

/// <summary>
/// A local Step Functions (STANDARD workflows) that executes the state machine definitions the
/// CDK stack synthesizes. It answers the awsJson1_0 API (StartExecution with the real name and
/// idempotency rules, DescribeExecution, ListExecutions, StopExecution, SendTaskSuccess,
/// SendTaskFailure) either mapped onto a
/// host's routes or standalone on 127.0.0.1, and runs each execution in the background with
/// in-process Lambda handlers, a DynamoDB endpoint and an in-memory EventBridge log.
/// </summary>
internal sealed partial class StepFunctionsEmulator : IAsyncDisposable
{
    private const int MaxInputBytes = 262_144;
    private const string StatusChangeDetailType = "Step Functions Execution Status Change";

    private readonly ConcurrentDictionary<string, RegisteredStateMachine> _stateMachines = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly Dictionary<string, ExecutionRecord> _executions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<ExecutionRecord, Task> _running = new();
    private readonly LambdaFunctions _lambda;
    private readonly DynamoDbUpdateItemTask _dynamoDb;
    private readonly DynamoDbGetItemTask _dynamoDbGet;
    private readonly EventBridgePutEventsTask _putEvents;
    private readonly ILogger _logger;
    private readonly Random _faultRandom;
    private readonly Lock _faultGate = new();
    private StepFunctionsFaults _faults = StepFunctionsFaults.None;
    private long _faultRequests;
    private long _faultThrottled;
    private long _faultServerErrors;
    private long _faultServerErrorsAfterStart;
    private long _faultDelayed;
    private IAmazonDynamoDB? _dynamoDbClient;
    private WebApplication? _standalone;
    private long _sequence;
    private long _startCalls;
    private long _started;
    private long _replays;
    private long _alreadyExists;
    private long _otherRejections;
    private bool _disposed;

    public StepFunctionsEmulator(StepFunctionsEmulatorOptions? options = null)
    {
        Options = options ?? new StepFunctionsEmulatorOptions();
        _logger = (Options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger<StepFunctionsEmulator>();
        Events = new EventLog(Options.TimeProvider, Options.Region, Options.AccountId, Options.EventLogPath);
        _lambda = new LambdaFunctions(Options.TimeProvider, Options.TimeoutScale);
        _dynamoDb = new DynamoDbUpdateItemTask(() => _dynamoDbClient);
        _dynamoDbGet = new DynamoDbGetItemTask(() => _dynamoDbClient);
        _putEvents = new EventBridgePutEventsTask(Events);
        _faultRandom = new Random(Options.FaultSeed);
    }

    /// <summary>Raised once per execution when it closes (any status), after the status is visible.</summary>
    public event EventHandler<ExecutionClosedEventArgs>? ExecutionClosed;

    public StepFunctionsEmulatorOptions Options { get; }

    /// <summary>Events put by <c>events:putEvents</c> tasks and execution status changes.</summary>
    public EventLog Events { get; }

    /// <summary>The base URL when started with <see cref="StartAsync"/>.</summary>
    public Uri? Endpoint { get; private set; }

    public StepFunctionsCounters Counters => new(
        Interlocked.Read(ref _startCalls),
        Interlocked.Read(ref _started),
        Interlocked.Read(ref _replays),
        Interlocked.Read(ref _alreadyExists),
        Interlocked.Read(ref _otherRejections));

    /// <summary>Faults injected into StartExecution requests over the wire; validated when set.</summary>
    public StepFunctionsFaults Faults
    {
        get => Volatile.Read(ref _faults);
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            value.Validate();
            Volatile.Write(ref _faults, value);
        }
    }

    public StepFunctionsFaultCounts FaultCounts => new(
        Interlocked.Read(ref _faultRequests),
        Interlocked.Read(ref _faultThrottled),
        Interlocked.Read(ref _faultServerErrors),
        Interlocked.Read(ref _faultServerErrorsAfterStart),
        Interlocked.Read(ref _faultDelayed));

    /// <summary>Retries and catches the interpreter performed, by state and error name.</summary>
    public ErrorHandlingCounters ErrorHandling { get; } = new();

    /// <summary>Tokens of <c>.waitForTaskToken</c> tasks: the open ones and what became of the others.</summary>
    public TaskTokenRegistry TaskTokens { get; } = new();

    /// <summary>SendTaskSuccess: resumes the task waiting on <paramref name="taskToken"/> with <paramref name="output"/> (JSON text).</summary>
    public SfnResult<TaskTokenAccepted> SendTaskSuccess(string? taskToken, string? output) => TaskTokens.Succeed(taskToken, output);

    /// <summary>SendTaskFailure: fails the task waiting on <paramref name="taskToken"/> (its Retry and Catch apply).</summary>
    public SfnResult<TaskTokenAccepted> SendTaskFailure(string? taskToken, string? error, string? cause) => TaskTokens.Fail(taskToken, error, cause);

    public string StateMachineArn(string name) =>
        $"arn:{Options.Partition}:states:{Options.Region}:{Options.AccountId}:stateMachine:{name}";

    /// <summary>
    /// Registers a STANDARD state machine; throws <see cref="AslDefinitionException"/> when the
    /// definition uses anything the interpreter does not implement. Returns its ARN.
    /// </summary>
    public string RegisterStateMachine(string name, string definitionJson, string? roleArn = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (!NamePattern().IsMatch(name))
        {
            throw new ArgumentException($"State machine name '{name}' is not 1-80 characters of [0-9A-Za-z_-].", nameof(name));
        }

        var machine = AslStateMachine.Parse(definitionJson);
        var arn = StateMachineArn(name);
        _stateMachines[arn] = new RegisteredStateMachine(new StateMachineIdentity(arn, name, roleArn), machine, definitionJson);
        _logger.StateMachineRegistered(arn);
        return arn;
    }

    /// <summary>Registers every state machine of a synthesized template; returns their ARNs.</summary>
    public IReadOnlyList<string> RegisterStateMachines(SynthesizedTemplate template)
    {
        ArgumentNullException.ThrowIfNull(template);
        var arns = new List<string>();
        foreach (var stateMachine in template.StateMachines())
        {
            if (stateMachine.StateMachineType != "STANDARD")
            {
                throw new AslDefinitionException($"State machine '{stateMachine.Name}' is {stateMachine.StateMachineType}; the emulator runs STANDARD workflows only.");
            }

            var arn = RegisterStateMachine(stateMachine.Name, stateMachine.Definition, stateMachine.RoleArn);
            if (arn != stateMachine.Arn)
            {
                throw new TemplateResolutionException(
                    $"The template resolves state machine ARN '{stateMachine.Arn}' but the emulator serves '{arn}': give both the same region and account.");
            }

            arns.Add(arn);
        }

        return arns;
    }

    /// <summary>
    /// Registers the handler the Task states reach by function name or ARN (the sandbox passes
    /// the ImportMonitor's real <c>Function.Handle</c>). <paramref name="timeout"/> emulates the
    /// function's configured timeout (scaled by <see cref="StepFunctionsEmulatorOptions.TimeoutScale"/>).
    /// </summary>
    public void RegisterFunction(string functionNameOrArn, Func<Stream, CancellationToken, Task<Stream>> handler, TimeSpan? timeout = null) =>
        _lambda.Register(functionNameOrArn, handler, timeout);

    /// <summary>The DynamoDB endpoint <c>dynamodb:updateItem</c> and <c>dynamodb:getItem</c> tasks call.</summary>
    public void UseDynamoDb(IAmazonDynamoDB client) => _dynamoDbClient = client;

    /// <summary>
    /// Checks each Task attempt against the state machine's role before it runs (IAM); a
    /// returned error fails the attempt as the service integration would. Null runs every task.
    /// </summary>
    public Func<TaskInvocation, StatesErrorException?>? AuthorizeTask { get; set; }

    public SfnResult<StartExecutionResponse> StartExecution(string? stateMachineArn, string? name, string? input)
    {
        Interlocked.Increment(ref _startCalls);
        var result = StartExecutionCore(stateMachineArn, name, input);
        if (result.Error is not null && result.Error.Type != "ExecutionAlreadyExists")
        {
            Interlocked.Increment(ref _otherRejections);
        }

        return result;
    }

    /// <summary>
    /// Draws the fault for one StartExecution request (after waiting out any injected latency)
    /// and counts it. The wire layer acts on the answer; direct calls to <see cref="StartExecution"/>
    /// are never faulted.
    /// </summary>
    internal async Task<StartExecutionFault> DrawStartExecutionFaultAsync(CancellationToken cancellationToken)
    {
        var faults = Faults;
        Interlocked.Increment(ref _faultRequests);
        if (faults.IsNone)
        {
            return StartExecutionFault.None;
        }

        double outcomeDraw, latencyDraw, latencyFraction;
        lock (_faultGate)
        {
            outcomeDraw = _faultRandom.NextDouble();
            latencyDraw = _faultRandom.NextDouble();
            latencyFraction = _faultRandom.NextDouble();
        }

        if (latencyDraw < faults.LatencyRate)
        {
            Interlocked.Increment(ref _faultDelayed);
            var latency = faults.MinLatency + ((faults.MaxLatency - faults.MinLatency) * latencyFraction);
            await Task.Delay(latency, Options.TimeProvider, cancellationToken);
        }

        if (outcomeDraw < faults.ThrottleRate)
        {
            Interlocked.Increment(ref _faultThrottled);
            return StartExecutionFault.Throttle;
        }

        if (outcomeDraw < faults.ThrottleRate + faults.ServerErrorRate)
        {
            Interlocked.Increment(ref _faultServerErrors);
            return StartExecutionFault.ServerError;
        }

        if (outcomeDraw < faults.ThrottleRate + faults.ServerErrorRate + faults.ServerErrorAfterStartRate)
        {
            Interlocked.Increment(ref _faultServerErrorsAfterStart);
            return StartExecutionFault.ServerErrorAfterStart;
        }

        return StartExecutionFault.None;
    }

    public SfnResult<ExecutionSnapshot> DescribeExecution(string? executionArn)
    {
        if (!IsValidExecutionArn(executionArn, out var invalid))
        {
            return SfnResult<ExecutionSnapshot>.Fail(invalid.Type, invalid.Message);
        }

        lock (_gate)
        {
            return _executions.TryGetValue(executionArn, out var record)
                ? SfnResult<ExecutionSnapshot>.Ok(record.Snapshot())
                : SfnResult<ExecutionSnapshot>.Fail("ExecutionDoesNotExist", $"Execution Does Not Exist: '{executionArn}'");
        }
    }

    /// <summary>Executions of one state machine, newest first, paged like the real API.</summary>
    public SfnResult<ListExecutionsPage> ListExecutions(string? stateMachineArn, string? statusFilter, int? maxResults, string? nextToken)
    {
        if (stateMachineArn is null)
        {
            return SfnResult<ListExecutionsPage>.Fail("ValidationException", "Must provide a StateMachine ARN or MapRun ARN");
        }

        if (ValidateStateMachineArn(stateMachineArn) is { } invalid)
        {
            return SfnResult<ListExecutionsPage>.Fail(invalid.Type, invalid.Message);
        }

        if (!_stateMachines.ContainsKey(stateMachineArn))
        {
            return SfnResult<ListExecutionsPage>.Fail("StateMachineDoesNotExist", $"State Machine Does Not Exist: '{stateMachineArn}'");
        }

        // PENDING_REDRIVE is a valid filter that never matches: the emulator does not redrive.
        var filter = Enum.GetValues<ExecutionStatus>()
            .Where(s => ExecutionSnapshot.ToWire(s) == statusFilter)
            .Select(s => (ExecutionStatus?)s)
            .FirstOrDefault();
        if (statusFilter is not null && filter is null && statusFilter != "PENDING_REDRIVE")
        {
            return SfnResult<ListExecutionsPage>.Fail(
                "ValidationException",
                $"1 validation error detected: Value '{statusFilter}' at 'statusFilter' failed to satisfy constraint: Member must satisfy enum value set: [SUCCEEDED, TIMED_OUT, PENDING_REDRIVE, ABORTED, FAILED, RUNNING]");
        }

        if (maxResults is < 0 or > 1000)
        {
            return SfnResult<ListExecutionsPage>.Fail(
                "ValidationException",
                $"1 validation error detected: Value '{maxResults}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000");
        }

        var offset = 0;
        if (nextToken is not null && !TryReadToken(nextToken, stateMachineArn, out offset))
        {
            return SfnResult<ListExecutionsPage>.Fail("InvalidToken", $"Invalid Token: '{nextToken}'");
        }

        List<ExecutionSnapshot> all;
        lock (_gate)
        {
            all = _executions.Values
                .Where(e => e.StateMachineArn == stateMachineArn)
                .OrderByDescending(e => e.StartDate)
                .ThenByDescending(e => e.Sequence)
                .Select(e => e.Snapshot())
                .Where(s => statusFilter is null || s.Status == filter)
                .ToList();
        }

        var pageSize = maxResults is null or 0 ? 100 : maxResults.Value;
        var page = all.Skip(offset).Take(pageSize).ToList();
        var next = offset + page.Count < all.Count ? WriteToken(stateMachineArn, offset + page.Count) : null;
        return SfnResult<ListExecutionsPage>.Ok(new ListExecutionsPage(page, next));
    }

    /// <summary>Stops a running execution (ABORTED); stopping a closed one returns its stop date.</summary>
    public SfnResult<StopExecutionResponse> StopExecution(string? executionArn, string? error, string? cause)
    {
        if (!IsValidExecutionArn(executionArn, out var invalid))
        {
            return SfnResult<StopExecutionResponse>.Fail(invalid.Type, invalid.Message);
        }

        ExecutionRecord? record;
        lock (_gate)
        {
            _executions.TryGetValue(executionArn, out record);
        }

        if (record is null)
        {
            return SfnResult<StopExecutionResponse>.Fail("ExecutionDoesNotExist", $"Execution Does Not Exist: '{executionArn}'");
        }

        if (record.TryClose(ExecutionStatus.Aborted, Options.TimeProvider.GetUtcNow(), null, error, cause))
        {
            OnClosed(record);
            record.Stop.Cancel();
        }

        var snapshot = record.Snapshot();
        return SfnResult<StopExecutionResponse>.Ok(new StopExecutionResponse(snapshot.StopDate ?? Options.TimeProvider.GetUtcNow()));
    }

    /// <summary>Every execution the emulator has created, oldest first.</summary>
    public IReadOnlyList<ExecutionSnapshot> Executions()
    {
        lock (_gate)
        {
            return _executions.Values.OrderBy(e => e.Sequence).Select(e => e.Snapshot()).ToList();
        }
    }

    /// <summary>Completes when the execution has closed, with its final snapshot.</summary>
    public Task<ExecutionSnapshot> WaitForCompletionAsync(string executionArn, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return _executions.TryGetValue(executionArn, out var record)
                ? record.Closed.WaitAsync(cancellationToken)
                : throw new ArgumentException($"No execution '{executionArn}'.", nameof(executionArn));
        }
    }

    /// <summary>Maps <c>POST {pattern}</c> for awsJson1_0 requests with <c>X-Amz-Target: AWSStepFunctions.*</c>.</summary>
    public IEndpointConventionBuilder MapEndpoints(IEndpointRouteBuilder routes, string pattern = "/")
    {
        ArgumentNullException.ThrowIfNull(routes);
        return routes.MapPost(pattern, (RequestDelegate)HandleAsync);
    }

    /// <summary>True when a request is addressed to Step Functions (for hosts that share a path between services).</summary>
    public static bool IsStepFunctionsRequest(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Headers["X-Amz-Target"].ToString().StartsWith("AWSStepFunctions.", StringComparison.Ordinal);
    }

    public Task HandleAsync(HttpContext context) => StepFunctionsWire.HandleAsync(this, context);

    /// <summary>Serves the API on 127.0.0.1 (port 0 = a free one); returns the base URL.</summary>
    public async Task<Uri> StartAsync(int port = 0, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_standalone is not null)
        {
            throw new InvalidOperationException("The emulator is already serving.");
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        MapEndpoints(app);
        await app.StartAsync(cancellationToken);
        _standalone = app;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("Kestrel reported no address.");
        Endpoint = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
        _logger.Listening(Endpoint);
        return Endpoint;
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        List<ExecutionRecord> records;
        lock (_gate)
        {
            records = _executions.Values.ToList();
        }

        foreach (var record in records)
        {
            if (record.TryClose(ExecutionStatus.Aborted, Options.TimeProvider.GetUtcNow(), null, "Sandbox.Shutdown", "The emulator was disposed."))
            {
                await record.Stop.CancelAsync();
            }
        }

        try
        {
            await Task.WhenAll(_running.Values);
        }
        catch (OperationCanceledException)
        {
            // Runners end by cancellation here; their outcome is already recorded.
        }

        if (_standalone is not null)
        {
            await _standalone.StopAsync();
            await _standalone.DisposeAsync();
        }

        foreach (var record in records)
        {
            record.Dispose();
        }
    }

    private SfnResult<StartExecutionResponse> StartExecutionCore(string? stateMachineArn, string? name, string? input)
    {
        if (stateMachineArn is null)
        {
            return SfnResult<StartExecutionResponse>.Fail(
                "ValidationException",
                "1 validation error detected: Value null at 'stateMachineArn' failed to satisfy constraint: Member must not be null");
        }

        if (ValidateStateMachineArn(stateMachineArn) is { } invalidArn)
        {
            return SfnResult<StartExecutionResponse>.Fail(invalidArn.Type, invalidArn.Message);
        }

        var executionName = name ?? Guid.NewGuid().ToString();
        if (!NamePattern().IsMatch(executionName))
        {
            return SfnResult<StartExecutionResponse>.Fail("InvalidName", $"Invalid Name: '{executionName}'");
        }

        var executionInput = input ?? "{}";
        if (Encoding.UTF8.GetByteCount(executionInput) > MaxInputBytes)
        {
            return SfnResult<StartExecutionResponse>.Fail(
                "ValidationException",
                "1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have length less than or equal to 262144");
        }

        try
        {
            using var _ = JsonDocument.Parse(executionInput);
        }
        catch (JsonException ex)
        {
            return SfnResult<StartExecutionResponse>.Fail("InvalidExecutionInput", $"Invalid State Machine Execution Input: '{ex.Message}'");
        }

        if (!_stateMachines.TryGetValue(stateMachineArn, out var machine))
        {
            return SfnResult<StartExecutionResponse>.Fail("StateMachineDoesNotExist", $"State Machine Does Not Exist: '{stateMachineArn}'");
        }

        var executionArn = $"arn:{Options.Partition}:states:{Options.Region}:{Options.AccountId}:execution:{machine.Identity.Name}:{executionName}";
        ExecutionRecord record;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_executions.TryGetValue(executionArn, out var existing))
            {
                // STANDARD idempotency: same name + same input while running returns the original start.
                if (existing.IsRunning && existing.Input == executionInput)
                {
                    Interlocked.Increment(ref _replays);
                    return SfnResult<StartExecutionResponse>.Ok(new StartExecutionResponse(existing.ExecutionArn, existing.StartDate));
                }

                Interlocked.Increment(ref _alreadyExists);
                return SfnResult<StartExecutionResponse>.Fail("ExecutionAlreadyExists", $"Execution Already Exists: '{executionArn}'");
            }

            record = new ExecutionRecord(executionArn, stateMachineArn, executionName, executionInput, Options.TimeProvider.GetUtcNow(), ++_sequence);
            _executions[executionArn] = record;
            Interlocked.Increment(ref _started);
        }

        _logger.ExecutionStarted(executionArn);
        RecordStatusChange(record.Snapshot());
        _running[record] = Task.Run(() => RunAsync(record, machine));
        return SfnResult<StartExecutionResponse>.Ok(new StartExecutionResponse(record.ExecutionArn, record.StartDate));
    }

    private async Task RunAsync(ExecutionRecord record, RegisteredStateMachine machine)
    {
        var interpreter = new AslInterpreter(machine.Definition, machine.Identity, Integration, Options, _logger, ErrorHandling, TaskTokens);
        ExecutionOutcome outcome;
        try
        {
            outcome = await interpreter.RunAsync(record);
        }
        catch (Exception ex)
        {
            _logger.InterpreterFailed(ex, record.ExecutionArn);
            outcome = new ExecutionOutcome(ExecutionStatus.Failed, null, StatesErrors.Runtime, $"The sandbox interpreter failed: {ex.GetType().Name}: {ex.Message}");
        }

        if (record.TryClose(outcome.Status, Options.TimeProvider.GetUtcNow(), outcome.Output, outcome.Error, outcome.Cause))
        {
            OnClosed(record);
        }

        _running.TryRemove(record, out _);
    }

    private ITaskIntegration Integration(TaskResourceKind kind)
    {
        ITaskIntegration integration = kind switch
        {
            TaskResourceKind.LambdaInvoke or TaskResourceKind.LambdaFunctionArn => _lambda,
            TaskResourceKind.DynamoDbUpdateItem => _dynamoDb,
            TaskResourceKind.DynamoDbGetItem => _dynamoDbGet,
            _ => _putEvents,
        };
        return AuthorizeTask is { } authorize ? new AuthorizedTask(integration, authorize) : integration;
    }

    private void OnClosed(ExecutionRecord record)
    {
        var snapshot = record.Snapshot();
        _logger.ExecutionClosed(snapshot.ExecutionArn, snapshot.StatusText, snapshot.Error);
        RecordStatusChange(snapshot);
        try
        {
            ExecutionClosed?.Invoke(this, new ExecutionClosedEventArgs(snapshot));
        }
        catch (Exception ex)
        {
            // A listener's bug must not leave the execution looking unfinished.
            _logger.ListenerFailed(ex, snapshot.ExecutionArn);
        }
    }

    private void RecordStatusChange(ExecutionSnapshot snapshot)
    {
        var detail = new JsonObject
        {
            ["executionArn"] = snapshot.ExecutionArn,
            ["stateMachineArn"] = snapshot.StateMachineArn,
            ["name"] = snapshot.Name,
            ["status"] = snapshot.StatusText,
            ["startDate"] = snapshot.StartDate.ToUnixTimeMilliseconds(),
            ["stopDate"] = snapshot.StopDate?.ToUnixTimeMilliseconds(),
            ["input"] = snapshot.Input,
            ["output"] = snapshot.Output,
            ["inputDetails"] = new JsonObject { ["included"] = true },
            ["outputDetails"] = snapshot.Output is null ? null : new JsonObject { ["included"] = true },
            ["error"] = snapshot.Error,
            ["cause"] = snapshot.Cause,
        };
        Events.Record("default", "aws.states", StatusChangeDetailType, detail.ToJsonString(), [snapshot.ExecutionArn]);
    }

    private static SfnError? ValidateStateMachineArn(string arn)
    {
        var parts = arn.Split(':');
        return parts.Length == 7 && parts[0] == "arn" && parts[2] == "states" && parts[5] == "stateMachine"
            ? null
            : new SfnError("InvalidArn", $"Invalid Arn: 'Resource type not valid in this context: {(parts.Length > 5 ? parts[5] : arn)}'");
    }

    private static bool IsValidExecutionArn([NotNullWhen(true)] string? arn, [NotNullWhen(false)] out SfnError? error)
    {
        if (arn is null)
        {
            error = new SfnError(
                "ValidationException",
                "1 validation error detected: Value null at 'executionArn' failed to satisfy constraint: Member must not be null");
            return false;
        }

        var parts = arn.Split(':');
        error = parts.Length == 8 && parts[0] == "arn" && parts[2] == "states" && parts[5] == "execution"
            ? null
            : new SfnError("InvalidArn", $"Invalid Arn: 'Resource type not valid in this context: {(parts.Length > 5 ? parts[5] : arn)}'");
        return error is null;
    }

    private static string WriteToken(string stateMachineArn, int offset) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{offset}|{stateMachineArn}"));

    private static bool TryReadToken(string token, string stateMachineArn, out int offset)
    {
        offset = 0;
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(token));
            var bar = text.IndexOf('|', StringComparison.Ordinal);
            return bar > 0 && text[(bar + 1)..] == stateMachineArn && int.TryParse(text[..bar], out offset) && offset >= 0;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"^[0-9A-Za-z_-]{1,80}\z")]
    private static partial Regex NamePattern();

    private sealed record RegisteredStateMachine(StateMachineIdentity Identity, AslStateMachine Definition, string DefinitionJson);
}

/// <summary>The final state of an execution that has just closed.</summary>
internal sealed class ExecutionClosedEventArgs : EventArgs
{
    public ExecutionClosedEventArgs(ExecutionSnapshot execution)
    {
        Execution = execution;
    }

    public ExecutionSnapshot Execution { get; }
}

/// <summary>A Task attempt that runs only when the state machine's role allows it.</summary>
internal sealed class AuthorizedTask(ITaskIntegration inner, Func<TaskInvocation, StatesErrorException?> authorize) : ITaskIntegration
{
    public Task<JsonNode?> InvokeAsync(TaskInvocation invocation, CancellationToken cancellationToken) =>
        authorize(invocation) is { } denied ? throw denied : inner.InvokeAsync(invocation, cancellationToken);
}

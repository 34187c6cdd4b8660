using System.Text.Json.Nodes;
using StrokeIngestion.Sandbox.HealthImaging;
using StrokeIngestion.Sandbox.StepFunctions.Tasks;

namespace StrokeIngestion.Sandbox.Host;

/// <summary>
/// The stack's <c>&lt;project&gt;-import-job-ended</c> rule, locally: every event HealthImaging
/// publishes is recorded on the sandbox's event log; those of this datastore with detail-type
/// <c>Import Job Completed</c>/<c>Import Job Failed</c> go, through the rule's input transformer
/// (<c>{"import_job_event":{datastore_id, job_id, job_name, job_status}}</c>), to the import
/// monitor asynchronously, with the target's retries (<see cref="RuleTargetDelivery"/>).
/// <see cref="Faults"/> makes delivery as unreliable as AWS allows ("best effort"): events
/// dropped, delivered twice or late, so the polling fallback can be proven.
/// </summary>
internal sealed class ImportJobEndedRule : IAsyncDisposable
{
    public const string RuleNameSuffix = "-import-job-ended";

    private readonly EventLog? _eventLog;
    private readonly RuleTargetDelivery? _delivery;
    private readonly Func<ImportJobEvent, RecordedEvent?, string?> _route;
    private readonly Random _random;
    private readonly Lock _gate = new();
    private ImportEventFaults _faults;
    private long _published;
    private long _matched;
    private long _dropped;
    private long _duplicated;
    private long _late;
    private bool _closed;

    /// <param name="invoke">The monitor's handler.</param>
    /// <param name="datastoreId">The rule's <c>detail.datastoreId</c> filter.</param>
    /// <param name="eventLog">Where published events are recorded (the default bus); null records nothing.</param>
    /// <param name="faults">Delivery faults from the start.</param>
    /// <param name="seed">Seeds the fault draws, so a run's faults repeat.</param>
    /// <param name="progress">Where a dead-lettered event is reported.</param>
    /// <param name="firstRetryDelay">Doubles per retry, at most 5 s.</param>
    public ImportJobEndedRule(
        Func<Stream, Task<Stream>> invoke,
        string datastoreId,
        EventLog? eventLog,
        ImportEventFaults faults,
        int seed,
        TextWriter progress,
        TimeSpan firstRetryDelay)
        : this(
            eventLog,
            faults,
            seed,
            (importEvent, _) => importEvent.DatastoreId == datastoreId
                && importEvent.DetailType is ImportJobEvent.CompletedDetailType or ImportJobEvent.FailedDetailType
                    ? Transform(importEvent)
                    : null,
            new RuleTargetDelivery(invoke, "import-job-ended", progress, firstRetryDelay))
    {
    }

    private ImportJobEndedRule(
        EventLog? eventLog,
        ImportEventFaults faults,
        int seed,
        Func<ImportJobEvent, RecordedEvent?, string?> route,
        RuleTargetDelivery? delivery)
    {
        ArgumentNullException.ThrowIfNull(faults);
        faults.Validate();
        _eventLog = eventLog;
        _faults = faults;
        _random = new Random(seed);
        _route = route;
        _delivery = delivery;
    }

    /// <summary>
    /// Runs the stack's own rule (<paramref name="definition"/>: its pattern, input transformer and
    /// RetryAttempts) on the events; null when the stack defines none, and then events are only
    /// recorded, as in an account without the rule.
    /// </summary>
    public static ImportJobEndedRule FromTemplate(
        EventRuleDefinition? definition,
        Func<Stream, Task<Stream>> invoke,
        EventLog eventLog,
        ImportEventFaults faults,
        int seed,
        TextWriter progress,
        TimeSpan firstRetryDelay)
    {
        ArgumentNullException.ThrowIfNull(eventLog);
        if (definition is null)
        {
            return new ImportJobEndedRule(eventLog, faults, seed, (_, _) => null, null);
        }

        return new ImportJobEndedRule(
            eventLog,
            faults,
            seed,
            (_, recorded) => recorded is not null && eventLog.ToEnvelope(recorded) is var envelope && definition.Matches(envelope)
                ? definition.TargetInput(envelope)
                : null,
            new RuleTargetDelivery(invoke, definition.Name, progress, firstRetryDelay, definition.RetryAttempts));
    }

    /// <summary>False when the stack defines no such rule: events are recorded, nobody is invoked.</summary>
    public bool IsDefined => _delivery is not null;

    /// <summary>The faults applied from the next event on; validated when set.</summary>
    public ImportEventFaults Faults
    {
        get => Volatile.Read(ref _faults);
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            value.Validate();
            Volatile.Write(ref _faults, value);
        }
    }

    public ImportEventCounts Counts => new(
        Interlocked.Read(ref _published),
        Interlocked.Read(ref _matched),
        Interlocked.Read(ref _dropped),
        Interlocked.Read(ref _duplicated),
        Interlocked.Read(ref _late),
        _delivery?.Invocations ?? 0,
        _delivery?.Delivered ?? 0,
        _delivery?.DeadLettered ?? 0);

    /// <summary>HealthImaging published <paramref name="importEvent"/>: record it and, when the rule matches, deliver it.</summary>
    public void Publish(ImportJobEvent importEvent)
    {
        ArgumentNullException.ThrowIfNull(importEvent);
        if (Volatile.Read(ref _closed))
        {
            // The sandbox is stopping: the monitor's dependencies are going away.
            return;
        }

        Interlocked.Increment(ref _published);
        var recorded = _eventLog?.Record("default", ImportJobEvent.Source, importEvent.DetailType, importEvent.Detail().ToJsonString(), [importEvent.DatastoreArn]);
        if (_delivery is null || _route(importEvent, recorded) is not { } payload)
        {
            return;
        }

        Interlocked.Increment(ref _matched);
        var faults = Faults;
        double dropDraw, duplicateDraw, lateDraw, lateFraction;
        lock (_gate)
        {
            dropDraw = _random.NextDouble();
            duplicateDraw = _random.NextDouble();
            lateDraw = _random.NextDouble();
            lateFraction = _random.NextDouble();
        }

        if (dropDraw < faults.DropRate)
        {
            Interlocked.Increment(ref _dropped);
            return;
        }

        var delay = TimeSpan.Zero;
        if (lateDraw < faults.LateRate)
        {
            Interlocked.Increment(ref _late);
            delay = faults.MinLateness + ((faults.MaxLateness - faults.MinLateness) * lateFraction);
        }

        _delivery.Deliver($"job {importEvent.JobId}", payload, delay);
        if (duplicateDraw < faults.DuplicateRate)
        {
            // At-least-once delivery: the same event again, a moment later.
            Interlocked.Increment(ref _duplicated);
            _delivery.Deliver($"job {importEvent.JobId} (duplicate)", payload, delay + TimeSpan.FromMilliseconds(50));
        }
    }

    /// <summary>Completes when every event handed over so far has been delivered or dead-lettered.</summary>
    public Task DrainAsync() => _delivery?.DrainAsync() ?? Task.CompletedTask;

    public ValueTask DisposeAsync()
    {
        Volatile.Write(ref _closed, true);
        return _delivery?.DisposeAsync() ?? ValueTask.CompletedTask;
    }

    /// <summary>The rule target's input transformer, as the contract defines it (what the stack's rule must produce too).</summary>
    public static string Transform(ImportJobEvent importEvent)
    {
        ArgumentNullException.ThrowIfNull(importEvent);
        return new JsonObject
        {
            ["import_job_event"] = new JsonObject
            {
                ["datastore_id"] = importEvent.DatastoreId,
                ["job_id"] = importEvent.JobId,
                ["job_name"] = importEvent.JobName,
                ["job_status"] = importEvent.JobStatus,
            },
        }.ToJsonString();
    }
}

/// <summary>
/// How unreliable the delivery of HealthImaging's import events is. Each matched event gets
/// independent draws: dropped with <see cref="DropRate"/> (nothing else happens), late by
/// <see cref="MinLateness"/>..<see cref="MaxLateness"/> with <see cref="LateRate"/>, delivered a
/// second time with <see cref="DuplicateRate"/>.
/// </summary>
/// <remarks>Immutable: replace the whole record on the rule to change it while uploads run.</remarks>
internal sealed record ImportEventFaults
{
    public static ImportEventFaults None { get; } = new();

    /// <summary>Every event lost: the workflow can only end through its timeout and the poll.</summary>
    public static ImportEventFaults DropAll { get; } = new() { DropRate = 1 };

    public double DropRate { get; init; }

    public double DuplicateRate { get; init; }

    public double LateRate { get; init; }

    public TimeSpan MinLateness { get; init; }

    public TimeSpan MaxLateness { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        foreach (var (rate, name) in new[] { (DropRate, nameof(DropRate)), (DuplicateRate, nameof(DuplicateRate)), (LateRate, nameof(LateRate)) })
        {
            if (double.IsNaN(rate) || rate < 0 || rate > 1)
            {
                throw new ArgumentException($"{name} must be between 0 and 1, not {rate}.");
            }
        }

        if (MinLateness < TimeSpan.Zero || MaxLateness < MinLateness)
        {
            throw new ArgumentException($"Lateness must satisfy 0 <= {nameof(MinLateness)} <= {nameof(MaxLateness)}.");
        }
    }
}

/// <summary>What the import-event rule did so far.</summary>
/// <param name="Published">Events HealthImaging published (any datastore, any detail-type).</param>
/// <param name="Matched">Events the rule's pattern matched.</param>
/// <param name="Dropped">Matched events lost on purpose.</param>
/// <param name="Duplicated">Matched events delivered a second time.</param>
/// <param name="Late">Matched events held back before delivery.</param>
/// <param name="Invocations">Invocations of the monitor, retries included.</param>
/// <param name="Delivered">Deliveries the monitor accepted (duplicates counted).</param>
/// <param name="DeadLettered">Deliveries that failed every retry.</param>
internal sealed record ImportEventCounts(long Published, long Matched, long Dropped, long Duplicated, long Late, int Invocations, int Delivered, int DeadLettered);

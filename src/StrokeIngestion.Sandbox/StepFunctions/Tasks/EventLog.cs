using System.Text.Json.Nodes;

namespace StrokeIngestion.Sandbox.StepFunctions.Tasks;

/// <summary>
/// The sandbox's stand-in for EventBridge buses: every event a state machine puts (and every
/// "Step Functions Execution Status Change" event the emulator emits, as AWS does on the
/// default bus) is kept in memory and, when a file path is given, appended to it as one
/// EventBridge envelope JSON per line.
/// </summary>
internal sealed class EventLog
{
    private readonly Lock _gate = new();
    private readonly List<RecordedEvent> _events = [];
    private readonly List<(Func<RecordedEvent, bool> Match, TaskCompletionSource<RecordedEvent> Waiter)> _waiters = [];
    private readonly TimeProvider _timeProvider;
    private readonly string _region;
    private readonly string _accountId;

    public EventLog(TimeProvider timeProvider, string region, string accountId, string? filePath)
    {
        _timeProvider = timeProvider;
        _region = region;
        _accountId = accountId;
        FilePath = filePath;
    }

    public string? FilePath { get; }

    public IReadOnlyList<RecordedEvent> Snapshot()
    {
        lock (_gate)
        {
            return _events.ToList();
        }
    }

    /// <summary>Completes with the first recorded event (past or future) that matches.</summary>
    public Task<RecordedEvent> WaitForAsync(Func<RecordedEvent, bool> match, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(match);
        lock (_gate)
        {
            var existing = _events.FirstOrDefault(match);
            if (existing is not null)
            {
                return Task.FromResult(existing);
            }

            var waiter = new TaskCompletionSource<RecordedEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((match, waiter));
            return waiter.Task.WaitAsync(cancellationToken);
        }
    }

    public RecordedEvent Record(string eventBusName, string source, string detailType, string detail, IReadOnlyList<string> resources)
    {
        var recorded = new RecordedEvent(Guid.NewGuid().ToString(), _timeProvider.GetUtcNow(), eventBusName, source, detailType, detail, resources);
        List<TaskCompletionSource<RecordedEvent>> released = [];
        lock (_gate)
        {
            _events.Add(recorded);
            if (FilePath is not null)
            {
                File.AppendAllText(FilePath, ToEnvelope(recorded).ToJsonString() + "\n");
            }

            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(recorded))
                {
                    released.Add(_waiters[i].Waiter);
                    _waiters.RemoveAt(i);
                }
            }
        }

        foreach (var waiter in released)
        {
            waiter.TrySetResult(recorded);
        }

        return recorded;
    }

    /// <summary>The event as an EventBridge rule target would receive it.</summary>
    public JsonObject ToEnvelope(RecordedEvent recorded)
    {
        ArgumentNullException.ThrowIfNull(recorded);
        JsonNode? detail;
        try
        {
            detail = JsonNode.Parse(recorded.Detail);
        }
        catch (System.Text.Json.JsonException)
        {
            detail = recorded.Detail;
        }

        return new JsonObject
        {
            ["version"] = "0",
            ["id"] = recorded.EventId,
            ["detail-type"] = recorded.DetailType,
            ["source"] = recorded.Source,
            ["account"] = _accountId,
            ["time"] = recorded.Time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
            ["region"] = _region,
            ["resources"] = new JsonArray(recorded.Resources.Select(r => (JsonNode?)JsonValue.Create(r)).ToArray()),
            ["detail"] = detail,
            ["event-bus-name"] = recorded.EventBusName,
        };
    }
}

/// <param name="Detail">The detail as the JSON text PutEvents carried.</param>
internal sealed record RecordedEvent(
    string EventId,
    DateTimeOffset Time,
    string EventBusName,
    string Source,
    string DetailType,
    string Detail,
    IReadOnlyList<string> Resources);

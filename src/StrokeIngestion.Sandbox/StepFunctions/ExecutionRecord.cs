namespace StrokeIngestion.Sandbox.StepFunctions;

/// <summary>
/// The mutable state of one execution, shared by its runner and the API. The first close
/// (success, failure, timeout or stop) wins; later ones are ignored.
/// </summary>
internal sealed class ExecutionRecord : IDisposable
{
    private readonly Lock _gate = new();
    private readonly List<string> _visited = [];
    private readonly TaskCompletionSource<ExecutionSnapshot> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ExecutionStatus _status = ExecutionStatus.Running;
    private DateTimeOffset? _stopDate;
    private string? _output;
    private string? _error;
    private string? _cause;
    private string? _currentState;
    private DateTimeOffset? _resumesAt;
    private int _historyEvents;
    private int _transitions;
    private bool _awaitingTaskToken;

    public ExecutionRecord(string executionArn, string stateMachineArn, string name, string input, DateTimeOffset startDate, long sequence)
    {
        ExecutionArn = executionArn;
        StateMachineArn = stateMachineArn;
        Name = name;
        Input = input;
        StartDate = startDate;
        Sequence = sequence;
    }

    public string ExecutionArn { get; }

    public string StateMachineArn { get; }

    public string Name { get; }

    public string Input { get; }

    public DateTimeOffset StartDate { get; }

    /// <summary>Creation order, to sort executions that started in the same instant.</summary>
    public long Sequence { get; }

    /// <summary>Cancelled by StopExecution and by disposing the emulator.</summary>
    public CancellationTokenSource Stop { get; } = new();

    public Task<ExecutionSnapshot> Closed => _closed.Task;

    public bool IsRunning
    {
        get
        {
            lock (_gate)
            {
                return _status == ExecutionStatus.Running;
            }
        }
    }

    /// <summary>Records entering a state: one billed state transition.</summary>
    public void EnterState(string stateName)
    {
        lock (_gate)
        {
            _currentState = stateName;
            _visited.Add(stateName);
            _transitions++;
        }
    }

    /// <summary>A Retry re-runs the state, which AWS bills as one more state transition.</summary>
    public void CountRetry()
    {
        lock (_gate)
        {
            _transitions++;
        }
    }

    /// <summary>Whether a <c>.waitForTaskToken</c> task has invoked its function and now waits for its token.</summary>
    public void SetAwaitingTaskToken(bool awaiting)
    {
        lock (_gate)
        {
            _awaitingTaskToken = awaiting;
        }
    }

    /// <summary>When a Wait state or a retry interval will end; null while the execution is not waiting.</summary>
    public void SetResumesAt(DateTimeOffset? resumesAt)
    {
        lock (_gate)
        {
            _resumesAt = resumesAt;
        }
    }

    /// <summary>Counts history events; returns the total so far.</summary>
    public int AddHistoryEvents(int count)
    {
        lock (_gate)
        {
            _historyEvents += count;
            return _historyEvents;
        }
    }

    /// <summary>Closes the execution unless it is already closed; true when this call closed it.</summary>
    public bool TryClose(ExecutionStatus status, DateTimeOffset stopDate, string? output, string? error, string? cause)
    {
        ExecutionSnapshot snapshot;
        lock (_gate)
        {
            if (_status != ExecutionStatus.Running)
            {
                return false;
            }

            _status = status;
            _stopDate = stopDate;
            _output = output;
            _error = error;
            _cause = cause;
            _currentState = null;
            _resumesAt = null;
            _awaitingTaskToken = false;
            _historyEvents++;
            snapshot = SnapshotLocked();
        }

        _closed.TrySetResult(snapshot);
        return true;
    }

    public ExecutionSnapshot Snapshot()
    {
        lock (_gate)
        {
            return SnapshotLocked();
        }
    }

    public void Dispose() => Stop.Dispose();

    private ExecutionSnapshot SnapshotLocked() => new(
        ExecutionArn, StateMachineArn, Name, _status, StartDate, _stopDate, Input, _output, _error, _cause, _currentState, _resumesAt, _historyEvents)
    {
        StateTransitions = _transitions,
        VisitedStates = [.. _visited],
        AwaitingTaskToken = _awaitingTaskToken,
    };
}

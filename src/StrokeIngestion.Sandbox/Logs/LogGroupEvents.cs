using System.Collections.Concurrent;

namespace StrokeIngestion.Sandbox.Logs;

/// <summary>One CloudWatch Logs event: when, and the message as the runtime wrote it.</summary>
internal sealed record LogEvent(DateTimeOffset Timestamp, string Message);

/// <summary>The events of one log group, in arrival order.</summary>
internal sealed class LogGroupEvents
{
    private readonly ConcurrentQueue<LogEvent> _events = new();

    public LogGroupEvents(string name) => Name = name;

    public string Name { get; }

    public IReadOnlyList<LogEvent> Events => [.. _events];

    public void Add(DateTimeOffset timestamp, string message) => _events.Enqueue(new LogEvent(timestamp, message));
}

/// <summary>The sandbox's CloudWatch Logs: log groups by name, created on first use.</summary>
internal sealed class SandboxLogs
{
    private readonly ConcurrentDictionary<string, LogGroupEvents> _groups = new(StringComparer.Ordinal);

    public LogGroupEvents Group(string name) => _groups.GetOrAdd(name, n => new LogGroupEvents(n));

    public IReadOnlyCollection<LogGroupEvents> Groups => [.. _groups.Values];
}

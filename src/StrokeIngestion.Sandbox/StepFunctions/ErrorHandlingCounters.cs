using System.Collections.Concurrent;

namespace StrokeIngestion.Sandbox.StepFunctions;

/// <summary>
/// How often executions took a Retry or a Catch, keyed <c>"{state} {error}"</c>: the evidence
/// that a workflow's error handling ran, not merely that it was declared. Safe to read while
/// executions run.
/// </summary>
internal sealed class ErrorHandlingCounters
{
    private readonly ConcurrentDictionary<string, long> _retries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _catches = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, long> Retries => _retries.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);

    public IReadOnlyDictionary<string, long> Catches => _catches.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);

    /// <summary>Retries of <paramref name="state"/>, whatever the error.</summary>
    public long RetriesOf(string state) => Sum(_retries, state);

    /// <summary>Catches in <paramref name="state"/>, whatever the error.</summary>
    public long CatchesOf(string state) => Sum(_catches, state);

    internal void RecordRetry(string state, string error) => _retries.AddOrUpdate($"{state} {error}", 1, (_, n) => n + 1);

    internal void RecordCatch(string state, string error) => _catches.AddOrUpdate($"{state} {error}", 1, (_, n) => n + 1);

    private static long Sum(ConcurrentDictionary<string, long> counts, string state) =>
        counts.Where(p => p.Key.StartsWith(state + " ", StringComparison.Ordinal)).Sum(p => p.Value);
}

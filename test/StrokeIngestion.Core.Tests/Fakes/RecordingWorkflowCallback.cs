using StrokeIngestion.Core.Ports;

namespace StrokeIngestion.Core.Tests.Fakes;

/// <summary>
/// A workflow callback that keeps the tokens it resumed and answers like Step Functions: a
/// token works once, then it is stale. Tokens in <see cref="Stale"/> are stale from the start.
/// </summary>
internal sealed class RecordingWorkflowCallback : IWorkflowCallback
{
    private readonly Lock _gate = new();

    public List<string> Resumed { get; } = [];

    public List<string> Attempts { get; } = [];

    public HashSet<string> Stale { get; } = new(StringComparer.Ordinal);

    public Queue<Exception> Failures { get; } = new();

    public Task<bool> TryResumeAsync(string taskToken, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Attempts.Add(taskToken);
            if (Failures.TryDequeue(out var failure))
            {
                throw failure;
            }

            if (Stale.Contains(taskToken) || Resumed.Contains(taskToken))
            {
                return Task.FromResult(false);
            }

            Resumed.Add(taskToken);
            return Task.FromResult(true);
        }
    }
}

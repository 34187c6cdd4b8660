using System.Diagnostics;
using System.Globalization;
using StrokeIngestion.Core.Domain;
using StrokeIngestion.Sandbox.Host;

namespace StrokeIngestion.Sandbox.Proof;

/// <summary>The steps both proof runs share: drive the uploads, then wait for the pipeline to settle.</summary>
internal static class ProofDriver
{
    private static readonly TimeSpan SettlePoll = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan ProgressEvery = TimeSpan.FromSeconds(5);

    /// <summary>A run id usable in S3 keys and idempotency keys, unique per run.</summary>
    public static string NewRunId(string kind) =>
        string.Create(CultureInfo.InvariantCulture, $"{kind}-{DateTime.UtcNow:yyyyMMddHHmmss}-{Guid.NewGuid().ToString("N")[..6]}");

    /// <summary>Uploads every study, at most <paramref name="concurrency"/> at a time; never throws for an upload's outcome.</summary>
    public static async Task<IReadOnlyList<UploadResult>> UploadAllAsync(
        SandboxHost host,
        IReadOnlyList<ProofStudy> studies,
        UploadRetryPolicy policy,
        int concurrency,
        int seed,
        CancellationToken cancellationToken)
    {
        using var client = new RetryingUploadClient(host.ApiBaseUrl, policy, seed, maxConnections: Math.Max(concurrency, 1));
        var results = new UploadResult[studies.Count];
        await Parallel.ForAsync(
            0,
            studies.Count,
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(concurrency, 1), CancellationToken = cancellationToken },
            async (i, ct) => results[i] = await client.UploadAsync(studies[i], ct));
        return results;
    }

    /// <summary>
    /// Waits until every accepted study is terminal and no execution runs, or until
    /// <paramref name="deadline"/> (measured on <paramref name="clock"/>) passes. True when settled.
    /// </summary>
    public static async Task<bool> WaitUntilSettledAsync(
        SandboxHost host,
        IReadOnlyList<UploadResult> results,
        Stopwatch clock,
        TimeSpan deadline,
        TextWriter progress,
        CancellationToken cancellationToken)
    {
        var nextProgress = clock.Elapsed + ProgressEvery;
        var accepted = results.Where(r => r.Accepted).Select(r => r.StudyId ?? string.Empty).ToHashSet(StringComparer.Ordinal);
        while (true)
        {
            if (await PipelineAudit.IsSettledAsync(host, results, cancellationToken))
            {
                return true;
            }

            if (clock.Elapsed >= deadline)
            {
                return false;
            }

            if (clock.Elapsed >= nextProgress)
            {
                var studies = await PipelineAudit.ScanStudiesAsync(host, cancellationToken);
                var terminal = studies.Count(s => accepted.Contains(s.StudyId.Value) && StudyStatus.IsTerminal(s.Status));
                var running = host.StepFunctions.Executions().Count(e => e.IsRunning);
                await progress.WriteLineAsync(string.Create(
                    CultureInfo.InvariantCulture,
                    $"proof: {clock.Elapsed.TotalSeconds,6:0.0}s {terminal}/{accepted.Count} accepted studies terminal, {running} executions running"));
                nextProgress = clock.Elapsed + ProgressEvery;
            }

            await Task.Delay(SettlePoll, cancellationToken);
        }
    }

    /// <summary>Nearest-rank percentile; zero for no values.</summary>
    public static TimeSpan Percentile(IEnumerable<TimeSpan> values, double percentile)
    {
        var sorted = values.Order().ToList();
        if (sorted.Count == 0)
        {
            return TimeSpan.Zero;
        }

        var rank = (int)Math.Ceiling(percentile / 100 * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }
}

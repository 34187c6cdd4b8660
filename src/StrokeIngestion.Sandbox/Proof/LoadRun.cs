using System.Diagnostics;
using System.Globalization;
using StrokeIngestion.Core.Domain;
using StrokeIngestion.Sandbox.Host;
using StrokeIngestion.Sandbox.StepFunctions;

namespace StrokeIngestion.Sandbox.Proof;

/// <summary>Settings of a <see cref="LoadRun"/>.</summary>
internal sealed record LoadRunOptions
{
    /// <summary>Uploads, all sent at once.</summary>
    public int Uploads { get; init; } = 500;

    /// <summary>The whole run stops after this long, whatever is left; unfinished accepted studies count as lost.</summary>
    public TimeSpan Deadline { get; init; } = TimeSpan.FromMinutes(5);

    public int Seed { get; init; } = 1;

    public double TimeScale { get; init; } = 0.01;

    public double TimeoutScale { get; init; } = 0.1;

    /// <summary>An import's fixed run time in stack time (× <see cref="TimeScale"/> on the clock).</summary>
    public TimeSpan ImportTime { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Generous: under load an answer may take long, and a timeout resends the request.</summary>
    public UploadRetryPolicy Client { get; init; } = UploadRetryPolicy.Default with { MaxAttempts = 5, AttemptTimeout = TimeSpan.FromSeconds(60) };
}

/// <summary>
/// A bounded load test on loopback: N uploads sent concurrently to the sandbox (no injected
/// faults), each followed to its end; stops by itself at the deadline.
/// </summary>
internal static class LoadRun
{
    public static async Task<LoadRunReport> RunAsync(LoadRunOptions options, SandboxOptions sandbox, TextWriter progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(sandbox);
        var clock = Stopwatch.StartNew();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.Deadline);
        await using var host = await SandboxHost.StartAsync(
            sandbox with
            {
                TimeScale = options.TimeScale,
                TimeoutScale = options.TimeoutScale,
                ImportTime = options.ImportTime,
                Faults = null,
            },
            progress,
            deadline.Token);

        var runId = ProofDriver.NewRunId("load");
        var studies = ProofStudies.Generate(runId, options.Uploads);
        await ProofStudies.PutAsync(host.S3, host.BucketName, studies, deadline.Token);
        await progress.WriteLineAsync(string.Create(
            CultureInfo.InvariantCulture,
            $"load: {studies.Count} studies ({studies.Sum(s => s.FileCount)} files) ready; sending {studies.Count} uploads at once …"));

        IReadOnlyList<UploadResult> results;
        try
        {
            results = await ProofDriver.UploadAllAsync(host, studies, options.Client, studies.Count, options.Seed, deadline.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"The uploads were not all answered within the deadline of {options.Deadline.TotalSeconds:0} s.");
        }

        await progress.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"load: all answered after {clock.Elapsed.TotalSeconds:0.0}s; following the studies …"));
        var settled = await ProofDriver.WaitUntilSettledAsync(host, results, clock, options.Deadline, progress, cancellationToken);
        var findings = await PipelineAudit.AuditAsync(host, results, cancellationToken);
        var records = (await PipelineAudit.ScanStudiesAsync(host, cancellationToken)).ToDictionary(s => s.StudyId.Value, StringComparer.Ordinal);
        var timeToReady = results
            .Where(r => r.Accepted && r.StudyId is not null)
            .Select(r => (Result: r, Study: records.GetValueOrDefault(r.StudyId ?? string.Empty)))
            .Where(p => p.Study is { Status: StudyStatus.ReadyForAnalysis, ReadyAt: not null })
            .Select(p => DateTimeOffset.Parse(p.Study?.ReadyAt ?? string.Empty, CultureInfo.InvariantCulture) - p.Result.Started)
            .ToList();
        var studyIds = results.Where(r => r.StudyId is not null).Select(r => "stroke-analysis-" + r.StudyId).ToHashSet(StringComparer.Ordinal);
        var transitions = host.StepFunctions.Executions()
            .Where(e => e.Status == ExecutionStatus.Succeeded && studyIds.Contains(e.Name))
            .Select(e => e.StateTransitions)
            .ToList();
        return new LoadRunReport
        {
            Options = options,
            Results = results,
            Findings = findings,
            TimeToReady = timeToReady,
            TransitionsPerStudy = transitions,
            Settled = settled,
            Elapsed = clock.Elapsed,
        };
    }
}

/// <summary>The figures of a <see cref="LoadRun"/>.</summary>
internal sealed record LoadRunReport
{
    public required LoadRunOptions Options { get; init; }

    public required IReadOnlyList<UploadResult> Results { get; init; }

    public required PipelineFindings Findings { get; init; }

    /// <summary>From the first POST to the study's ready_at, for studies that became READY_FOR_ANALYSIS.</summary>
    public required IReadOnlyList<TimeSpan> TimeToReady { get; init; }

    /// <summary>Billed state transitions of each study's execution that ended SUCCEEDED.</summary>
    public required IReadOnlyList<int> TransitionsPerStudy { get; init; }

    public required bool Settled { get; init; }

    public required TimeSpan Elapsed { get; init; }

    public int Accepted => Results.Count(r => r.Accepted);

    public int Rejected => Results.Count - Accepted;

    public int Lost => Findings.Lost.Count;

    /// <summary>Until the final answer, retries included: what the clinician waits for.</summary>
    public TimeSpan PostP50 => ProofDriver.Percentile(Results.Select(r => r.Elapsed), 50);

    public TimeSpan PostP99 => ProofDriver.Percentile(Results.Select(r => r.Elapsed), 99);

    public TimeSpan ReadyP50 => ProofDriver.Percentile(TimeToReady, 50);

    public TimeSpan ReadyP99 => ProofDriver.Percentile(TimeToReady, 99);

    /// <summary>
    /// Every upload was valid, so a refused one is a failure the clinician sees, as much as a
    /// lost accepted one; so is a study still running at the deadline.
    /// </summary>
    public bool Passed => Rejected == 0 && Settled && Lost == 0 && Findings.Duplicates == 0 && Findings.Inconsistent.Count == 0 && Findings.ImportingAtEnd == 0;

    public void Print(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var ci = CultureInfo.InvariantCulture;
        output.WriteLine();
        output.WriteLine("=== Load run report ===");
        output.WriteLine(string.Create(ci, $"uploads:   {Results.Count} concurrent (loopback, no injected faults; deadline {Options.Deadline.TotalSeconds:0} s)"));
        output.WriteLine(string.Create(ci, $"accepted:  {Accepted}"));
        output.WriteLine(string.Create(ci, $"rejected:  {Rejected}{ReportText.Describe(ReportText.Rejections(Results))}"));
        output.WriteLine(string.Create(ci, $"lost:      {Lost}"));
        output.WriteLine(string.Create(ci, $"terminal: {ReportText.Describe(Findings.AcceptedByStatus)}"));
        output.WriteLine(string.Create(ci, $"duplicates: {Findings.Duplicates}; inconsistent: {Findings.Inconsistent.Count}; IMPORTING at end: {Findings.ImportingAtEnd}"));
        output.WriteLine(string.Create(ci, $"client retries: {Results.Sum(r => r.Attempts - 1)} ({Results.Sum(r => r.Timeouts)} attempt timeouts); answers{ReportText.Describe(ReportText.AttemptStatuses(Results))}"));
        output.WriteLine(string.Create(ci, $"POST latency (to the final answer): p50 {PostP50.TotalMilliseconds:0} ms, p99 {PostP99.TotalMilliseconds:0} ms"));
        output.WriteLine(string.Create(ci, $"time to READY_FOR_ANALYSIS ({TimeToReady.Count} studies): p50 {ReadyP50.TotalMilliseconds:0} ms, p99 {ReadyP99.TotalMilliseconds:0} ms"));
        if (TransitionsPerStudy.Count > 0)
        {
            var mean = TransitionsPerStudy.Average();
            output.WriteLine(string.Create(ci, $"state transitions per READY study ({TransitionsPerStudy.Count}): min {TransitionsPerStudy.Min()}, mean {mean:0.0}, max {TransitionsPerStudy.Max()} → ${mean * 0.025:0.000} per 1,000 studies at $0.025 per 1,000 transitions"));
        }

        foreach (var problem in Findings.Lost.Concat(Findings.Inconsistent).Take(20))
        {
            output.WriteLine("  ! " + problem);
        }

        output.WriteLine(string.Create(ci, $"time: {Elapsed.TotalSeconds:0.0}s{(Settled ? string.Empty : " (deadline reached before everything settled)")}"));
        output.WriteLine(Passed ? "RESULT: PASS — every upload accepted and finished, 0 lost." : "RESULT: FAIL — see the figures above.");
    }
}

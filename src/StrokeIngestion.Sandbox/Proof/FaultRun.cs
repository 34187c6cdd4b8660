using System.Diagnostics;
using System.Globalization;
using StrokeIngestion.Sandbox.Faults;
using StrokeIngestion.Sandbox.Host;
using StrokeIngestion.Sandbox.StepFunctions;

namespace StrokeIngestion.Sandbox.Proof;

/// <summary>Settings of a <see cref="FaultRun"/>.</summary>
internal sealed record FaultRunOptions
{
    public int Uploads { get; init; } = 200;

    /// <summary>
    /// Share of calls to each dependency that fail (throttled or 5xx), and, independently, that
    /// are slowed down (<see cref="SandboxFaults.Uniform"/>). Ignored when <see cref="Faults"/> is set.
    /// </summary>
    public double FaultRate { get; init; } = 0.25;

    public TimeSpan MaxLatency { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Explicit faults (e.g. only killing the monitor); null for <see cref="SandboxFaults.Uniform"/> at <see cref="FaultRate"/>.</summary>
    public SandboxFaults? Faults { get; init; }

    /// <summary>Import jobs HealthImaging fails on purpose (the first ones created): their studies must end IMPORT_FAILED.</summary>
    public int FailedImports { get; init; } = 5;

    public int Seed { get; init; } = 1;

    /// <summary>Uploads in flight at once (clients retry within their slot).</summary>
    public int Concurrency { get; init; } = 16;

    /// <summary>The whole run, start-up included, stops waiting after this long; what is left unfinished is lost.</summary>
    public TimeSpan Deadline { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The state machine's 30 s poll becomes <c>30 s × TimeScale</c>.</summary>
    public double TimeScale { get; init; } = 0.01;

    /// <summary>Function, Task and execution timeouts become <c>timeout × TimeoutScale</c> (monitor: 60 s → 6 s).</summary>
    public double TimeoutScale { get; init; } = 0.1;

    /// <summary>An import's fixed run time in stack time (× <see cref="TimeScale"/> on the clock).</summary>
    public TimeSpan ImportTime { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>A short attempt timeout: a stalled answer is given up on and retried within seconds.</summary>
    public UploadRetryPolicy Client { get; init; } = UploadRetryPolicy.Default with { AttemptTimeout = TimeSpan.FromSeconds(5) };

    public SandboxFaults EffectiveFaults() => Faults ?? SandboxFaults.Uniform(FaultRate, MaxLatency, Seed);

    /// <summary>
    /// Only the monitor fails, at <paramref name="rate"/> of its invocations by the state machine:
    /// half <c>Lambda.ServiceException</c> (the contract retries it), a quarter a crash before the
    /// handler runs, a quarter a crash after it ran (both caught: the study is marked failed
    /// unless the handler already recorded its outcome).
    /// </summary>
    public static SandboxFaults KillMonitor(double rate, int seed) => new()
    {
        Monitor = new LambdaFaults { ServiceErrorRate = rate / 2, CrashRate = rate / 4, CrashAfterRunRate = rate / 4 },
        Seed = seed,
    };

    /// <summary>
    /// Only the monitor fails: every invocation that records (or finds) <c>READY_FOR_ANALYSIS</c>
    /// dies before answering, so the state machine never sees the ready answer for any study.
    /// </summary>
    public static SandboxFaults CrashMonitorWhenReady(int seed) => new()
    {
        Monitor = new LambdaFaults { CrashWhenReady = true },
        Seed = seed,
    };

    /// <summary>Only the monitor fails: <paramref name="rate"/> of its invocations hang until the function's timeout.</summary>
    public static SandboxFaults MonitorTimeouts(double rate, int seed) => new()
    {
        Monitor = new LambdaFaults { TimeoutRate = rate },
        Seed = seed,
    };
}

/// <summary>
/// The proof that an accepted upload is never lost, doubled or left half-done whatever fails
/// underneath: starts the sandbox with faults on every dependency, uploads distinct studies
/// through clients that retry with the same Idempotency-Key, waits for every accepted study to
/// end, and audits the table, the executions, the import jobs and the image sets.
/// </summary>
internal static class FaultRun
{
    public static async Task<FaultRunReport> RunAsync(FaultRunOptions options, SandboxOptions sandbox, TextWriter progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(sandbox);
        var clock = Stopwatch.StartNew();
        var faults = options.EffectiveFaults();
        faults = faults with { HealthImaging = faults.HealthImaging with { FailNextJobs = options.FailedImports } };
        await using var host = await SandboxHost.StartAsync(
            sandbox with
            {
                TimeScale = options.TimeScale,
                TimeoutScale = options.TimeoutScale,
                ImportTime = options.ImportTime,
                Faults = faults,
            },
            progress,
            cancellationToken);

        var runId = ProofDriver.NewRunId("faults");
        var studies = ProofStudies.Generate(runId, options.Uploads);
        await ProofStudies.PutAsync(host.S3, host.BucketName, studies, cancellationToken);
        await progress.WriteLineAsync(string.Create(
            CultureInfo.InvariantCulture,
            $"proof: {studies.Count} studies ({studies.Sum(s => s.FileCount)} files) in s3://{host.BucketName}/uploads/{runId}/; uploading with {options.Concurrency} clients under faults …"));

        var uploadClock = Stopwatch.StartNew();
        var results = await ProofDriver.UploadAllAsync(host, studies, options.Client, options.Concurrency, options.Seed, cancellationToken);
        var uploadTime = uploadClock.Elapsed;
        await progress.WriteLineAsync(string.Create(
            CultureInfo.InvariantCulture,
            $"proof: uploads answered in {uploadTime.TotalSeconds:0.0}s: {results.Count(r => r.Accepted)} accepted; waiting for the pipeline to settle …"));

        var settled = await ProofDriver.WaitUntilSettledAsync(host, results, clock, options.Deadline, progress, cancellationToken);
        await host.Backstop.DrainAsync();
        await host.ImportEvents.DrainAsync();
        var findings = await PipelineAudit.AuditAsync(host, results, cancellationToken);

        // Three sweeps on the sandbox's clock: the last slot of a lost event is freed by then.
        var slotsHeld = await PipelineAudit.SlotsHeldAsync(host, TimeSpan.FromMinutes(15) * host.Options.TimeScale + TimeSpan.FromSeconds(2), cancellationToken);
        return new FaultRunReport
        {
            SlotsHeldAtEnd = slotsHeld,
            Options = options,
            Faults = faults,
            Results = results,
            Findings = findings,
            Dependencies = DependencyFaults.From(host),
            StepFunctionsCounters = host.StepFunctions.Counters,
            Retries = host.StepFunctions.ErrorHandling.Retries,
            Catches = host.StepFunctions.ErrorHandling.Catches,
            BackstopInvocations = host.Backstop.Forwarded,
            BackstopDeadLettered = host.Backstop.DeadLettered,
            ImportEvents = host.ImportEvents.Counts,
            TaskTokens = host.StepFunctions.TaskTokens.Counters,
            Settled = settled,
            UploadTime = uploadTime,
            Elapsed = clock.Elapsed,
        };
    }
}

/// <summary>The figures of a <see cref="FaultRun"/>, and whether they prove the claim.</summary>
internal sealed record FaultRunReport
{
    public required FaultRunOptions Options { get; init; }

    public required SandboxFaults Faults { get; init; }

    public required IReadOnlyList<UploadResult> Results { get; init; }

    public required PipelineFindings Findings { get; init; }

    public required IReadOnlyList<DependencyFaults> Dependencies { get; init; }

    public required StepFunctionsCounters StepFunctionsCounters { get; init; }

    /// <summary>Retries the state machine took, by <c>"{state} {error}"</c>.</summary>
    public required IReadOnlyDictionary<string, long> Retries { get; init; }

    /// <summary>Catches the state machine took, by <c>"{state} {error}"</c>.</summary>
    public required IReadOnlyDictionary<string, long> Catches { get; init; }

    public required int BackstopInvocations { get; init; }

    /// <summary>Backstop events the monitor never accepted, after the rule's retries.</summary>
    public required int BackstopDeadLettered { get; init; }

    /// <summary>HealthImaging's import-ended events: published, dropped, duplicated, late, delivered.</summary>
    public required ImportEventCounts ImportEvents { get; init; }

    /// <summary>What became of the AwaitImportEnd task tokens: resumed by the event, timed out into the poll, …</summary>
    public required TaskTokenCounters TaskTokens { get; init; }

    /// <summary>Every accepted study terminal and no execution running before the deadline.</summary>
    public required bool Settled { get; init; }

    public required TimeSpan UploadTime { get; init; }

    /// <summary>Job slots the admission ledger still held after every study ended and the sweep ran: leaked slots.</summary>
    public int SlotsHeldAtEnd { get; init; }

    public required TimeSpan Elapsed { get; init; }

    public int Uploads => Results.Count;

    public int Accepted => Results.Count(r => r.Accepted);

    /// <summary>Final refusals by status and code (all inputs are valid, so these are dependency failures that outlasted the client's retries).</summary>
    public IReadOnlyDictionary<string, int> RejectedByCode => ReportText.Rejections(Results);

    /// <summary>
    /// Lost, duplicated, half-done or inconsistent: any of these fails the proof. A READY study
    /// without its Study Ready event is half-done: Phase 2 would never analyse it.
    /// </summary>
    public bool Passed =>
        Settled
        && Findings.Lost.Count == 0
        && Findings.ReadyWithoutEvent.Count == 0
        && Findings.Duplicates == 0
        && Findings.ImportingWithNothingBehind == 0
        && Findings.ImportingAtEnd == 0
        && Findings.Inconsistent.Count == 0
        && Findings.JobsWithoutRecord == 0
        && Findings.ExecutionsWithoutRecord == 0
        && SlotsHeldAtEnd == 0;

    public void Print(TextWriter output)
    {
        static string Describe<T>(IReadOnlyDictionary<string, T> counts) => ReportText.Describe(counts);

        ArgumentNullException.ThrowIfNull(output);
        var f = Findings;
        var ci = CultureInfo.InvariantCulture;
        output.WriteLine();
        output.WriteLine("=== Fault run report ===");
        output.WriteLine(Options.Faults is null
            ? string.Create(ci, $"faults: nominal rate {Options.FaultRate:0.00} (throttle/5xx) + slow responses up to {Options.MaxLatency.TotalMilliseconds:0} ms on every dependency; seed {Faults.Seed}; {Options.FailedImports} import jobs failed on purpose")
            : string.Create(ci, $"faults: monitor {Faults.Monitor}; import events {Faults.ImportEvents}; seed {Faults.Seed}; {Options.FailedImports} import jobs failed on purpose"));
        output.WriteLine(string.Create(ci, $"uploads:        {Uploads} (clients: {Options.Concurrency} in parallel, up to {Options.Client.MaxAttempts} attempts, same Idempotency-Key)"));
        output.WriteLine(string.Create(ci, $"accepted:       {Accepted} ({Results.Count(r => r.Accepted && r.Attempts > 1)} of them on a retry)"));
        output.WriteLine(string.Create(ci, $"rejected:       {Uploads - Accepted}{Describe(RejectedByCode)}"));
        output.WriteLine(string.Create(ci, $"client retries: {Results.Sum(r => r.Attempts - 1)} over {Results.Count(r => r.Attempts > 1)} uploads ({Results.Sum(r => r.Timeouts)} attempt timeouts); answers{Describe(ReportText.AttemptStatuses(Results))}"));
        output.WriteLine(string.Create(ci, $"terminal:      {Describe(f.AcceptedByStatus)}"));
        output.WriteLine(string.Create(ci, $"failure reasons:{Describe(f.FailureReasons)}"));
        output.WriteLine(string.Create(ci, $"lost:           {f.Lost.Count}"));
        output.WriteLine(string.Create(ci, $"inconsistent:   {f.Inconsistent.Count}"));
        output.WriteLine(string.Create(ci, $"duplicates:     studies per idempotency key {f.KeysWithSeveralStudies}, records per object {f.ObjectsWithSeveralRecords}, import jobs per client token {f.TokensWithSeveralJobs}, import jobs per input prefix {f.DuplicateImports}, executions per study {f.StudiesWithSeveralExecutions}, ready events per study {f.StudiesWithSeveralReadyEvents}"));
        output.WriteLine(string.Create(ci, $"orphans:        import jobs without record {f.JobsWithoutRecord}, executions without record {f.ExecutionsWithoutRecord}"));
        output.WriteLine(string.Create(ci, $"IMPORTING at end: {f.ImportingAtEnd} ({f.ImportingWithNothingBehind} with nothing behind them)"));
        output.WriteLine(string.Create(ci, $"job slots still held after the sweep: {SlotsHeldAtEnd}"));
        output.WriteLine(string.Create(ci, $"never-accepted uploads' records:{Describe(f.UnacceptedRecordsByStatus)}"));
        output.WriteLine(string.Create(ci, $"import jobs created: {f.ImportJobsCreated}; executions started: {f.ExecutionsStarted} (StartExecution calls {StepFunctionsCounters.StartExecutionCalls}, idempotent replays {StepFunctionsCounters.IdempotentReplays}, already-exists {StepFunctionsCounters.ExecutionAlreadyExistsRejections})"));
        output.WriteLine(string.Create(ci, $"executions:    {Describe(f.ExecutionOutcomes)}"));
        output.WriteLine(string.Create(ci, $"state machine retries:{Describe(Retries)}"));
        output.WriteLine(string.Create(ci, $"state machine catches:{Describe(Catches)}"));
        output.WriteLine(string.Create(ci, $"backstop (failed executions handed to the monitor): {BackstopInvocations}, dead-lettered {BackstopDeadLettered}"));
        output.WriteLine(string.Create(ci, $"import events: {ImportEvents.Matched} matched, {ImportEvents.Dropped} dropped, {ImportEvents.Duplicated} duplicated, {ImportEvents.Late} late, {ImportEvents.Delivered} delivered, {ImportEvents.DeadLettered} dead-lettered"));
        output.WriteLine(string.Create(ci, $"task tokens:   {TaskTokens.Issued} issued, {TaskTokens.Succeeded} resumed, {TaskTokens.TimedOut} timed out (fell back to polling), {TaskTokens.Failed} failed, {TaskTokens.Abandoned} abandoned, {TaskTokens.RejectedCalls} stale answers refused"));
        output.WriteLine(string.Create(ci, $"READY without a Study Ready event: {f.ReadyWithoutEvent.Count}; failed although the import completed: {f.FailedButImported.Count}"));
        output.WriteLine("injected faults (counted where injected):");
        foreach (var d in Dependencies)
        {
            output.WriteLine(string.Create(ci, $"  {d.Dependency,-24} {d.Requests,6} calls, {d.InjectedErrors,5} failed ({d.ErrorRate:P1}), {d.Delayed,5} slowed ({d.DelayRate:P1})"));
        }

        foreach (var problem in f.Lost.Concat(f.Inconsistent).Concat(f.ReadyWithoutEvent).Concat(f.FailedButImported).Take(20))
        {
            output.WriteLine("  ! " + problem);
        }

        output.WriteLine(string.Create(ci, $"time: uploads answered in {UploadTime.TotalSeconds:0.0}s, run {Elapsed.TotalSeconds:0.0}s{(Settled ? string.Empty : " (deadline reached before everything settled)")}"));
        output.WriteLine(Passed
            ? "RESULT: PASS — every accepted study ended terminal and consistent; 0 lost, 0 duplicates, 0 IMPORTING left behind."
            : "RESULT: FAIL — see the figures above.");
    }

}

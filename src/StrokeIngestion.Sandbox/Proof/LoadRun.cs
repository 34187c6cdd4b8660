using System.Diagnostics;
using System.Globalization;
using StrokeIngestion.Core.Admission;
using StrokeIngestion.Core.Domain;
using StrokeIngestion.Sandbox.Faults;
using StrokeIngestion.Sandbox.HealthImaging;
using StrokeIngestion.Sandbox.Host;
using StrokeIngestion.Sandbox.StepFunctions;

namespace StrokeIngestion.Sandbox.Proof;

/// <summary>Settings of a <see cref="LoadRun"/>.</summary>
internal sealed record LoadRunOptions
{
    public int Uploads { get; init; } = 500;

    /// <summary>
    /// Arrivals spread evenly over this window of stack time (× <see cref="TimeScale"/> on the
    /// clock, like every modelled quota), so arrivals meet the quotas in AWS's proportions; zero sends all at once.
    /// </summary>
    public TimeSpan Over { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The share of uploads sent with <c>"priority":"urgent"</c> (evenly spread); the rest are routine.</summary>
    public double UrgentShare { get; init; } = 0.1;

    /// <summary>Attempts a client makes before it gives up on an upload, the first included.</summary>
    public int Attempts { get; init; } = 3;

    /// <summary>
    /// The sandbox's time scale, for its waits, quotas and timeouts alike. 0.5: faster, and the
    /// emulators (s3rver, dynalite, moto) on a 2-core machine become the bottleneck instead of the quotas.
    /// </summary>
    public double TimeScale { get; init; } = 0.5;

    /// <summary>Urgent uploads sent one after another on the idle sandbox before the load: the baseline of time to import start.</summary>
    public int IdleUploads { get; init; } = 3;

    /// <summary>
    /// From the first upload of the load until every accepted study must be terminal (real
    /// time); null: the arrival window plus 5 minutes.
    /// </summary>
    public TimeSpan? Deadline { get; init; }

    public int Seed { get; init; } = 1;

    /// <summary>An import's fixed run time in stack time (× <see cref="TimeScale"/> on the clock).</summary>
    public TimeSpan ImportTime { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>The arrival window on the clock.</summary>
    public TimeSpan ArrivalWindow => Over * TimeScale;

    public TimeSpan EffectiveDeadline => Deadline ?? ArrivalWindow + TimeSpan.FromMinutes(5);

    /// <summary>
    /// A clinician's tool: <see cref="Attempts"/> attempts; between them what <c>Retry-After</c>
    /// says (taken as given, at most 30 s), else 0.5 s doubling; an attempt unanswered after 60 s is abandoned.
    /// </summary>
    public UploadRetryPolicy Client => new(Attempts, TimeSpan.FromSeconds(60), 1.0, TimeSpan.FromMilliseconds(500))
    {
        MaxRetryAfter = TimeSpan.FromSeconds(30),
    };

    /// <summary>Whether upload <paramref name="index"/> of <paramref name="count"/> is urgent: exactly ⌊count × share⌋ of them, evenly spread.</summary>
    public bool IsUrgent(int index) => Math.Floor((index + 1) * UrgentShare) > Math.Floor(index * UrgentShare);
}

/// <summary>
/// The load proof on loopback, under the quotas the sandbox models: an idle baseline of a few
/// urgent uploads one after another, then N uploads arriving evenly over a window (a share of
/// them urgent) from clients that give up after a few attempts, each study followed to its end.
/// No injected faults. Stops by itself at the deadline.
/// </summary>
internal static class LoadRun
{
    private static readonly TimeSpan ProgressEvery = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan IdleImportWait = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan SetupBudget = TimeSpan.FromMinutes(10);

    public static async Task<LoadRunReport> RunAsync(LoadRunOptions options, SandboxOptions sandbox, TextWriter progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(sandbox);
        var ci = CultureInfo.InvariantCulture;
        var clock = Stopwatch.StartNew();
        using var hardStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        hardStop.CancelAfter(SetupBudget + options.EffectiveDeadline);
        await using var host = await SandboxHost.StartAsync(
            sandbox with
            {
                TimeScale = options.TimeScale,
                TimeoutScale = options.TimeScale,
                ImportTime = options.ImportTime,
                Faults = null,
            },
            progress,
            hardStop.Token);

        IReadOnlyList<ProofStudy> studies = [.. ProofStudies.Generate(ProofDriver.NewRunId("load"), options.Uploads)
            .Select(s => s with { Priority = (options.IsUrgent(s.Index) ? StudyPriority.Urgent : StudyPriority.Routine).ToWire() })];
        IReadOnlyList<ProofStudy> idleStudies = [.. ProofStudies.Generate(ProofDriver.NewRunId("idle"), options.IdleUploads)
            .Select(s => s with { Priority = StudyPriorities.UrgentValue })];
        await ProofStudies.PutAsync(host.S3, host.BucketName, [.. idleStudies, .. studies], hardStop.Token);
        await progress.WriteLineAsync(string.Create(ci, $"load: {studies.Count} studies ({studies.Sum(s => s.FileCount)} files) and {idleStudies.Count} baseline studies ready after {clock.Elapsed.TotalSeconds:0.0}s"));

        using var client = new RetryingUploadClient(host.ApiBaseUrl, options.Client, options.Seed, maxConnections: Math.Max(studies.Count, 16));
        var baseline = await IdleBaselineAsync(host, client, idleStudies, progress, hardStop.Token);

        await progress.WriteLineAsync(string.Create(
            ci,
            $"load: sending {studies.Count} uploads ({studies.Count(s => s.Priority == StudyPriorities.UrgentValue)} urgent) over {options.ArrivalWindow.TotalSeconds:0.#} s ({options.Over.TotalSeconds:0.#} s of stack time at time scale {options.TimeScale}) …"));
        var loadClock = Stopwatch.StartNew();
        IReadOnlyList<UploadResult> results;
        try
        {
            results = await ArriveAsync(client, studies, options.ArrivalWindow, loadClock, progress, hardStop.Token);
        }
        catch (OperationCanceledException) when (hardStop.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"The uploads were not all answered within the deadline of {options.EffectiveDeadline.TotalSeconds:0} s.");
        }

        await progress.WriteLineAsync(string.Create(ci, $"load: all answered {loadClock.Elapsed.TotalSeconds:0.0}s after the first; following the studies …"));
        var everyUpload = baseline.Concat(results).ToList();
        var settled = await ProofDriver.WaitUntilSettledAsync(host, everyUpload, loadClock, options.EffectiveDeadline, progress, cancellationToken);
        var findings = await PipelineAudit.AuditAsync(host, everyUpload, cancellationToken);
        var records = await PipelineAudit.ScanStudiesAsync(host, cancellationToken);
        var readyAts = records
            .Where(s => s is { Status: StudyStatus.ReadyForAnalysis, ReadyAt: not null })
            .ToDictionary(s => s.StudyId.Value, s => DateTimeOffset.Parse(s.ReadyAt ?? string.Empty, CultureInfo.InvariantCulture), StringComparer.Ordinal);
        var studyIds = everyUpload.Where(r => r.StudyId is not null).Select(r => "stroke-analysis-" + r.StudyId).ToHashSet(StringComparer.Ordinal);
        return new LoadRunReport
        {
            Options = options,
            Baseline = baseline,
            Results = results,
            Findings = findings,
            ImportStarts = await ImportSubmissions.ReadAsync(host, cancellationToken),
            ReadyAts = readyAts,
            ImportStartCalls = host.HealthImaging.Counters.Requests(HealthImagingOperation.StartDICOMImportJob),
            ImportJobsCreated = host.HealthImaging.Counters.TotalJobsCreated,
            CopyObjectCalls = host.IamCalls.Allowed(FaultTarget.S3, S3OperationNames.CopyObject),
            TransitionsPerStudy = host.StepFunctions.Executions()
                .Where(e => e.Status == ExecutionStatus.Succeeded && studyIds.Contains(e.Name))
                .Select(e => e.StateTransitions)
                .ToList(),
            Settled = settled,
            Elapsed = clock.Elapsed,
        };
    }

    /// <summary>Each urgent study alone on the idle sandbox: sent, then waited for until HealthImaging holds its import.</summary>
    private static async Task<IReadOnlyList<UploadResult>> IdleBaselineAsync(
        SandboxHost host,
        RetryingUploadClient client,
        IReadOnlyList<ProofStudy> studies,
        TextWriter progress,
        CancellationToken cancellationToken)
    {
        var results = new List<UploadResult>();
        foreach (var study in studies)
        {
            var result = await client.UploadAsync(study, cancellationToken);
            results.Add(result);
            var waited = Stopwatch.StartNew();
            while (result is { Accepted: true, StudyId: { } id } && !ImportSubmissions.HasJob(host, id) && waited.Elapsed < IdleImportWait)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
            }
        }

        await progress.WriteLineAsync(string.Create(
            CultureInfo.InvariantCulture,
            $"load: idle baseline: {results.Count(r => r.Accepted)}/{results.Count} urgent uploads accepted, one after another"));
        return results;
    }

    /// <summary>Upload i starts at i × window / N after the first; each then runs on its own.</summary>
    private static async Task<IReadOnlyList<UploadResult>> ArriveAsync(
        RetryingUploadClient client,
        IReadOnlyList<ProofStudy> studies,
        TimeSpan window,
        Stopwatch clock,
        TextWriter progress,
        CancellationToken cancellationToken)
    {
        var sent = 0;
        var answered = 0;
        var accepted = 0;
        using var stopProgress = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var reporter = Task.Run(
            async () =>
            {
                using var timer = new PeriodicTimer(ProgressEvery);
                while (await timer.WaitForNextTickAsync(stopProgress.Token).ConfigureAwait(false))
                {
                    await progress.WriteLineAsync(string.Create(
                        CultureInfo.InvariantCulture,
                        $"load: {clock.Elapsed.TotalSeconds,6:0.0}s {Volatile.Read(ref sent)}/{studies.Count} sent, {Volatile.Read(ref answered)} answered, {Volatile.Read(ref accepted)} accepted"));
                }
            },
            CancellationToken.None);

        var uploads = studies.Select(async (study, i) =>
        {
            var due = studies.Count <= 1 ? TimeSpan.Zero : window * i / studies.Count;
            var wait = due - clock.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellationToken);
            }

            Interlocked.Increment(ref sent);
            var result = await client.UploadAsync(study, cancellationToken);
            Interlocked.Increment(ref answered);
            if (result.Accepted)
            {
                Interlocked.Increment(ref accepted);
            }

            return result;
        }).ToList();
        try
        {
            return await Task.WhenAll(uploads);
        }
        finally
        {
            await stopProgress.CancelAsync();
            await reporter.ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }
}

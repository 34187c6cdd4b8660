using System.Globalization;
using StrokeIngestion.Core.Admission;

namespace StrokeIngestion.Sandbox.Proof;

/// <summary>
/// The figures and verdict of a <see cref="LoadRun"/>, computed from what was observed: every
/// answer, when HealthImaging accepted each study's import, when each study became ready, and
/// the calls the pipeline made. Times are real (wall-clock) time.
/// </summary>
internal sealed record LoadRunReport
{
    /// <summary>How far the urgent time to import start under load may exceed the idle one's p99.</summary>
    public static readonly TimeSpan UrgentStartAllowance = TimeSpan.FromSeconds(5);

    public const double StartCallsPerJobGoal = 1.2;

    public const double CopiesPerFileGoal = 1.0;

    public required LoadRunOptions Options { get; init; }

    /// <summary>The idle baseline: urgent uploads sent one after another before the load.</summary>
    public required IReadOnlyList<UploadResult> Baseline { get; init; }

    /// <summary>The load's uploads.</summary>
    public required IReadOnlyList<UploadResult> Results { get; init; }

    /// <summary>The audit of baseline and load together.</summary>
    public required PipelineFindings Findings { get; init; }

    /// <summary>Study id → when HealthImaging accepted its (first) import job.</summary>
    public required IReadOnlyDictionary<string, DateTimeOffset> ImportStarts { get; init; }

    /// <summary>Study id → its <c>ready_at</c>, for studies that became READY_FOR_ANALYSIS.</summary>
    public required IReadOnlyDictionary<string, DateTimeOffset> ReadyAts { get; init; }

    /// <summary>StartDICOMImportJob requests HealthImaging received, whatever their answer.</summary>
    public required int ImportStartCalls { get; init; }

    public required int ImportJobsCreated { get; init; }

    /// <summary>S3 CopyObject calls the pipeline's functions made (IAM allowed them).</summary>
    public required int CopyObjectCalls { get; init; }

    /// <summary>Billed state transitions of each study's execution that ended SUCCEEDED.</summary>
    public required IReadOnlyList<int> TransitionsPerStudy { get; init; }

    /// <summary>Every accepted study terminal and no execution running before the deadline.</summary>
    public required bool Settled { get; init; }

    public required TimeSpan Elapsed { get; init; }

    public int Accepted => Results.Count(r => r.Accepted);

    /// <summary>Uploads of the load whose client gave up: every upload sent is valid.</summary>
    public int Refused => Results.Count - Accepted;

    public int BaselineRefused => Baseline.Count(r => !r.Accepted);

    public int Lost => Findings.Lost.Count;

    /// <summary>Files of every accepted study, baseline included: what the copies were made for.</summary>
    public int FilesAccepted => Baseline.Concat(Results).Where(r => r.Accepted).Sum(r => r.Study.FileCount);

    public double StartCallsPerJob => ImportJobsCreated == 0 ? 0 : (double)ImportStartCalls / ImportJobsCreated;

    public double CopiesPerFile => FilesAccepted == 0 ? 0 : (double)CopyObjectCalls / FilesAccepted;

    /// <summary>From the first attempt to the final answer, retries included: what the clinician waits for.</summary>
    public IReadOnlyList<TimeSpan> TimeToAnswer => [.. Results.Select(r => r.Elapsed)];

    public IReadOnlyList<TimeSpan> IdleTimeToImportStart => Since(Baseline, ImportStarts);

    public IReadOnlyList<TimeSpan> TimeToImportStart(StudyPriority priority) => Since(Of(priority), ImportStarts);

    public IReadOnlyList<TimeSpan> TimeToReady(StudyPriority priority) => Since(Of(priority), ReadyAts);

    /// <summary>The most urgent time to import start under load may be: the idle p99 plus <see cref="UrgentStartAllowance"/>.</summary>
    public TimeSpan UrgentStartLimit => ProofDriver.Percentile(IdleTimeToImportStart, 99) + UrgentStartAllowance;

    /// <summary>Why the run failed, one line per reason; empty when it passed.</summary>
    public IReadOnlyList<string> Failures
    {
        get
        {
            var failures = new List<string>();
            if (Refused + BaselineRefused > 0)
            {
                failures.Add($"{Refused + BaselineRefused} valid upload(s) refused: the client gave up");
            }

            if (Lost > 0)
            {
                failures.Add($"{Lost} accepted stud(ies) lost or not terminal");
            }

            if (Findings.Duplicates > 0)
            {
                failures.Add($"{Findings.Duplicates} duplicate(s) (studies, records, import jobs, executions or events)");
            }

            if (!Settled || Findings.ImportingAtEnd > 0)
            {
                failures.Add("not every study was terminal by the deadline");
            }

            if (Findings.Inconsistent.Count > 0)
            {
                failures.Add($"{Findings.Inconsistent.Count} terminal stud(ies) inconsistent with what was uploaded");
            }

            var urgent = TimeToImportStart(StudyPriority.Urgent);
            if (urgent.Count > 0 && IdleTimeToImportStart.Count == 0)
            {
                failures.Add("no idle baseline of urgent time to import start to compare with");
            }
            else if (urgent.Count > 0 && ProofDriver.Percentile(urgent, 99) > UrgentStartLimit)
            {
                failures.Add(string.Create(
                    CultureInfo.InvariantCulture,
                    $"urgent time to import start p99 {Seconds(ProofDriver.Percentile(urgent, 99))} exceeds the idle p99 + {UrgentStartAllowance.TotalSeconds:0} s ({Seconds(UrgentStartLimit)})"));
            }

            return failures;
        }
    }

    public bool Passed => Failures.Count == 0;

    public void Print(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var ci = CultureInfo.InvariantCulture;
        var o = Options;
        output.WriteLine();
        output.WriteLine("=== Load run report ===");
        output.WriteLine(string.Create(ci, $"load:       {Results.Count} uploads ({Of(StudyPriority.Urgent).Count()} urgent) over {o.Over.TotalSeconds:0.#} s of stack time = {o.ArrivalWindow.TotalSeconds:0.#} s real (time scale {o.TimeScale}); clients give up after {o.Attempts} attempts, honour Retry-After; no injected faults; deadline {o.EffectiveDeadline.TotalSeconds:0} s"));
        output.WriteLine("            times below are real seconds");
        output.WriteLine(string.Create(ci, $"idle:       {Baseline.Count - BaselineRefused} of {Baseline.Count} urgent uploads one after another: time to import start {Figures(IdleTimeToImportStart)}"));
        output.WriteLine(string.Create(ci, $"accepted:   {Accepted} of {Results.Count}"));
        output.WriteLine(string.Create(ci, $"refused:    {Refused}{ReportText.Describe(ReportText.Rejections(Results))}{(BaselineRefused > 0 ? $" (+ {BaselineRefused} of the baseline)" : string.Empty)}"));
        output.WriteLine(string.Create(ci, $"lost:       {Lost}"));
        output.WriteLine(string.Create(ci, $"terminal:  {ReportText.Describe(Findings.AcceptedByStatus)}"));
        output.WriteLine(string.Create(ci, $"duplicates: {Findings.Duplicates}; inconsistent: {Findings.Inconsistent.Count}; IMPORTING at end: {Findings.ImportingAtEnd}"));
        output.WriteLine(string.Create(ci, $"client retries: {Results.Sum(r => r.Attempts - 1)} ({Results.Sum(r => r.Timeouts)} attempt timeouts); answers{ReportText.Describe(ReportText.AttemptStatuses(Results))}"));
        output.WriteLine(string.Create(ci, $"time to answer (final, retries included): {Figures(TimeToAnswer)}"));
        foreach (var priority in new[] { StudyPriority.Urgent, StudyPriority.Routine })
        {
            output.WriteLine(string.Create(ci, $"{priority.ToWire(),-8}({Of(priority).Count()}): time to import start {Figures(TimeToImportStart(priority))}; to READY_FOR_ANALYSIS {Figures(TimeToReady(priority))}"));
        }

        var urgent = TimeToImportStart(StudyPriority.Urgent);
        if (urgent.Count > 0)
        {
            var within = ProofDriver.Percentile(urgent, 99) <= UrgentStartLimit;
            output.WriteLine(string.Create(ci, $"urgent start under load: p99 {Seconds(ProofDriver.Percentile(urgent, 99))}, limit {Seconds(UrgentStartLimit)} (idle p99 + {UrgentStartAllowance.TotalSeconds:0} s): {(within ? "within" : "EXCEEDED")}"));
        }

        output.WriteLine(string.Create(ci, $"jobs created: {ImportJobsCreated}"));
        output.WriteLine(string.Create(ci, $"StartDICOMImportJob calls per job: {StartCallsPerJob:0.00} ({ImportStartCalls} calls; goal ≤ {StartCallsPerJobGoal:0.0}: {(StartCallsPerJob <= StartCallsPerJobGoal ? "met" : "not met")})"));
        output.WriteLine(string.Create(ci, $"copies per file: {CopiesPerFile:0.00} ({CopyObjectCalls} CopyObject / {FilesAccepted} files accepted; goal {CopiesPerFileGoal:0.0}: {(Math.Abs(CopiesPerFile - CopiesPerFileGoal) < 0.005 ? "met" : "not met")})"));
        if (TransitionsPerStudy.Count > 0)
        {
            var mean = TransitionsPerStudy.Average();
            output.WriteLine(string.Create(ci, $"state transitions per READY study ({TransitionsPerStudy.Count}): min {TransitionsPerStudy.Min()}, mean {mean:0.0}, max {TransitionsPerStudy.Max()}"));
        }

        foreach (var problem in Findings.Lost.Concat(Findings.Inconsistent).Take(20))
        {
            output.WriteLine("  ! " + problem);
        }

        output.WriteLine(string.Create(ci, $"time: {Elapsed.TotalSeconds:0.0}s{(Settled ? string.Empty : " (deadline reached before everything settled)")}"));
        output.WriteLine(Passed
            ? "RESULT: PASS — every upload accepted and finished, 0 lost, 0 duplicates, urgent imports start as on an idle system."
            : "RESULT: FAIL — " + string.Join("; ", Failures) + ".");
    }

    private IEnumerable<UploadResult> Of(StudyPriority priority) =>
        Results.Where(r => r.Study.Priority == priority.ToWire());

    private static List<TimeSpan> Since(IEnumerable<UploadResult> results, IReadOnlyDictionary<string, DateTimeOffset> moments) =>
        [.. results
            .Where(r => r.Accepted && r.StudyId is not null)
            .Select(r => moments.TryGetValue(r.StudyId ?? string.Empty, out var at) ? at - r.Started : (TimeSpan?)null)
            .OfType<TimeSpan>()];

    private static string Figures(IReadOnlyList<TimeSpan> values) => values.Count == 0
        ? "- (none)"
        : string.Create(CultureInfo.InvariantCulture, $"p50 {Seconds(ProofDriver.Percentile(values, 50))}, p99 {Seconds(ProofDriver.Percentile(values, 99))} ({values.Count})");

    private static string Seconds(TimeSpan value) => string.Create(CultureInfo.InvariantCulture, $"{value.TotalSeconds:0.00} s");
}

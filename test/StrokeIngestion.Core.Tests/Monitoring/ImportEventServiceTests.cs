using System.Text;
using Microsoft.Extensions.Time.Testing;
using StrokeIngestion.Core.Domain;
using StrokeIngestion.Core.Errors;
using StrokeIngestion.Core.Monitoring;
using StrokeIngestion.Core.Observability;
using StrokeIngestion.Core.Tests.Fakes;
using StrokeIngestion.Core.Tests.Monitoring.Support;

namespace StrokeIngestion.Core.Tests.Monitoring;

/// <summary>The event wait: arming from the workflow, the import event, and every order they can come in.</summary>
public sealed class ImportEventServiceTests
{
    private const string Token = "AQCEAAAAKgAAAAMAAAAAAAAAAd0Zt7M1bP+example-task-token==";
    private const string OtherToken = "AQCEAAAAKgAAAAMAAAAAAAAAAd0Zt7M1bP+another-task-token==";

    private static readonly StudyId Study = MonitorScenario.Study;
    private static readonly string JobName = "stroke-" + Study.Value;

    private readonly InMemoryStudyStore _studies = new();
    private readonly RecordingWorkflowCallback _callback = new();
    private readonly FakeTimeProvider _time = new(MonitorScenario.Start);
    private readonly StringBuilder _logText = new();
    private readonly ImportEventService _service;

    public ImportEventServiceTests()
    {
        _studies.Put(MonitorScenario.NewStudy());
        _service = new ImportEventService(_studies, _callback, _time, new StructuredLog(new StringWriter(_logText), _time));
    }

    private Study Record => _studies.Find(Study) ?? throw new InvalidOperationException("The study is gone.");

    [Fact]
    public async Task ArmAsync_WhenNoEventYet_ShouldStoreTheTokenAndNotResume()
    {
        var outcome = await _service.ArmAsync(Arm(), CancellationToken.None);

        Assert.Equal(new ArmOutcome(Study, Armed: true), outcome);
        Assert.Equal(Token, Record.WorkflowTaskToken);
        Assert.Equal("2026-11-25T12:00:00.000Z", Record.UpdatedAt);
        Assert.Empty(_callback.Attempts);
    }

    [Fact]
    public async Task ArmAsync_WhenTheEventCameFirst_ShouldResumeTheWorkflowAtOnce()
    {
        await _service.RecordImportEventAsync(Event(), CancellationToken.None);

        var outcome = await _service.ArmAsync(Arm(), CancellationToken.None);

        Assert.False(outcome.Armed);
        Assert.Equal([Token], _callback.Resumed);
        Assert.Null(Record.WorkflowTaskToken);
    }

    [Fact]
    public async Task ArmAsync_WhenTheStudyIsMissing_ShouldResumeAtOnceSoTheCheckReportsIt()
    {
        var missing = StudyId.FromScope("no-such-study");

        var outcome = await _service.ArmAsync(Arm() with { StudyId = missing }, CancellationToken.None);

        Assert.Equal(new ArmOutcome(missing, Armed: false), outcome);
        Assert.Equal([Token], _callback.Resumed);
        Assert.Null(_studies.Find(missing));
    }

    [Fact]
    public async Task ArmAsync_WhenResumingFindsAStaleToken_ShouldReturnWithoutThrowing()
    {
        await _service.RecordImportEventAsync(Event(), CancellationToken.None);
        _callback.Stale.Add(Token);

        var outcome = await _service.ArmAsync(Arm(), CancellationToken.None);

        Assert.False(outcome.Armed);
        Assert.Empty(_callback.Resumed);
    }

    [Fact]
    public async Task ArmAsync_WhenRepeatedWithANewToken_ShouldKeepTheLatestToken()
    {
        await _service.ArmAsync(Arm(), CancellationToken.None);

        await _service.ArmAsync(Arm() with { TaskToken = OtherToken }, CancellationToken.None);
        var woke = await _service.RecordImportEventAsync(Event(), CancellationToken.None);

        Assert.True(woke.WokeWorkflow);
        Assert.Equal([OtherToken], _callback.Resumed);
    }

    [Fact]
    public async Task ArmAsync_WhenTheTableFailsTransiently_ShouldThrowForTheStateMachineToRetry()
    {
        _studies.ImportEventFailures.Enqueue(Transient(Dependency.DynamoDb));

        await Assert.ThrowsAsync<TransientDependencyException>(() => _service.ArmAsync(Arm(), CancellationToken.None));

        Assert.Null(Record.WorkflowTaskToken);
    }

    [Fact]
    public async Task ArmAsync_WhenResumingFailsTransiently_ShouldThrowForTheStateMachineToRetry()
    {
        await _service.RecordImportEventAsync(Event(), CancellationToken.None);
        _callback.Failures.Enqueue(Transient(Dependency.StepFunctions));

        await Assert.ThrowsAsync<TransientDependencyException>(() => _service.ArmAsync(Arm(), CancellationToken.None));
    }

    [Fact]
    public async Task RecordImportEventAsync_WhenAWorkflowIsArmed_ShouldRecordTheEventAndResumeIt()
    {
        await _service.ArmAsync(Arm(), CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(4));

        var outcome = await _service.RecordImportEventAsync(Event(), CancellationToken.None);

        Assert.Equal(new ImportEventOutcome(Study, WokeWorkflow: true), outcome);
        Assert.Equal([Token], _callback.Resumed);
        Assert.Equal(ImportJobStatus.Completed, Record.ImportEventStatus);
        Assert.Equal("2026-11-25T12:04:00.000Z", Record.ImportEventAt);
    }

    [Fact]
    public async Task RecordImportEventAsync_WhenNoWorkflowIsArmedYet_ShouldRecordTheEventForTheArmToSee()
    {
        var outcome = await _service.RecordImportEventAsync(Event(jobStatus: ImportJobStatus.Failed), CancellationToken.None);

        Assert.Equal(new ImportEventOutcome(Study, WokeWorkflow: false), outcome);
        Assert.Empty(_callback.Attempts);
        Assert.Equal(ImportJobStatus.Failed, Record.ImportEventStatus);
    }

    [Fact]
    public async Task RecordImportEventAsync_WhenTheEventIsDeliveredTwice_ShouldIgnoreTheStaleTokenTheSecondTime()
    {
        await _service.ArmAsync(Arm(), CancellationToken.None);
        await _service.RecordImportEventAsync(Event(), CancellationToken.None);

        var second = await _service.RecordImportEventAsync(Event(), CancellationToken.None);

        Assert.False(second.WokeWorkflow);
        Assert.Equal([Token, Token], _callback.Attempts);
        Assert.Equal([Token], _callback.Resumed);
    }

    [Fact]
    public async Task RecordImportEventAsync_WhenTheTokenIsStale_ShouldReturnWithoutThrowing()
    {
        await _service.ArmAsync(Arm(), CancellationToken.None);
        _callback.Stale.Add(Token);

        var outcome = await _service.RecordImportEventAsync(Event(), CancellationToken.None);

        Assert.Equal(new ImportEventOutcome(Study, WokeWorkflow: false), outcome);
        Assert.Equal(ImportJobStatus.Completed, Record.ImportEventStatus);
    }

    [Theory]
    [InlineData("other-tool-import-17")]
    [InlineData("stroke-")]
    [InlineData("stroke-STUDY-0123")]
    [InlineData("stroke-STUDY-0123456789AB")]
    [InlineData("STUDY-0123456789ab")]
    [InlineData("")]
    public async Task RecordImportEventAsync_WhenTheJobNameIsNotOurs_ShouldIgnoreItWithoutLoggingIt(string jobName)
    {
        await _service.ArmAsync(Arm(), CancellationToken.None);

        var outcome = await _service.RecordImportEventAsync(Event() with { JobName = jobName }, CancellationToken.None);

        Assert.Equal(new ImportEventOutcome(null, WokeWorkflow: false), outcome);
        Assert.Null(Record.ImportEventStatus);
        Assert.Empty(_callback.Attempts);
        Assert.Contains("foreign_job_name", _logText.ToString(), StringComparison.Ordinal);
        if (jobName.Length > 0)
        {
            Assert.DoesNotContain(jobName, _logText.ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task RecordImportEventAsync_WhenTheJobIdDiffersFromTheStudys_ShouldIgnoreIt()
    {
        await _service.ArmAsync(Arm(), CancellationToken.None);

        var outcome = await _service.RecordImportEventAsync(Event() with { JobId = "0000aaaa1111bbbb" }, CancellationToken.None);

        Assert.Equal(new ImportEventOutcome(Study, WokeWorkflow: false), outcome);
        Assert.Null(Record.ImportEventStatus);
        Assert.Empty(_callback.Attempts);
    }

    [Fact]
    public async Task RecordImportEventAsync_WhenTheStudyHasNoJobIdYet_ShouldRecordTheEvent()
    {
        _studies.Put(MonitorScenario.NewStudy(StudyStatus.Received) with { ImportJobId = null });

        var outcome = await _service.RecordImportEventAsync(Event(), CancellationToken.None);

        Assert.Equal(Study, outcome.StudyId);
        Assert.Equal(ImportJobStatus.Completed, Record.ImportEventStatus);
    }

    [Fact]
    public async Task RecordImportEventAsync_WhenTheStudyIsMissing_ShouldIgnoreIt()
    {
        var missing = StudyId.FromScope("no-such-study");

        var outcome = await _service.RecordImportEventAsync(Event() with { JobName = "stroke-" + missing.Value }, CancellationToken.None);

        Assert.Equal(new ImportEventOutcome(missing, WokeWorkflow: false), outcome);
        Assert.Null(_studies.Find(missing));
        Assert.Empty(_callback.Attempts);
    }

    [Theory]
    [InlineData("IN_PROGRESS")]
    [InlineData("SUBMITTED")]
    [InlineData("")]
    [InlineData("completed")]
    public async Task RecordImportEventAsync_WhenTheStatusIsNotAnEnd_ShouldIgnoreItAndLeaveTheWaitArmed(string jobStatus)
    {
        await _service.ArmAsync(Arm(), CancellationToken.None);

        var outcome = await _service.RecordImportEventAsync(Event(jobStatus), CancellationToken.None);

        Assert.False(outcome.WokeWorkflow);
        Assert.Null(Record.ImportEventStatus);
        Assert.Equal(Token, Record.WorkflowTaskToken);
    }

    [Theory]
    [InlineData("")]
    [InlineData("JOB-UPPER")]
    [InlineData("0123456789abcdef0123456789abcdef0")]
    public async Task RecordImportEventAsync_WhenTheJobIdIsMalformed_ShouldIgnoreIt(string jobId)
    {
        var outcome = await _service.RecordImportEventAsync(Event() with { JobId = jobId }, CancellationToken.None);

        Assert.False(outcome.WokeWorkflow);
        Assert.Null(Record.ImportEventStatus);
    }

    [Fact]
    public async Task RecordImportEventAsync_WhenTheTableFailsTransiently_ShouldThrowForLambdaToRetry()
    {
        _studies.ImportEventFailures.Enqueue(Transient(Dependency.DynamoDb));

        await Assert.ThrowsAsync<TransientDependencyException>(() => _service.RecordImportEventAsync(Event(), CancellationToken.None));
    }

    [Fact]
    public async Task RecordImportEventAsync_WhenResumingIsThrottled_ShouldThrowAndResumeOnTheRetry()
    {
        await _service.ArmAsync(Arm(), CancellationToken.None);
        _callback.Failures.Enqueue(Transient(Dependency.StepFunctions));

        await Assert.ThrowsAsync<TransientDependencyException>(() => _service.RecordImportEventAsync(Event(), CancellationToken.None));
        var retry = await _service.RecordImportEventAsync(Event(), CancellationToken.None);

        Assert.True(retry.WokeWorkflow);
        Assert.Equal([Token], _callback.Resumed);
    }

    [Fact]
    public async Task ArmAndRecord_InEitherOrder_ShouldNeverLogThePatientIdOrTheToken()
    {
        await _service.ArmAsync(Arm(), CancellationToken.None);
        await _service.RecordImportEventAsync(Event(), CancellationToken.None);
        await _service.ArmAsync(Arm() with { TaskToken = OtherToken }, CancellationToken.None);

        var log = _logText.ToString();
        Assert.NotEmpty(log);
        Assert.DoesNotContain(MonitorScenario.PatientId, log, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, log, StringComparison.Ordinal);
        Assert.DoesNotContain(OtherToken, log, StringComparison.Ordinal);
    }

    private static ArmRequest Arm() => new(Study, MonitorScenario.DatastoreId, MonitorScenario.JobId, 0, Token);

    private static ImportJobEndEvent Event(string jobStatus = ImportJobStatus.Completed) =>
        new(MonitorScenario.DatastoreId, MonitorScenario.JobId, JobName, jobStatus);

    private static TransientDependencyException Transient(Dependency dependency) =>
        new(dependency, "ThrottlingException", $"{dependency} throttled.", throttled: true);
}

using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Moq;
using StrokeIngestion.Core.Domain;
using StrokeIngestion.Core.Errors;
using StrokeIngestion.Core.Monitoring;
using StrokeIngestion.Core.Observability;
using StrokeIngestion.Core.Ports;

namespace StrokeIngestion.ImportMonitor.Tests;

public sealed class FunctionTests
{
    private const string Bucket = "stroke-detection-ai-dicom-uploads-123456789012";
    private const string DatastoreId = "0123456789abcdef0123456789abcdef";
    private const string JobId = "4f1e2d3c";
    private const string PatientId = "PAT-SEEDED-4711";
    private const string TaskToken = "AQCEAAAAKgAAAAMAAAAAAAAAAd0Zt7M1bP+example-task-token==";

    private static readonly StudyId Study = StudyId.FromScope("function-tests");
    private static readonly string ResolvedFolder = $"import-output/{Study.Value}/{DatastoreId}-DicomImport-{JobId}/";

    private readonly Mock<IImportService> _imports = new();
    private readonly Mock<IObjectStore> _objects = new();
    private readonly Mock<IStudyStore> _studies = new();
    private readonly Mock<IImportEventStore> _importEvents = new(MockBehavior.Strict);
    private readonly Mock<IWorkflowCallback> _callback = new(MockBehavior.Strict);
    private readonly StringBuilder _logText = new();
    private readonly Function _function;
    private Study _study = NewStudy();

    public FunctionTests()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
        var log = new StructuredLog(new StringWriter(_logText), time);
        _objects.SetupGet(store => store.BucketName).Returns(Bucket);
        _studies.Setup(store => store.GetAsync(Study, It.IsAny<CancellationToken>())).ReturnsAsync(() => _study);
        _studies
            .Setup(store => store.TryUpdateAsync(Study, It.IsAny<StudyUpdate>(), It.IsAny<IReadOnlyCollection<string>>(), It.IsAny<CancellationToken>()))
            .Callback<StudyId, StudyUpdate, IReadOnlyCollection<string>, CancellationToken>((_, update, _, _) =>
                _study = _study with { Status = update.Status ?? _study.Status, FailureReason = update.FailureReason })
            .ReturnsAsync(true);
        var service = new ImportMonitorService(_imports.Object, _objects.Object, _studies.Object, time, log);
        var events = new ImportEventService(_importEvents.Object, _callback.Object, time, log);
        _function = new Function(service, events, log);
    }

    [Fact]
    public async Task Handle_WhenImportIsInProgress_ShouldAnswerTheNextLoopStateWithTheContractsFieldNames()
    {
        GivenJob(ImportJobStatus.InProgress);

        using var output = await _function.Handle(Input(PollJson(attempt: 6)));

        var root = await ReadJsonAsync(output);
        Assert.Equal(
            ["study_id", "datastore_id", "import_job_id", "attempt", "import_status", "status", "done", "image_set_id", "image_set_ids", "failure_reason"],
            root.EnumerateObject().Select(property => property.Name));
        Assert.Equal(Study.Value, root.GetProperty("study_id").GetString());
        Assert.Equal(DatastoreId, root.GetProperty("datastore_id").GetString());
        Assert.Equal(JobId, root.GetProperty("import_job_id").GetString());
        Assert.Equal(7, root.GetProperty("attempt").GetInt32());
        Assert.Equal("IN_PROGRESS", root.GetProperty("import_status").GetString());
        Assert.Equal("IMPORTING", root.GetProperty("status").GetString());
        Assert.False(root.GetProperty("done").GetBoolean());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("image_set_id").ValueKind);
        Assert.Equal(0, root.GetProperty("image_set_ids").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("failure_reason").ValueKind);
    }

    [Fact]
    public async Task Handle_WhenImportCompletedCleanly_ShouldAnswerDoneWithTheImageSets()
    {
        GivenJob(ImportJobStatus.Completed);
        _objects
            .Setup(store => store.ReadTextAsync(ResolvedFolder + "job-output-manifest.json", It.IsAny<CancellationToken>()))
            .ReturnsAsync(Manifest(("imgsetA", true), ("imgsetB", true)));

        using var output = await _function.Handle(Input(PollJson(attempt: 0)));

        var root = await ReadJsonAsync(output);
        Assert.True(root.GetProperty("done").GetBoolean());
        Assert.Equal(1, root.GetProperty("attempt").GetInt32());
        Assert.Equal("COMPLETED", root.GetProperty("import_status").GetString());
        Assert.Equal("READY_FOR_ANALYSIS", root.GetProperty("status").GetString());
        Assert.Equal("imgsetA", root.GetProperty("image_set_id").GetString());
        Assert.Equal(["imgsetA", "imgsetB"], root.GetProperty("image_set_ids").EnumerateArray().Select(id => id.GetString()));
        Assert.Equal(JsonValueKind.Null, root.GetProperty("failure_reason").ValueKind);
    }

    [Fact]
    public async Task Handle_WhenImportJobIsUnknown_ShouldAnswerDoneWithTheFailureReason()
    {
        _imports.Setup(service => service.GetImportJobAsync(DatastoreId, JobId, It.IsAny<CancellationToken>())).ReturnsAsync((ImportJob?)null);

        using var output = await _function.Handle(Input(PollJson(attempt: 3)));

        var root = await ReadJsonAsync(output);
        Assert.True(root.GetProperty("done").GetBoolean());
        Assert.Equal("NOT_FOUND", root.GetProperty("import_status").GetString());
        Assert.Equal("IMPORT_FAILED", root.GetProperty("status").GetString());
        Assert.Equal("import_job_not_found", root.GetProperty("failure_reason").GetString());
    }

    [Fact]
    public async Task Handle_WhenLoopStateCarriesMoreFields_ShouldIgnoreThem()
    {
        GivenJob(ImportJobStatus.Submitted);
        var json = $$"""{"study_id":"{{Study.Value}}","datastore_id":"{{DatastoreId}}","import_job_id":"{{JobId}}","attempt":2,"status":"IMPORTING","done":false,"image_set_ids":[]}""";

        using var output = await _function.Handle(Input(json));

        Assert.Equal(3, (await ReadJsonAsync(output)).GetProperty("attempt").GetInt32());
    }

    [Fact]
    public async Task Handle_WhenPolled_ShouldLogOneLineWithOutcomeAndNoPatientData()
    {
        GivenJob(ImportJobStatus.InProgress);

        using var output = await _function.Handle(Input(PollJson(attempt: 6)));

        var line = Assert.Single(_logText.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var root = JsonDocument.Parse(line).RootElement;
        Assert.Equal("INFO", root.GetProperty("level").GetString());
        Assert.Equal(Study.Value, root.GetProperty("study_id").GetString());
        Assert.Equal(JobId, root.GetProperty("import_job_id").GetString());
        Assert.Equal("IN_PROGRESS", root.GetProperty("import_status").GetString());
        Assert.Equal("IMPORTING", root.GetProperty("status").GetString());
        Assert.False(root.GetProperty("done").GetBoolean());
        Assert.False(root.GetProperty("import_event_missing").GetBoolean());
        Assert.Equal(6, root.GetProperty("attempt").GetInt32());
        Assert.True(root.GetProperty("duration_ms").GetInt64() >= 0);
        Assert.DoesNotContain(PatientId, line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData(ImportJobStatus.Completed, false)]
    public async Task Handle_WhenPollFindsTheImportEnded_ShouldLogWhetherItsImportEventWasMissing(string? importEventStatus, bool expectedMissing)
    {
        _study = _study with { ImportEventStatus = importEventStatus };
        GivenJob(ImportJobStatus.Completed);
        _objects
            .Setup(store => store.ReadTextAsync(ResolvedFolder + "job-output-manifest.json", It.IsAny<CancellationToken>()))
            .ReturnsAsync(Manifest(("imgsetA", true)));

        using var output = await _function.Handle(Input(PollJson(attempt: 0)));

        var line = Assert.Single(_logText.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var root = JsonDocument.Parse(line).RootElement;
        Assert.Equal("Import polled", root.GetProperty("message").GetString());
        Assert.Equal("READY_FOR_ANALYSIS", root.GetProperty("status").GetString());

        // A JSON boolean, not a string: the alarm's filter pattern is { $.import_event_missing IS TRUE }.
        Assert.Equal(expectedMissing ? JsonValueKind.True : JsonValueKind.False, root.GetProperty("import_event_missing").ValueKind);
        Assert.DoesNotContain(PatientId, line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("TIMED_OUT", "IMPORT_TIMED_OUT", "workflow_timed_out")]
    [InlineData("ABORTED", "IMPORT_FAILED", "workflow_aborted")]
    [InlineData("FAILED", "IMPORT_FAILED", "workflow_failed")]
    public async Task Handle_WhenBackstopEventArrives_ShouldMarkTheStudyAndAnswerItsStatus(string executionStatus, string expectedStatus, string expectedReason)
    {
        var json = $$"""{"execution_name":"stroke-analysis-{{Study.Value}}","execution_status":"{{executionStatus}}"}""";

        using var output = await _function.Handle(Input(json));

        var root = await ReadJsonAsync(output);
        Assert.Equal(["study_id", "status", "done"], root.EnumerateObject().Select(property => property.Name));
        Assert.Equal(Study.Value, root.GetProperty("study_id").GetString());
        Assert.Equal(expectedStatus, root.GetProperty("status").GetString());
        Assert.True(root.GetProperty("done").GetBoolean());
        Assert.Equal(expectedReason, _study.FailureReason);
        _imports.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task Handle_WhenBackstopFindsTheStudyAlreadyReady_ShouldAnswerReady()
    {
        _study = NewStudy() with { Status = StudyStatus.ReadyForAnalysis };
        _studies
            .Setup(store => store.TryUpdateAsync(Study, It.IsAny<StudyUpdate>(), It.IsAny<IReadOnlyCollection<string>>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(false);
        var json = $$"""{"execution_name":"stroke-analysis-{{Study.Value}}","execution_status":"FAILED"}""";

        using var output = await _function.Handle(Input(json));

        Assert.Equal("READY_FOR_ANALYSIS", (await ReadJsonAsync(output)).GetProperty("status").GetString());
    }

    public static TheoryData<string> MalformedInputs => new()
    {
        "",
        "not json",
        "null",
        "[]",
        "\"STUDY-0123456789ab\"",
        "{}",
        $$"""{"datastore_id":"{{DatastoreId}}","import_job_id":"{{JobId}}","attempt":0}""",
        $$"""{"study_id":"STUDY-XYZ","datastore_id":"{{DatastoreId}}","import_job_id":"{{JobId}}","attempt":0}""",
        $$"""{"study_id":"{{Study.Value}}","datastore_id":"../../etc","import_job_id":"{{JobId}}","attempt":0}""",
        $$"""{"study_id":"{{Study.Value}}","datastore_id":"{{DatastoreId}}","import_job_id":"job/../x","attempt":0}""",
        $$"""{"study_id":"{{Study.Value}}","datastore_id":"{{DatastoreId}}","import_job_id":"{{JobId}}"}""",
        $$"""{"study_id":"{{Study.Value}}","datastore_id":"{{DatastoreId}}","import_job_id":"{{JobId}}","attempt":"0"}""",
        $$"""{"study_id":"{{Study.Value}}","datastore_id":"{{DatastoreId}}","import_job_id":"{{JobId}}","attempt":-1}""",
        $$"""{"study_id":"{{Study.Value}}","datastore_id":"{{DatastoreId}}","import_job_id":"{{JobId}}","attempt":1.5}""",
        $$"""{"execution_name":"stroke-analysis-{{Study.Value}}"}""",
        $$"""{"execution_status":"FAILED"}""",
        $$"""{"execution_name":"other-{{Study.Value}}","execution_status":"FAILED"}""",
        $$"""{"execution_name":"stroke-analysis-{{Study.Value}}","execution_status":"SUCCEEDED"}""",
        $$"""{"execution_name":"stroke-analysis-{{Study.Value}}","execution_status":"FAILED","study_id":"{{Study.Value}}"}""",
        ArmJson(string.Empty),
        ArmJson(new string('t', 2049)),
        $$"""{"study_id":"{{Study.Value}}","datastore_id":"{{DatastoreId}}","import_job_id":"{{JobId}}","attempt":0,"task_token":42}""",
        $$"""{"study_id":"{{Study.Value}}","datastore_id":"{{DatastoreId}}","import_job_id":"{{JobId}}","task_token":"{{TaskToken}}"}""",
        $$"""{"task_token":"{{TaskToken}}"}""",
        $$"""{"task_token":"{{TaskToken}}","execution_name":"stroke-analysis-{{Study.Value}}","execution_status":"FAILED"}""",
        """{"import_job_event":"COMPLETED"}""",
        """{"import_job_event":{}}""",
        $$$"""{"import_job_event":{"datastore_id":"{{{DatastoreId}}}","job_id":"{{{JobId}}}","job_status":"COMPLETED"}}""",
        $$$"""{"import_job_event":{"datastore_id":"{{{DatastoreId}}}","job_id":7,"job_name":"stroke-{{{Study.Value}}}","job_status":"COMPLETED"}}""",
        $$$"""{"import_job_event":{"datastore_id":"{{{DatastoreId}}}","job_id":"{{{JobId}}}","job_name":"stroke-{{{Study.Value}}}","job_status":null}}""",
        $$$"""{"study_id":"{{{Study.Value}}}","import_job_event":{"datastore_id":"{{{DatastoreId}}}","job_id":"{{{JobId}}}","job_name":"stroke-{{{Study.Value}}}","job_status":"COMPLETED"}}""",
        $$$"""{"task_token":"{{{TaskToken}}}","import_job_event":{"datastore_id":"{{{DatastoreId}}}","job_id":"{{{JobId}}}","job_name":"stroke-{{{Study.Value}}}","job_status":"COMPLETED"}}""",
        """{"import_job_event":null}""",
    };

    [Theory]
    [MemberData(nameof(MalformedInputs))]
    public async Task Handle_WhenInputBreaksTheContract_ShouldThrowInvalidMonitorInputAndTouchNothing(string json)
    {
        var error = await Assert.ThrowsAsync<InvalidMonitorInputException>(() => _function.Handle(Input(json)));

        Assert.False(string.IsNullOrWhiteSpace(error.Message));
        _imports.VerifyNoOtherCalls();
        _studies.Verify(
            store => store.TryUpdateAsync(It.IsAny<StudyId>(), It.IsAny<StudyUpdate>(), It.IsAny<IReadOnlyCollection<string>>(), It.IsAny<CancellationToken>()),
            Times.Never);
        Assert.Contains("\"error_type\":\"InvalidMonitorInputException\"", _logText.ToString(), StringComparison.Ordinal);
        _importEvents.VerifyNoOtherCalls();
        _callback.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task Handle_WhenArmedBeforeTheEvent_ShouldStoreTheTokenAndAnswerArmed()
    {
        _importEvents
            .Setup(store => store.TryArmImportEventWaitAsync(Study, TaskToken, "2026-11-25T12:00:00.000Z", It.IsAny<CancellationToken>()))
            .ReturnsAsync(true);

        using var output = await _function.Handle(Input(ArmJson(TaskToken)));

        var root = await ReadJsonAsync(output);
        Assert.Equal(["study_id", "armed"], root.EnumerateObject().Select(property => property.Name));
        Assert.Equal(Study.Value, root.GetProperty("study_id").GetString());
        Assert.True(root.GetProperty("armed").GetBoolean());
        _callback.VerifyNoOtherCalls();
        Assert.DoesNotContain(TaskToken, _logText.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Handle_WhenArmedAfterTheEvent_ShouldResumeTheWorkflowAndAnswerNotArmed()
    {
        _importEvents
            .Setup(store => store.TryArmImportEventWaitAsync(Study, TaskToken, It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(false);
        _callback.Setup(callback => callback.TryResumeAsync(TaskToken, It.IsAny<CancellationToken>())).ReturnsAsync(true);

        using var output = await _function.Handle(Input(ArmJson(TaskToken)));

        Assert.False((await ReadJsonAsync(output)).GetProperty("armed").GetBoolean());
        _callback.Verify(callback => callback.TryResumeAsync(TaskToken, It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Handle_WhenTheImportEventFindsAnArmedWorkflow_ShouldResumeItAndAnswerWoke()
    {
        _importEvents
            .Setup(store => store.TryRecordImportEventAsync(Study, JobId, "COMPLETED", "2026-11-25T12:00:00.000Z", It.IsAny<CancellationToken>()))
            .ReturnsAsync(new ImportEventRecording(true, TaskToken));
        _callback.Setup(callback => callback.TryResumeAsync(TaskToken, It.IsAny<CancellationToken>())).ReturnsAsync(true);

        using var output = await _function.Handle(Input(ImportEventJson($"stroke-{Study.Value}")));

        var root = await ReadJsonAsync(output);
        Assert.Equal(["study_id", "woke_workflow"], root.EnumerateObject().Select(property => property.Name));
        Assert.Equal(Study.Value, root.GetProperty("study_id").GetString());
        Assert.True(root.GetProperty("woke_workflow").GetBoolean());
        Assert.DoesNotContain(TaskToken, _logText.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Handle_WhenTheImportEventIsAnotherToolsImport_ShouldAnswerNoStudyAndTouchNothing()
    {
        using var output = await _function.Handle(Input(ImportEventJson("nightly-archive-import")));

        var root = await ReadJsonAsync(output);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("study_id").ValueKind);
        Assert.False(root.GetProperty("woke_workflow").GetBoolean());
        _importEvents.VerifyNoOtherCalls();
        _callback.VerifyNoOtherCalls();
        Assert.DoesNotContain("nightly-archive-import", _logText.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Handle_WhenResumingIsThrottled_ShouldThrowForLambdasAsyncRetries()
    {
        _importEvents
            .Setup(store => store.TryRecordImportEventAsync(Study, JobId, "COMPLETED", It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new ImportEventRecording(true, TaskToken));
        _callback
            .Setup(callback => callback.TryResumeAsync(TaskToken, It.IsAny<CancellationToken>()))
            .ThrowsAsync(new TransientDependencyException(Dependency.StepFunctions, "ThrottlingException", "slow down", throttled: true));

        await Assert.ThrowsAsync<TransientDependencyException>(() => _function.Handle(Input(ImportEventJson($"stroke-{Study.Value}"))));

        Assert.Contains("\"error_code\":\"ThrottlingException\"", _logText.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Handle_WhenHealthImagingThrottles_ShouldThrowTheTypeTheStateMachineRetriesOn()
    {
        var failure = new TransientDependencyException(Dependency.HealthImaging, "ThrottlingException", "slow down", throttled: true);
        _imports.Setup(service => service.GetImportJobAsync(DatastoreId, JobId, It.IsAny<CancellationToken>())).ThrowsAsync(failure);

        var thrown = await Assert.ThrowsAsync<TransientDependencyException>(() => _function.Handle(Input(PollJson(attempt: 1))));

        Assert.Same(failure, thrown);
        Assert.Equal("TransientDependencyException", thrown.GetType().Name);
        var line = JsonDocument.Parse(_logText.ToString()).RootElement;
        Assert.Equal("ERROR", line.GetProperty("level").GetString());
        Assert.Equal(Study.Value, line.GetProperty("study_id").GetString());
        Assert.Equal("ThrottlingException", line.GetProperty("error_code").GetString());
    }

    private static string ArmJson(string token) =>
        $$"""{"study_id":"{{Study.Value}}","datastore_id":"{{DatastoreId}}","import_job_id":"{{JobId}}","attempt":0,"task_token":"{{token}}"}""";

    private static string ImportEventJson(string jobName) =>
        $$$"""{"import_job_event":{"datastore_id":"{{{DatastoreId}}}","job_id":"{{{JobId}}}","job_name":"{{{jobName}}}","job_status":"COMPLETED"}}""";

    private static string PollJson(int attempt) =>
        $$"""{"study_id":"{{Study.Value}}","datastore_id":"{{DatastoreId}}","import_job_id":"{{JobId}}","attempt":{{attempt}}}""";

    private static MemoryStream Input(string json) => new(Encoding.UTF8.GetBytes(json));

    private static async Task<JsonElement> ReadJsonAsync(Stream output)
    {
        using var document = await JsonDocument.ParseAsync(output);
        return document.RootElement.Clone();
    }

    private void GivenJob(string status) =>
        _imports
            .Setup(service => service.GetImportJobAsync(DatastoreId, JobId, It.IsAny<CancellationToken>()))
            .ReturnsAsync(new ImportJob(JobId, DatastoreId, status, $"s3://{Bucket}/{ResolvedFolder}", null, null, null));

    private static string Manifest(params (string Id, bool IsPrimary)[] imageSets)
    {
        var summary = string.Join(',', imageSets.Select(set =>
            $$"""{"imageSetId":"{{set.Id}}","imageSetVersion":1,"isPrimary":{{(set.IsPrimary ? "true" : "false")}},"numberOfMatchedSOPInstances":1}"""));
        return $$$"""
            {"jobSummary":{"jobId":"{{{JobId}}}","datastoreId":"{{{DatastoreId}}}",
            "numberOfScannedFiles":{{{imageSets.Length}}},"numberOfImportedFiles":{{{imageSets.Length}}},
            "numberOfFilesWithCustomerError":0,"numberOfFilesWithServerError":0,
            "numberOfGeneratedImageSets":{{{imageSets.Length}}},"imageSetsSummary":[{{{summary}}}]}}
            """;
    }

    private static Study NewStudy() => new()
    {
        StudyId = Study,
        PatientId = PatientId,
        UploadTimestamp = "2026-11-25T11:59:00.000Z",
        StudyDescription = "CT HEAD",
        S3Bucket = Bucket,
        S3Key = "uploads/a.dcm",
        ImportPrefix = $"imports/{Study.Value}/",
        DatastoreId = DatastoreId,
        Status = StudyStatus.Importing,
        ProcessingStage = "ingestion",
        Modality = "CT",
        StudyInstanceUid = "1.2.3",
        SeriesInstanceUids = ["1.2.3.4"],
        FileCount = 1,
        TotalBytes = 1024,
        RequestFingerprint = "fp",
        ImportJobId = JobId,
    };
}

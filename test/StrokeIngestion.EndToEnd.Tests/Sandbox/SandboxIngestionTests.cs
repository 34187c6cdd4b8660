using System.Net;
using System.Text.Json.Nodes;
using StrokeIngestion.Sandbox.HealthImaging;
using StrokeIngestion.Sandbox.StepFunctions;
using StrokeIngestion.Sandbox.StepFunctions.Tasks;

namespace StrokeIngestion.EndToEnd.Tests.Sandbox;

/// <summary>
/// Studies through the whole local pipeline: S3 PutObject, POST /upload (the UploadHandler's
/// real handler), the HealthImaging emulator's import, the synthesized state machine running
/// the ImportMonitor's real handler, and the study record in DynamoDB.
/// </summary>
[Collection(SharedSandbox.Name)]
public sealed class SandboxIngestionTests
{
    private const string StudyReadyDetailType = "Study Ready For Analysis";

    private readonly SandboxFixture _sandbox;

    public SandboxIngestionTests(SandboxFixture sandbox) => _sandbox = sandbox;

    [SkippableFact]
    public async Task PostUpload_WhenACtImageIsUploaded_ShouldReachReadyWithTheImageSetTheImportCreated()
    {
        // Arrange
        var host = _sandbox.Host;
        var study = SandboxFixture.NewStudy("CT", "CT-PATIENT-0001");
        var key = SandboxFixture.NewFolder("ct-single") + "head.dcm";
        _sandbox.RecordPhi("CT-PATIENT-0001", key);
        await _sandbox.PutObjectAsync(key, study.Files[0]);

        // Act
        var answer = await _sandbox.PostUploadAsync("CT-PATIENT-0001", key);
        var studyId = answer.Body.GetProperty("study_id").GetString() ?? string.Empty;
        var record = await _sandbox.WaitForTerminalStudyAsync(studyId);
        var execution = await _sandbox.WaitForExecutionAsync(SandboxFixture.Text(record, "execution_arn"));

        // Assert
        Assert.Equal(HttpStatusCode.Accepted, answer.Status);
        Assert.Equal("processing", answer.Body.GetProperty("status").GetString());
        Assert.Equal("READY_FOR_ANALYSIS", SandboxFixture.Text(record, "status"));
        var imageSet = Assert.Single(ImageSetsOf(host.HealthImaging, study.StudyInstanceUid));
        Assert.True(imageSet.IsPrimary);
        Assert.Equal(imageSet.ImageSetId, SandboxFixture.Text(record, "image_set_id"));
        Assert.Equal([imageSet.ImageSetId], SandboxFixture.List(record, "image_set_ids"));
        Assert.Equal("CT", SandboxFixture.Text(record, "modality"));
        Assert.Equal("1", SandboxFixture.Text(record, "file_count"));
        Assert.Equal(ExecutionStatus.Succeeded, execution.Status);
        Assert.Equal($"stroke-analysis-{studyId}", execution.Name);
        var published = Assert.Single(host.StepFunctions.Events.Snapshot(), e => e.DetailType == StudyReadyDetailType && Detail(e)?["study_id"]?.GetValue<string>() == studyId);
        Assert.Equal(imageSet.ImageSetId, Detail(published)?["image_set_id"]?.GetValue<string>());
        Assert.Equal(host.Options.DatastoreId, Detail(published)?["datastore_id"]?.GetValue<string>());
        Assert.Equal(["AwaitImportEnd", "CheckImportStatus", "IsImportDone", "PublishStudyReady", "StudyReady"], execution.VisitedStates);
        Assert.Equal(5, execution.StateTransitions);
    }

    [SkippableFact]
    public async Task PostUpload_WhenAnMrFolderHoldsTwoSeries_ShouldReachReadyWithBothImageSets()
    {
        // Arrange
        var host = _sandbox.Host;
        var study = SandboxFixture.NewStudy("MR", "MR-PATIENT-0002", series: 2, slicesPerSeries: 3);
        var folder = SandboxFixture.NewFolder("mr-two-series");
        _sandbox.RecordPhi("MR-PATIENT-0002", folder);
        await _sandbox.PutFolderAsync(folder, study.Files);

        // Act
        var studyId = await _sandbox.PostAcceptedAsync("MR-PATIENT-0002", folder);
        var record = await _sandbox.WaitForTerminalStudyAsync(studyId);
        var execution = await _sandbox.WaitForExecutionAsync(SandboxFixture.Text(record, "execution_arn"));

        // Assert
        Assert.Equal("READY_FOR_ANALYSIS", SandboxFixture.Text(record, "status"));
        var created = ImageSetsOf(host.HealthImaging, study.StudyInstanceUid);
        Assert.Equal(2, created.Count);
        Assert.All(created, set => Assert.Equal(3, set.SopInstanceUids.Count));
        Assert.Equal(study.SeriesInstanceUids.Order(StringComparer.Ordinal), created.Select(s => s.SeriesInstanceUid).Order(StringComparer.Ordinal));
        Assert.Equal(created.Select(s => s.ImageSetId).Order(StringComparer.Ordinal), SandboxFixture.List(record, "image_set_ids").Order(StringComparer.Ordinal));
        Assert.Contains(SandboxFixture.Text(record, "image_set_id"), created.Select(s => s.ImageSetId));
        Assert.Equal("MR", SandboxFixture.Text(record, "modality"));
        Assert.Equal("6", SandboxFixture.Text(record, "file_count"));
        Assert.Equal(ExecutionStatus.Succeeded, execution.Status);
    }

    [SkippableFact]
    public async Task PostUpload_WhenACtFolderHoldsTwelveSlices_ShouldReachReadyAndRecordTheFileCounts()
    {
        // Arrange
        var host = _sandbox.Host;
        var study = SandboxFixture.NewStudy("CT", "CT-PATIENT-0003", slicesPerSeries: 12);
        var folder = SandboxFixture.NewFolder("ct-folder");
        _sandbox.RecordPhi("CT-PATIENT-0003", folder);
        await _sandbox.PutFolderAsync(folder, study.Files);

        // Act
        var studyId = await _sandbox.PostAcceptedAsync("CT-PATIENT-0003", folder);
        var record = await _sandbox.WaitForTerminalStudyAsync(studyId);

        // Assert
        Assert.Equal("READY_FOR_ANALYSIS", SandboxFixture.Text(record, "status"));
        Assert.Equal("12", SandboxFixture.Text(record, "file_count"));
        Assert.Equal("12", SandboxFixture.Text(record, "files_scanned"));
        Assert.Equal("12", SandboxFixture.Text(record, "files_imported"));
        Assert.Equal("1", SandboxFixture.Text(record, "image_sets_generated"));
        Assert.Equal(study.Files.Sum(f => f.Length).ToString(System.Globalization.CultureInfo.InvariantCulture), SandboxFixture.Text(record, "total_bytes"));
        var imageSet = Assert.Single(ImageSetsOf(host.HealthImaging, study.StudyInstanceUid));
        Assert.Equal(12, imageSet.SopInstanceUids.Count);
        Assert.Equal(imageSet.ImageSetId, SandboxFixture.Text(record, "image_set_id"));
    }

    [SkippableFact]
    public async Task PostUpload_WhenHealthImagingFailsTheImportJob_ShouldEndImportFailedAndFailTheWorkflow()
    {
        // Arrange: the emulator's fault knob makes the service itself fail the job.
        var host = _sandbox.Host;
        var study = SandboxFixture.NewStudy("CT", "CT-PATIENT-0004");
        var key = SandboxFixture.NewFolder("ct-job-fails") + "head.dcm";
        _sandbox.RecordPhi("CT-PATIENT-0004", key);
        await _sandbox.PutObjectAsync(key, study.Files[0]);
        Dictionary<string, Amazon.DynamoDBv2.Model.AttributeValue> record;
        string studyId;
        host.HealthImaging.Faults = host.HealthImaging.Faults with { FailNextJobs = 1 };
        try
        {
            // Act
            studyId = await _sandbox.PostAcceptedAsync("CT-PATIENT-0004", key);
            record = await _sandbox.WaitForTerminalStudyAsync(studyId);
        }
        finally
        {
            // Never leak the fault into the next test, whatever happened here.
            host.HealthImaging.Faults = host.HealthImaging.Faults with { FailNextJobs = 0 };
        }

        var execution = await _sandbox.WaitForExecutionAsync(SandboxFixture.Text(record, "execution_arn"));

        // Assert
        Assert.Equal("IMPORT_FAILED", SandboxFixture.Text(record, "status"));
        Assert.Equal("import_job_failed", SandboxFixture.Text(record, "failure_reason"));
        Assert.Equal("FAILED", SandboxFixture.Text(record, "import_status"));
        Assert.StartsWith("Import job failed", SandboxFixture.Text(record, "failure_message"), StringComparison.Ordinal);
        Assert.False(record.ContainsKey("image_set_id"));
        Assert.Equal(ExecutionStatus.Failed, execution.Status);
        Assert.Equal("ImportFailed", execution.Error);
        Assert.DoesNotContain(host.StepFunctions.Events.Snapshot(), e => e.DetailType == StudyReadyDetailType && Detail(e)?["study_id"]?.GetValue<string>() == studyId);

        // Woken by HealthImaging's Import Job Failed event, not found by a poll.
        Assert.Equal("FAILED", SandboxFixture.Text(record, "import_event_status"));
        Assert.Equal(["AwaitImportEnd", "CheckImportStatus", "IsImportDone", "ImportFailed"], execution.VisitedStates);
        Assert.Contains(
            host.StepFunctions.Events.Snapshot(),
            e => e.Source == "aws.medical-imaging" && e.DetailType == "Import Job Failed" && Detail(e)?["jobName"]?.GetValue<string>() == $"stroke-{studyId}");
    }

    /// <remarks>
    /// The upload handler reads only the header (up to SeriesInstanceUID), by design: it must
    /// not download whole studies. A file cut short inside its pixel data therefore passes the
    /// upload and is caught by the import, which decodes the whole instance (the emulator walks
    /// it to its last byte, as HealthImaging must). This is the honest path for "a damaged file
    /// ends IMPORT_FAILED"; nothing in the upload's checks is relaxed for it.
    /// </remarks>
    [SkippableFact]
    public async Task PostUpload_WhenTheFileIsCutShortAfterItsHeader_ShouldBeAcceptedThenEndImportFailedWithFilesRejected()
    {
        // Arrange
        var host = _sandbox.Host;
        var study = SandboxFixture.NewStudy("CT", "CT-PATIENT-0005");
        var damaged = study.Files[0][..^2048];
        var key = SandboxFixture.NewFolder("ct-damaged") + "head.dcm";
        _sandbox.RecordPhi("CT-PATIENT-0005", key);
        await _sandbox.PutObjectAsync(key, damaged);

        // Act
        var studyId = await _sandbox.PostAcceptedAsync("CT-PATIENT-0005", key);
        var record = await _sandbox.WaitForTerminalStudyAsync(studyId);
        var execution = await _sandbox.WaitForExecutionAsync(SandboxFixture.Text(record, "execution_arn"));

        // Assert
        Assert.Equal("IMPORT_FAILED", SandboxFixture.Text(record, "status"));
        Assert.Equal("files_rejected", SandboxFixture.Text(record, "failure_reason"));
        Assert.Equal("COMPLETED", SandboxFixture.Text(record, "import_status"));
        Assert.Equal("1", SandboxFixture.Text(record, "files_with_customer_error"));
        Assert.Equal("0", SandboxFixture.Text(record, "files_imported"));
        Assert.Contains("ValidationException", SandboxFixture.Text(record, "failure_message"), StringComparison.Ordinal);
        Assert.Empty(ImageSetsOf(host.HealthImaging, study.StudyInstanceUid));
        Assert.Equal(ExecutionStatus.Failed, execution.Status);
        Assert.Equal("ImportFailed", execution.Error);
    }

    private static List<ImageSetSnapshot> ImageSetsOf(HealthImagingEmulator healthImaging, string studyInstanceUid) =>
        [.. healthImaging.ImageSets.Where(s => s.StudyInstanceUid == studyInstanceUid)];

    private static JsonNode? Detail(RecordedEvent recorded) => JsonNode.Parse(recorded.Detail);
}

using System.Net;

namespace StrokeIngestion.EndToEnd.Tests.Sandbox;

/// <summary>
/// Retries as clients and networks produce them, through the real HTTP path: whatever the
/// number of requests, one study, one HealthImaging import job and one workflow execution.
/// </summary>
[Collection(SharedSandbox.Name)]
public sealed class SandboxIdempotencyTests
{
    private readonly SandboxFixture _sandbox;

    public SandboxIdempotencyTests(SandboxFixture sandbox) => _sandbox = sandbox;

    [SkippableFact]
    public async Task PostUpload_WhenRetriedThreeTimesWithTheSameIdempotencyKey_ShouldYieldOneStudyOneImportOneExecution()
    {
        // Arrange
        var (folder, before) = await ArrangeFolderAsync("CT-PATIENT-0101", "retry-sequential");
        var key = $"retry-{Guid.NewGuid():N}";

        // Act
        var answers = new List<ApiAnswer>();
        for (var attempt = 0; attempt < 3; attempt++)
        {
            answers.Add(await _sandbox.PostUploadAsync("CT-PATIENT-0101", folder, key));
        }

        // Assert
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Accepted, a.Status));
        Assert.All(answers, a => Assert.False(a.Body.GetProperty("duplicate").GetBoolean()));
        await AssertOneOfEachAsync(answers, before);
    }

    [SkippableFact]
    public async Task PostUpload_WhenThreeRequestsWithTheSameIdempotencyKeyRace_ShouldYieldOneStudyOneImportOneExecution()
    {
        // Arrange
        var (folder, before) = await ArrangeFolderAsync("CT-PATIENT-0102", "retry-concurrent");
        var key = $"retry-{Guid.NewGuid():N}";

        // Act
        var answers = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => _sandbox.PostUploadAsync("CT-PATIENT-0102", folder, key)));

        // Assert
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Accepted, a.Status));
        await AssertOneOfEachAsync(answers, before);
    }

    [SkippableFact]
    public async Task PostUpload_WhenTheSameObjectIsUploadedAndPostedAgainWithoutAKey_ShouldAnswerDuplicateWithTheSameStudy()
    {
        // Arrange
        var host = _sandbox.Host;
        var study = SandboxFixture.NewStudy("CT", "CT-PATIENT-0103");
        var objectKey = SandboxFixture.NewFolder("duplicate") + "head.dcm";
        _sandbox.RecordPhi("CT-PATIENT-0103", objectKey);
        await _sandbox.PutObjectAsync(objectKey, study.Files[0]);
        var firstStudyId = await _sandbox.PostAcceptedAsync("CT-PATIENT-0103", objectKey);
        var first = await _sandbox.WaitForTerminalStudyAsync(firstStudyId);
        var jobsBefore = host.HealthImaging.Counters.TotalJobsCreated;

        // Act: the clinician's tool sends the same file again, then posts it again.
        await _sandbox.PutObjectAsync(objectKey, study.Files[0]);
        var again = await _sandbox.PostUploadAsync("CT-PATIENT-0103", objectKey);

        // Assert
        Assert.Equal(HttpStatusCode.OK, again.Status);
        Assert.True(again.Body.GetProperty("duplicate").GetBoolean());
        Assert.Equal(firstStudyId, again.Body.GetProperty("study_id").GetString());
        Assert.Equal("ready_for_analysis", again.Body.GetProperty("status").GetString());
        Assert.Equal(SandboxFixture.Text(first, "import_job_id"), again.Body.GetProperty("import_job_id").GetString());
        Assert.Equal(jobsBefore, host.HealthImaging.Counters.TotalJobsCreated);
        Assert.Equal(1, host.HealthImaging.Counters.JobsCreated(firstStudyId));
        Assert.Single(host.StepFunctions.Executions(), e => e.Name == $"stroke-analysis-{firstStudyId}");
    }

    private async Task<(string Folder, SideEffects Before)> ArrangeFolderAsync(string patientId, string name)
    {
        var study = SandboxFixture.NewStudy("CT", patientId, slicesPerSeries: 4);
        var folder = SandboxFixture.NewFolder(name);
        _sandbox.RecordPhi(patientId, folder);
        await _sandbox.PutFolderAsync(folder, study.Files);
        return (folder, await _sandbox.SideEffectsAsync());
    }

    private async Task AssertOneOfEachAsync(IReadOnlyList<ApiAnswer> answers, SideEffects before)
    {
        var host = _sandbox.Host;
        var studyId = Assert.Single(answers.Select(a => a.Body.GetProperty("study_id").GetString()).Distinct()) ?? string.Empty;
        // An answer may say the study is queued (import_job_id null: capacity was taken, here by a
        // twin or by another test's study); any job an answer names is the one job.
        Assert.InRange(answers.Select(a => a.Body.GetProperty("import_job_id").GetString()).OfType<string>().Distinct().Count(), 0, 1);
        var record = await _sandbox.WaitForTerminalStudyAsync(studyId);
        await _sandbox.WaitForExecutionAsync(SandboxFixture.Text(record, "execution_arn"));
        var after = await _sandbox.SideEffectsAsync();

        Assert.Equal("READY_FOR_ANALYSIS", SandboxFixture.Text(record, "status"));
        Assert.Equal(before.Studies + 1, after.Studies);
        Assert.Equal(1, host.HealthImaging.Counters.JobsCreated(studyId));
        Assert.Equal(1, host.HealthImaging.Counters.JobsCreatedForInput($"s3://{host.BucketName}/imports/{studyId}/"));
        Assert.Equal(before.ImportJobs + 1, after.ImportJobs);
        Assert.Single(host.StepFunctions.Executions(), e => e.Name == $"stroke-analysis-{studyId}");
        Assert.Equal(before.Executions + 1, after.Executions);
    }
}

using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using StrokeIngestion.Sandbox.HealthImaging;

namespace StrokeIngestion.EndToEnd.Tests.HealthImaging;

public sealed class HealthImagingEmulatorJobTests : IAsyncLifetime
{
    private const string Input = "imports/STUDY-0123456789ab/";
    private HealthImagingHarness? _started;

    private HealthImagingHarness Harness => _started ?? throw new InvalidOperationException("Not initialized.");

    public async Task InitializeAsync() => _started = await HealthImagingHarness.StartAsync();

    public async Task DisposeAsync()
    {
        if (_started is not null)
        {
            await _started.DisposeAsync();
        }
    }

    [Fact]
    public async Task StartDICOMImportJob_WhenClientTokenIsReusedWithSameParameters_ShouldReturnTheOriginalJob()
    {
        using var first = await Harness.PostStartAsync(HealthImagingHarness.StartBody("retry-token"));
        var original = await HealthImagingHarness.JsonAsync(first);
        Harness.Time.Advance(TimeSpan.FromSeconds(5));

        using var second = await Harness.PostStartAsync(HealthImagingHarness.StartBody("retry-token"));
        var replay = await HealthImagingHarness.JsonAsync(second);

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(original.GetRawText(), replay.GetRawText());
        Assert.Equal(1, Harness.Emulator.Counters.JobsCreated("retry-token"));
        Assert.Equal(2, Harness.Emulator.Counters.StartRequests("retry-token"));
        Assert.Equal(0, Harness.Emulator.Counters.DuplicateImports);
    }

    [Theory]
    [InlineData("jobName", "another-name")]
    [InlineData("inputS3Uri", "s3://" + HealthImagingHarness.Bucket + "/imports/OTHER/")]
    [InlineData("outputS3Uri", "s3://" + HealthImagingHarness.Bucket + "/elsewhere/")]
    [InlineData("dataAccessRoleArn", "arn:aws:iam::123456789012:role/other-role")]
    [InlineData("inputOwnerAccountId", "123456789012")]
    public async Task StartDICOMImportJob_WhenClientTokenIsReusedWithDifferentParameters_ShouldAnswer409Conflict(string member, string value)
    {
        await Harness.StartJobAsync("reused-token", Input);
        var changed = HealthImagingHarness.StartBody("reused-token");
        changed[member] = value;

        using var response = await Harness.PostStartAsync(changed);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("ConflictException", HealthImagingHarness.ErrorType(response));
        Assert.Equal(1, Harness.Emulator.Counters.TotalJobsCreated);
    }

    [Fact]
    public async Task StartDICOMImportJob_WhenTheSameInputIsStartedWithTwoTokens_ShouldCountADuplicateImport()
    {
        await Harness.StartJobAsync("token-1", Input);
        await Harness.StartJobAsync("token-2", Input);

        Assert.Equal(2, Harness.Emulator.Counters.JobsCreatedForInput($"s3://{HealthImagingHarness.Bucket}/{Input}"));
        Assert.Equal(1, Harness.Emulator.Counters.DuplicateImports);
    }

    [Fact]
    public async Task GetDICOMImportJob_AsTimePasses_ShouldMoveFromSubmittedThroughInProgressToCompleted()
    {
        Harness.PutInput(Input, "1.dcm", SyntheticDicom.Instance("P1", "1.2.3", "1.2.3.4", "1.2.3.4.1"));
        var jobId = await Harness.StartJobAsync("token", Input);

        var submitted = await PropertiesAsync(jobId);
        Harness.Time.Advance(TimeSpan.FromSeconds(1));
        var inProgress = await PropertiesAsync(jobId);
        Harness.Time.Advance(TimeSpan.FromSeconds(1));
        var completed = await PropertiesAsync(jobId);

        Assert.Equal("SUBMITTED", submitted.GetProperty("jobStatus").GetString());
        Assert.Equal("IN_PROGRESS", inProgress.GetProperty("jobStatus").GetString());
        Assert.Equal("COMPLETED", completed.GetProperty("jobStatus").GetString());
        Assert.False(submitted.TryGetProperty("endedAt", out _));
        Assert.False(inProgress.TryGetProperty("endedAt", out _));
        Assert.Equal(HealthImagingHarness.OutputS3Uri, inProgress.GetProperty("outputS3Uri").GetString());
    }

    [Fact]
    public async Task GetDICOMImportJob_WhenJobHasEnded_ShouldReportEveryContractField()
    {
        Harness.PutInput(Input, "1.dcm", SyntheticDicom.Instance("P1", "1.2.3", "1.2.3.4", "1.2.3.4.1"));
        var jobId = await Harness.StartJobAsync("token", Input);
        Harness.Time.Advance(TimeSpan.FromMinutes(10));

        var job = await PropertiesAsync(jobId);

        var submittedAt = HealthImagingHarness.Start.ToUnixTimeMilliseconds() / 1000.0;
        Assert.Equal(jobId, job.GetProperty("jobId").GetString());
        Assert.Equal("stroke-STUDY-0123456789ab", job.GetProperty("jobName").GetString());
        Assert.Equal("COMPLETED", job.GetProperty("jobStatus").GetString());
        Assert.Equal(HealthImagingHarness.DatastoreId, job.GetProperty("datastoreId").GetString());
        Assert.Equal(HealthImagingHarness.RoleArn, job.GetProperty("dataAccessRoleArn").GetString());
        Assert.Equal(submittedAt, job.GetProperty("submittedAt").GetDouble());
        Assert.Equal(submittedAt + 2, job.GetProperty("endedAt").GetDouble());
        Assert.Equal($"s3://{HealthImagingHarness.Bucket}/{Input}", job.GetProperty("inputS3Uri").GetString());
        Assert.Equal(
            $"{HealthImagingHarness.OutputS3Uri}{HealthImagingHarness.DatastoreId}-DicomImport-{jobId}/",
            job.GetProperty("outputS3Uri").GetString());
        Assert.False(job.TryGetProperty("message", out _));
    }

    [Fact]
    public async Task GetDICOMImportJob_WhenJobNameWasOmitted_ShouldStillReportAName()
    {
        var body = HealthImagingHarness.StartBody("token");
        body.Remove("jobName");
        using var started = await Harness.PostStartAsync(body);
        var jobId = (await HealthImagingHarness.JsonAsync(started)).GetProperty("jobId").GetString() ?? string.Empty;

        var job = await PropertiesAsync(jobId);

        Assert.Matches("^[A-Za-z0-9._/#-]{1,64}$", job.GetProperty("jobName").GetString());
    }

    [Fact]
    public async Task Import_WhenJobsEnd_ShouldPublishOneCompletedOrFailedEventPerJobAfterItsStatusIsVisible()
    {
        // Arrange
        var published = new List<(ImportJobEvent Event, string VisibleStatus)>();
        Harness.Emulator.ImportJobEnded += (_, ended) =>
            published.Add((ended.Event, Harness.Emulator.Jobs().Single(j => j.JobId == ended.Event.JobId).Status));
        Harness.PutInput(Input, "1.dcm", SyntheticDicom.Instance("P1", "1.2.3", "1.2.3.4", "1.2.3.4.1"));
        var completedId = await Harness.StartJobAsync("token-ok", Input);
        var failedId = await Harness.StartJobAsync("token-empty", "imports/STUDY-ffffffffffff/");

        // Act
        await Harness.RunToEndAsync(completedId);
        await Harness.RunToEndAsync(failedId);

        // Assert
        Assert.Equal(2, published.Count);
        var completed = published.Single(p => p.Event.JobId == completedId);
        Assert.Equal("Import Job Completed", completed.Event.DetailType);
        Assert.Equal("COMPLETED", completed.VisibleStatus);
        Assert.Equal("stroke-STUDY-0123456789ab", completed.Event.JobName);
        Assert.Equal(HealthImagingHarness.DatastoreId, completed.Event.Detail()["datastoreId"]?.GetValue<string>());
        Assert.Equal(
            $"{HealthImagingHarness.OutputS3Uri}{HealthImagingHarness.DatastoreId}-DicomImport-{completedId}/",
            completed.Event.Detail()["outputS3Uri"]?.GetValue<string>());
        var failed = published.Single(p => p.Event.JobId == failedId);
        Assert.Equal("Import Job Failed", failed.Event.DetailType);
        Assert.Equal("FAILED", failed.Event.Detail()["jobStatus"]?.GetValue<string>());
    }

    [Fact]
    public async Task Import_WhenTheEndTimerFiresAFractionEarly_ShouldStillEndTheJobWithoutWaitingForARequest()
    {
        // Arrange: system timers count whole milliseconds and may fire just before the end time.
        var clock = new FakeTimeProvider(HealthImagingHarness.Start);
        await using var harness = await HealthImagingHarness.StartAsync(realTime: new EarlyTimers(clock));
        var ended = new TaskCompletionSource<ImportJobEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        harness.Emulator.ImportJobEnded += (_, e) => ended.TrySetResult(e.Event);
        harness.PutInput(Input, "1.dcm", SyntheticDicom.Instance("P1", "1.2.3", "1.2.3.4", "1.2.3.4.1"));
        var jobId = await harness.StartJobAsync("token", Input);

        // Act: the timer fires 1 ms early, then time reaches the end (and the re-armed timer).
        clock.Advance(TimeSpan.FromSeconds(2) - TimeSpan.FromMilliseconds(1));
        await Task.Delay(50);
        clock.Advance(TimeSpan.FromMilliseconds(5));
        var published = await ended.Task.WaitAsync(TimeSpan.FromSeconds(10));

        // Assert
        Assert.Equal(jobId, published.JobId);
        Assert.Equal("COMPLETED", published.JobStatus);
    }

    [Fact]
    public async Task Import_WhenJobEnds_ShouldWriteManifestSuccessAndFailureFiles()
    {
        Harness.PutInput(Input, "a.dcm", SyntheticDicom.Instance("P1", "1.2.3", "1.2.3.4", "1.2.3.4.1"));
        Harness.PutInput(Input, "b.dcm", SyntheticDicom.Instance("P1", "1.2.3", "1.2.3.4", "1.2.3.4.2"));
        Harness.PutInput(Input, "notes.txt", SyntheticDicom.NotDicom());
        var jobId = await Harness.StartJobAsync("token", Input);

        await Harness.RunToEndAsync(jobId);

        var output = $"{HealthImagingHarness.OutputS3Uri}{HealthImagingHarness.DatastoreId}-DicomImport-{jobId}/";
        var summary = Harness.Storage.ReadJson(HealthImagingHarness.Bucket, HealthImagingHarness.ManifestKey(jobId)).GetProperty("jobSummary");
        Assert.Equal(jobId, summary.GetProperty("jobId").GetString());
        Assert.Equal(HealthImagingHarness.DatastoreId, summary.GetProperty("datastoreId").GetString());
        Assert.Equal($"s3://{HealthImagingHarness.Bucket}/{Input}", summary.GetProperty("inputS3Uri").GetString());
        Assert.Equal(output, summary.GetProperty("outputS3Uri").GetString());
        Assert.Equal(output + "SUCCESS/", summary.GetProperty("successOutputS3Uri").GetString());
        Assert.Equal(output + "FAILURE/", summary.GetProperty("failureOutputS3Uri").GetString());
        Assert.Equal(output + "WARNING/", summary.GetProperty("warningsOutputS3Uri").GetString());
        Assert.Equal(3, summary.GetProperty("numberOfScannedFiles").GetInt32());
        Assert.Equal(2, summary.GetProperty("numberOfImportedFiles").GetInt32());
        Assert.Equal(1, summary.GetProperty("numberOfFilesWithCustomerError").GetInt32());
        Assert.Equal(0, summary.GetProperty("numberOfFilesWithServerError").GetInt32());
        Assert.Equal(1, summary.GetProperty("numberOfGeneratedImageSets").GetInt32());
        var imageSet = Assert.Single(summary.GetProperty("imageSetsSummary").EnumerateArray());
        Assert.Matches("^[0-9a-z]{32}$", imageSet.GetProperty("imageSetId").GetString());
        Assert.Equal(1, imageSet.GetProperty("imageSetVersion").GetInt32());
        Assert.True(imageSet.GetProperty("isPrimary").GetBoolean());
        Assert.Equal(2, imageSet.GetProperty("numberOfMatchedSOPInstances").GetInt32());

        var successes = Harness.Storage.ReadNdjson(HealthImagingHarness.Bucket, HealthImagingHarness.OutputKey(jobId, "SUCCESS/success.ndjson"));
        Assert.Equal([Input + "a.dcm", Input + "b.dcm"], successes.Select(l => l.GetProperty("inputFile").GetString()));
        Assert.All(successes, l =>
        {
            Assert.Equal(imageSet.GetProperty("imageSetId").GetString(), l.GetProperty("importResponse").GetProperty("imageSetId").GetString());
            Assert.True(l.GetProperty("importResponse").GetProperty("isPrimary").GetBoolean());
        });

        var failure = Assert.Single(Harness.Storage.ReadNdjson(HealthImagingHarness.Bucket, HealthImagingHarness.OutputKey(jobId, "FAILURE/failure.ndjson")));
        Assert.Equal(Input + "notes.txt", failure.GetProperty("inputFile").GetString());
        Assert.Equal("ValidationException", failure.GetProperty("exception").GetProperty("exceptionType").GetString());
        Assert.Equal("The file is not a DICOM P10 file", failure.GetProperty("exception").GetProperty("message").GetString());
    }

    [Fact]
    public async Task Import_WhenEveryFileIsValid_ShouldNotWriteAFailureFile()
    {
        Harness.PutInput(Input, "a.dcm", SyntheticDicom.Instance("P1", "1.2.3", "1.2.3.4", "1.2.3.4.1"));
        var jobId = await Harness.StartJobAsync("token", Input);

        await Harness.RunToEndAsync(jobId);

        Assert.True(Harness.Storage.Contains(HealthImagingHarness.Bucket, HealthImagingHarness.OutputKey(jobId, "SUCCESS/success.ndjson")));
        Assert.False(Harness.Storage.Contains(HealthImagingHarness.Bucket, HealthImagingHarness.OutputKey(jobId, "FAILURE/failure.ndjson")));
    }

    [Fact]
    public async Task Import_WhenInputPrefixIsEmpty_ShouldFailTheJobWithAMessageAndStillWriteTheManifest()
    {
        var jobId = await Harness.StartJobAsync("token", "imports/EMPTY/");

        var job = await Harness.RunToEndAsync(jobId);

        Assert.Equal("FAILED", job.GetProperty("jobStatus").GetString());
        Assert.Matches(@"^[\w -:]+$", job.GetProperty("message").GetString());
        Assert.True(job.TryGetProperty("endedAt", out _));
        var summary = Harness.Storage.ReadJson(HealthImagingHarness.Bucket, HealthImagingHarness.ManifestKey(jobId)).GetProperty("jobSummary");
        Assert.Equal(0, summary.GetProperty("numberOfScannedFiles").GetInt32());
        Assert.Empty(summary.GetProperty("imageSetsSummary").EnumerateArray());
    }

    [Fact]
    public async Task Import_WhenEveryFileFailsInspection_ShouldCompleteWithOnlyFailuresByDefault()
    {
        Harness.PutInput(Input, "a.txt", SyntheticDicom.NotDicom());
        Harness.PutInput(Input, "b.dcm", SyntheticDicom.WithoutSopInstanceUid("P1", "1.2.3", "1.2.3.4"));
        var jobId = await Harness.StartJobAsync("token", Input);

        var job = await Harness.RunToEndAsync(jobId);

        Assert.Equal("COMPLETED", job.GetProperty("jobStatus").GetString());
        var summary = Harness.Storage.ReadJson(HealthImagingHarness.Bucket, HealthImagingHarness.ManifestKey(jobId)).GetProperty("jobSummary");
        Assert.Equal(0, summary.GetProperty("numberOfImportedFiles").GetInt32());
        Assert.Equal(2, summary.GetProperty("numberOfFilesWithCustomerError").GetInt32());
        var failures = Harness.Storage.ReadNdjson(HealthImagingHarness.Bucket, HealthImagingHarness.OutputKey(jobId, "FAILURE/failure.ndjson"));
        Assert.Equal("DICOM attribute SOPInstanceUID does not exist", failures[1].GetProperty("exception").GetProperty("message").GetString());
    }

    [Fact]
    public async Task Import_WhenEveryFileFailsAndOptionsAskForFailed_ShouldFailTheJob()
    {
        await using var harness = await HealthImagingHarness.StartAsync(HealthImagingHarness.Options() with
        {
            AllFilesFailedStatus = "FAILED",
        });
        harness.PutInput(Input, "a.txt", SyntheticDicom.NotDicom());
        var jobId = await harness.StartJobAsync("token", Input);

        var job = await harness.RunToEndAsync(jobId);

        Assert.Equal("FAILED", job.GetProperty("jobStatus").GetString());
        Assert.True(harness.Storage.Contains(HealthImagingHarness.Bucket, HealthImagingHarness.OutputKey(jobId, "FAILURE/failure.ndjson")));
    }

    [Fact]
    public async Task Import_WhenOutputBucketDoesNotExist_ShouldFailTheJob()
    {
        Harness.PutInput(Input, "a.dcm", SyntheticDicom.Instance("P1", "1.2.3", "1.2.3.4", "1.2.3.4.1"));
        var body = HealthImagingHarness.StartBody("token");
        body["outputS3Uri"] = "s3://no-such-bucket/out/";
        using var started = await Harness.PostStartAsync(body);
        var jobId = (await HealthImagingHarness.JsonAsync(started)).GetProperty("jobId").GetString() ?? string.Empty;

        var job = await Harness.RunToEndAsync(jobId);

        Assert.Equal("FAILED", job.GetProperty("jobStatus").GetString());
        Assert.Contains("outputS3Uri", job.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_WhenTheInputHoldsMoreFilesThanTheQuota_ShouldFailTheJob()
    {
        await using var harness = await HealthImagingHarness.StartAsync(HealthImagingHarness.Options() with
        {
            MaxFilesPerJob = 1,
        });
        harness.PutInput(Input, "a.dcm", SyntheticDicom.Instance("P1", "1.2.3", "1.2.3.4", "1.2.3.4.1"));
        harness.PutInput(Input, "b.dcm", SyntheticDicom.Instance("P1", "1.2.3", "1.2.3.4", "1.2.3.4.2"));
        var jobId = await harness.StartJobAsync("token", Input);

        var job = await harness.RunToEndAsync(jobId);

        Assert.Equal("FAILED", job.GetProperty("jobStatus").GetString());
        Assert.StartsWith("FILE_COUNTS_LIMIT_EXCEEDED", job.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty(harness.Emulator.ImageSets);
    }

    [Fact]
    public async Task Import_WhenTimeReachesTheJobsEnd_ShouldWriteTheOutputWithoutAnyRequest()
    {
        Harness.PutInput(Input, "a.dcm", SyntheticDicom.Instance("P1", "1.2.3", "1.2.3.4", "1.2.3.4.1"));
        var jobId = await Harness.StartJobAsync("token", Input);

        // The job's end timer fires inside Advance; in-memory storage completes synchronously.
        Harness.Time.Advance(TimeSpan.FromSeconds(2));

        Assert.True(Harness.Storage.Contains(HealthImagingHarness.Bucket, HealthImagingHarness.ManifestKey(jobId)));
        Assert.Equal(1, Harness.Emulator.Counters.Requests(HealthImagingOperation.StartDICOMImportJob));
        Assert.Equal(0, Harness.Emulator.Counters.Requests(HealthImagingOperation.GetDICOMImportJob));
    }

    [Fact]
    public async Task ListDICOMImportJobs_WhenJobsExist_ShouldListSummariesNewestFirst()
    {
        var first = await Harness.StartJobAsync("token-1", "imports/EMPTY-1/");
        Harness.Time.Advance(TimeSpan.FromSeconds(3));
        var second = await Harness.StartJobAsync("token-2", "imports/EMPTY-2/");

        using var response = await Harness.ListJobsAsync();
        var json = await HealthImagingHarness.JsonAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var summaries = json.GetProperty("jobSummaries").EnumerateArray().ToList();
        Assert.Equal([second, first], summaries.Select(s => s.GetProperty("jobId").GetString()));
        Assert.False(json.TryGetProperty("nextToken", out _));
        var ended = summaries[1];
        Assert.Equal("FAILED", ended.GetProperty("jobStatus").GetString());
        Assert.Equal("stroke-STUDY-0123456789ab", ended.GetProperty("jobName").GetString());
        Assert.Equal(HealthImagingHarness.DatastoreId, ended.GetProperty("datastoreId").GetString());
        Assert.Equal(HealthImagingHarness.RoleArn, ended.GetProperty("dataAccessRoleArn").GetString());
        Assert.Equal(JsonValueKind.Number, ended.GetProperty("endedAt").ValueKind);
        Assert.Equal(JsonValueKind.Number, ended.GetProperty("submittedAt").ValueKind);
        Assert.True(ended.TryGetProperty("message", out _));
        Assert.False(ended.TryGetProperty("inputS3Uri", out _));
        Assert.Equal("SUBMITTED", summaries[0].GetProperty("jobStatus").GetString());
    }

    [Fact]
    public async Task ListDICOMImportJobs_WhenFilteredByStatus_ShouldListOnlyThatStatus()
    {
        await Harness.StartJobAsync("token-1", "imports/EMPTY-1/");
        Harness.Time.Advance(TimeSpan.FromSeconds(3));
        var running = await Harness.StartJobAsync("token-2", "imports/EMPTY-2/");

        using var response = await Harness.ListJobsAsync("?jobStatus=SUBMITTED");
        var json = await HealthImagingHarness.JsonAsync(response);

        var only = Assert.Single(json.GetProperty("jobSummaries").EnumerateArray());
        Assert.Equal(running, only.GetProperty("jobId").GetString());
    }

    [Fact]
    public async Task ListDICOMImportJobs_WhenPagedWithNextToken_ShouldVisitEveryJobOnceEvenIfJobsStartMeanwhile()
    {
        var started = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            started.Add(await Harness.StartJobAsync($"token-{i}", $"imports/S{i}/"));
        }

        var seen = new List<string>();
        string? nextToken = null;
        var pages = 0;
        do
        {
            var query = "?maxResults=2" + (nextToken is null ? string.Empty : "&nextToken=" + Uri.EscapeDataString(nextToken));
            using var response = await Harness.ListJobsAsync(query);
            var json = await HealthImagingHarness.JsonAsync(response);
            var page = json.GetProperty("jobSummaries").EnumerateArray().Select(s => s.GetProperty("jobId").GetString() ?? string.Empty).ToList();
            Assert.InRange(page.Count, 1, 2);
            seen.AddRange(page);
            nextToken = json.TryGetProperty("nextToken", out var token) ? token.GetString() : null;
            if (pages++ == 0)
            {
                await Harness.StartJobAsync("late-token", "imports/LATE/");
            }
        }
        while (nextToken is not null);

        Assert.Equal(Enumerable.Reverse(started), seen);
    }

    private async Task<JsonElement> PropertiesAsync(string jobId)
    {
        using var response = await Harness.GetJobAsync(jobId);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await HealthImagingHarness.JsonAsync(response)).GetProperty("jobProperties");
    }
}

/// <summary>Time from a fake clock whose timers fire a millisecond before they are due.</summary>
internal sealed class EarlyTimers(FakeTimeProvider clock) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => clock.GetUtcNow();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        clock.CreateTimer(callback, state, dueTime > TimeSpan.FromMilliseconds(1) ? dueTime - TimeSpan.FromMilliseconds(1) : dueTime, period);
}

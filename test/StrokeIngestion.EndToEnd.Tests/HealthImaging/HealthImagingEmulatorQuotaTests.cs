using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using StrokeIngestion.Core.Aws;
using StrokeIngestion.Core.Aws.Signing;
using StrokeIngestion.Core.Errors;
using StrokeIngestion.Core.Ports;
using StrokeIngestion.Sandbox.HealthImaging;
using StrokeIngestion.Sandbox.Quotas;
using StrokeIngestion.Testing;

namespace StrokeIngestion.EndToEnd.Tests.HealthImaging;

/// <summary>
/// The service's quotas on the emulator's (fake) clock: StartDICOMImportJob and
/// GetDICOMImportJob throttles (429), the running-jobs quota (402), the per-job file and size
/// quotas (the job fails) and an import time that grows with the file count.
/// </summary>
public sealed class HealthImagingEmulatorQuotaTests
{
    private const string Input = "imports/STUDY-0123456789ab/";

    [Fact]
    public async Task StartDICOMImportJob_WhenTheBurstIsSpent_ShouldAnswer429ThrottlingExceptionUntilATokenRefills()
    {
        // Arrange
        await using var harness = await HealthImagingHarness.StartAsync(HealthImagingHarness.Options() with { StartRate = new RateLimit(1, 2) });
        await harness.StartJobAsync("token-1", "imports/A/");
        await harness.StartJobAsync("token-2", "imports/B/");

        // Act
        using var throttled = await harness.PostStartAsync(HealthImagingHarness.StartBody("token-3", "imports/C/"));
        var body = await HealthImagingHarness.JsonAsync(throttled);
        harness.Time.Advance(TimeSpan.FromSeconds(1));
        using var refilled = await harness.PostStartAsync(HealthImagingHarness.StartBody("token-3", "imports/C/"));

        // Assert
        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.Equal("ThrottlingException", HealthImagingHarness.ErrorType(throttled));
        Assert.Equal("Rate exceeded", body.GetProperty("message").GetString());
        Assert.Equal(HttpStatusCode.OK, refilled.StatusCode);
        Assert.Equal(1, harness.Emulator.Counters.Throttled(HealthImagingOperation.StartDICOMImportJob));
        Assert.Equal(3, harness.Emulator.Counters.TotalJobsCreated);
        Assert.Equal(4.0 / 3, harness.Emulator.Counters.StartCallsPerJob, 6);
    }

    [Fact]
    public async Task StartDICOMImportJob_WhenThrottled_ShouldNotLookAtTheRequest()
    {
        await using var harness = await HealthImagingHarness.StartAsync(HealthImagingHarness.Options() with { StartRate = new RateLimit(1, 1) });
        await harness.StartJobAsync("token-1", "imports/A/");

        using var invalid = await harness.PostStartRawAsync("not json");

        Assert.Equal(HttpStatusCode.TooManyRequests, invalid.StatusCode);
        Assert.Equal(0, harness.Emulator.Counters.StartRequests("token-2"));
    }

    [Fact]
    public async Task GetDICOMImportJob_WhenTheBurstIsSpent_ShouldAnswer429ThrottlingException()
    {
        await using var harness = await HealthImagingHarness.StartAsync(HealthImagingHarness.Options() with { GetRate = new RateLimit(25, 2) });
        var jobId = await harness.StartJobAsync("token-1", Input);
        (await harness.GetJobAsync(jobId)).Dispose();
        (await harness.GetJobAsync(jobId)).Dispose();

        using var throttled = await harness.GetJobAsync(jobId);
        harness.Time.Advance(TimeSpan.FromMilliseconds(40));
        using var refilled = await harness.GetJobAsync(jobId);

        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.Equal("ThrottlingException", HealthImagingHarness.ErrorType(throttled));
        Assert.Equal(HttpStatusCode.OK, refilled.StatusCode);
        Assert.Equal(1, harness.Emulator.Counters.Throttled(HealthImagingOperation.GetDICOMImportJob));
    }

    [Fact]
    public async Task StartDICOMImportJob_WhenRunningJobsReachTheQuota_ShouldAnswer402UntilAJobEnds()
    {
        await using var harness = await HealthImagingHarness.StartAsync(HealthImagingHarness.Options() with { MaxConcurrentJobs = 1 });
        await harness.StartJobAsync("token-1", "imports/A/");

        using var refused = await harness.PostStartAsync(HealthImagingHarness.StartBody("token-2", "imports/B/"));
        var body = await HealthImagingHarness.JsonAsync(refused);
        harness.Time.Advance(TimeSpan.FromSeconds(2));
        using var accepted = await harness.PostStartAsync(HealthImagingHarness.StartBody("token-2", "imports/B/"));

        Assert.Equal(HttpStatusCode.PaymentRequired, refused.StatusCode);
        Assert.Equal("ServiceQuotaExceededException", HealthImagingHarness.ErrorType(refused));
        Assert.Contains("concurrent import jobs", body.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal(1, harness.Emulator.Counters.QuotaExceeded);
    }

    [Fact]
    public async Task StartDICOMImportJob_WhenTheQuotaIsReachedAndATokenIsReplayed_ShouldReturnTheOriginalJob()
    {
        await using var harness = await HealthImagingHarness.StartAsync(HealthImagingHarness.Options() with { MaxConcurrentJobs = 1 });
        var jobId = await harness.StartJobAsync("token-1", "imports/A/");

        var replayed = await harness.StartJobAsync("token-1", "imports/A/");

        Assert.Equal(jobId, replayed);
        Assert.Equal(0, harness.Emulator.Counters.QuotaExceeded);
    }

    [Fact]
    public async Task Import_WhenTheInputHoldsFiles_ShouldRunTheFixedTimePlusTheTimePerFile()
    {
        // Arrange: 60 s + 3 files × 10 s = 90 s, SUBMITTED for the first 30 s.
        await using var harness = await HealthImagingHarness.StartAsync(HealthImagingHarness.Options() with
        {
            ImportTime = TimeSpan.FromSeconds(60),
            ImportTimePerFile = TimeSpan.FromSeconds(10),
        });
        for (var i = 1; i <= 3; i++)
        {
            harness.PutInput(Input, $"{i}.dcm", SyntheticDicom.Instance("P1", "1.2.3", "1.2.3.4", $"1.2.3.4.{i}"));
        }

        var jobId = await harness.StartJobAsync("token", Input);

        // Act
        harness.Time.Advance(TimeSpan.FromSeconds(29));
        var stillSubmitted = await StatusAsync(harness, jobId);
        harness.Time.Advance(TimeSpan.FromSeconds(60));
        var stillRunning = await StatusAsync(harness, jobId);
        harness.Time.Advance(TimeSpan.FromSeconds(1));
        var ended = await StatusAsync(harness, jobId);

        // Assert
        Assert.Equal("SUBMITTED", stillSubmitted);
        Assert.Equal("IN_PROGRESS", stillRunning);
        Assert.Equal("COMPLETED", ended);
    }

    [Theory]
    [InlineData(5000, 100L, "FILE_SIZE_LIMIT_EXCEEDED")]
    [InlineData(1, 10L * 1024 * 1024 * 1024, "FILE_COUNTS_LIMIT_EXCEEDED")]
    public async Task Import_WhenTheInputIsOverAPerJobQuota_ShouldFailAfterTheFixedTimeWithoutImporting(int maxFiles, long maxBytes, string reason)
    {
        await using var harness = await HealthImagingHarness.StartAsync(HealthImagingHarness.Options() with
        {
            MaxFilesPerJob = maxFiles,
            MaxBytesPerJob = maxBytes,
            ImportTimePerFile = TimeSpan.FromMinutes(1),
        });
        harness.PutInput(Input, "a.dcm", SyntheticDicom.Instance("P1", "1.2.3", "1.2.3.4", "1.2.3.4.1"));
        harness.PutInput(Input, "b.dcm", SyntheticDicom.Instance("P1", "1.2.3", "1.2.3.4", "1.2.3.4.2"));
        var jobId = await harness.StartJobAsync("token", Input);

        // The fixed time only: a job over a quota does not spend time per file.
        var job = await harness.RunToEndAsync(jobId);

        Assert.Equal("FAILED", job.GetProperty("jobStatus").GetString());
        Assert.StartsWith(reason, job.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty(harness.Emulator.ImageSets);
    }

    [Fact]
    public async Task SignedClient_WhenStartIsThrottledOrOverQuota_ShouldThrowAThrottledTransientError()
    {
        // Arrange: the pipeline's own hand-written client, one attempt per call.
        await using var harness = await HealthImagingHarness.StartAsync(HealthImagingHarness.Options() with
        {
            StartRate = new RateLimit(1, 2),
            MaxConcurrentJobs = 1,
        });
        using var http = new HttpClient();
        var client = SignedClients.CreateImportService(
            http, "us-east-1", harness.Client.BaseAddress, AwsCredentialsSource.Fixed("AKIDEXAMPLE", "secret"), TimeProvider.System, TimeSpan.FromSeconds(10));
        await client.StartImportAsync(Request("token-1", "imports/A/"), CancellationToken.None);

        // Act
        var overQuota = await Assert.ThrowsAsync<TransientDependencyException>(() => client.StartImportAsync(Request("token-2", "imports/B/"), CancellationToken.None));
        var throttled = await Assert.ThrowsAsync<TransientDependencyException>(() => client.StartImportAsync(Request("token-3", "imports/C/"), CancellationToken.None));

        // Assert
        Assert.Equal("ServiceQuotaExceededException", overQuota.ErrorCode);
        Assert.True(overQuota.Throttled);
        Assert.Equal("ThrottlingException", throttled.ErrorCode);
        Assert.True(throttled.Throttled);
    }

    [SkippableFact]
    public async Task Boto3_WhenDrivenIntoEveryRefusal_ShouldParseTheModeledErrorClassesAndStatuses()
    {
        // Arrange: botocore's parsers come from the service model, like every AWS SDK's.
        var python = ExternalTool.RequirePython("boto3");
        await using var harness = await HealthImagingHarness.StartAsync(HealthImagingHarness.Options() with
        {
            StartRate = new RateLimit(1, 2),
            GetRate = new RateLimit(25, 2),
            MaxConcurrentJobs = 1,
        });
        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[]
        {
            Path.Combine(ExternalTool.RepoRoot, "test", "reference", "boto3_healthimaging_quotas.py"),
            harness.Client.BaseAddress?.ToString().TrimEnd('/') ?? throw new InvalidOperationException("not started"),
            HealthImagingHarness.DatastoreId,
            HealthImagingHarness.Bucket,
            HealthImagingHarness.RoleArn,
        })
        {
            start.ArgumentList.Add(argument);
        }

        // Act
        using var process = Process.Start(start) ?? throw new InvalidOperationException("python3 did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(timeout.Token);

        // Assert
        Assert.True(process.ExitCode == 0, $"boto3 script exited {process.ExitCode}: {await stderr}");
        var result = JsonNode.Parse(await stdout) ?? throw new InvalidOperationException("no output");
        Assert.NotNull(result["first"]?["ok"]);
        AssertError(result["overQuota"], "ServiceQuotaExceededException", 402);
        AssertError(result["throttled"], "ThrottlingException", 429);
        Assert.Equal("SUBMITTED", result["get2"]?["ok"]?.GetValue<string>());
        AssertError(result["getThrottled"], "ThrottlingException", 429);
        Assert.Equal(1, harness.Emulator.Counters.Throttled(HealthImagingOperation.StartDICOMImportJob));
        Assert.Equal(1, harness.Emulator.Counters.QuotaExceeded);
    }

    [Fact]
    public void Options_WhenARateCannotAdmitAnything_ShouldBeRefusedNamingIt()
    {
        var options = HealthImagingHarness.Options() with { StartRate = new RateLimit(1, 0) };

        var error = Assert.Throws<ArgumentException>(() => new HealthImagingEmulator(options, new InMemoryImportStorage(), new SyntheticDicom.Inspector()));

        Assert.Contains("StartRate", error.Message, StringComparison.Ordinal);
    }

    private static void AssertError(JsonNode? error, string code, int status)
    {
        Assert.Equal(code, error?["code"]?.GetValue<string>());
        Assert.Equal(status, error?["status"]?.GetValue<int>());
    }

    private static ImportJobRequest Request(string clientToken, string inputPrefix) => new(
        HealthImagingHarness.DatastoreId,
        "stroke-STUDY-0123456789ab",
        clientToken,
        $"s3://{HealthImagingHarness.Bucket}/{inputPrefix}",
        HealthImagingHarness.OutputS3Uri,
        HealthImagingHarness.RoleArn);

    private static async Task<string?> StatusAsync(HealthImagingHarness harness, string jobId)
    {
        using var response = await harness.GetJobAsync(jobId);
        var json = await HealthImagingHarness.JsonAsync(response);
        return json.GetProperty("jobProperties").GetProperty("jobStatus").GetString();
    }
}

using System.Diagnostics;
using System.Net;
using StrokeIngestion.Sandbox.HealthImaging;

namespace StrokeIngestion.EndToEnd.Tests.HealthImaging;

public sealed class HealthImagingFaultsTests : IAsyncLifetime
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
    public async Task StartDICOMImportJob_WhenThrottleRateIsOne_ShouldAnswer429ThrottlingAndCreateNoJob()
    {
        Harness.Emulator.Faults = HealthImagingFaults.None with { Start = new OperationFaults { ThrottleRate = 1 } };

        using var response = await Harness.PostStartAsync(HealthImagingHarness.StartBody());

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal("ThrottlingException", HealthImagingHarness.ErrorType(response));
        Assert.NotNull((await HealthImagingHarness.JsonAsync(response)).GetProperty("message").GetString());
        Assert.Equal(0, Harness.Emulator.Counters.TotalJobsCreated);
        Assert.Equal(1, Harness.Emulator.Counters.InjectedFaults(HealthImagingOperation.StartDICOMImportJob));
    }

    [Fact]
    public async Task GetDICOMImportJob_WhenServerErrorRateIsOneForGetOnly_ShouldAnswer500WhileStartStillWorks()
    {
        Harness.Emulator.Faults = HealthImagingFaults.None with { Get = new OperationFaults { ServerErrorRate = 1 } };

        var jobId = await Harness.StartJobAsync("token", Input);
        using var response = await Harness.GetJobAsync(jobId);

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("InternalServerException", HealthImagingHarness.ErrorType(response));
    }

    [Fact]
    public async Task Faults_WhenResetAtRuntime_ShouldStopInjecting()
    {
        Harness.Emulator.Faults = HealthImagingFaults.ForAllOperations(new OperationFaults { ThrottleRate = 1 });
        using var throttled = await Harness.ListJobsAsync();

        Harness.Emulator.Faults = HealthImagingFaults.None;
        using var served = await Harness.ListJobsAsync();

        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal(2, Harness.Emulator.Counters.Requests(HealthImagingOperation.ListDICOMImportJobs));
    }

    [Fact]
    public async Task Faults_WhenRateIsPartial_ShouldInjectTheSameSequenceForTheSameSeed()
    {
        var first = await StatusSequenceAsync(seed: 7);
        var second = await StatusSequenceAsync(seed: 7);

        Assert.Equal(first, second);
        Assert.Contains(HttpStatusCode.TooManyRequests, first);
        Assert.Contains(HttpStatusCode.OK, first);
    }

    [Fact]
    public async Task FailNextJobs_WhenSet_ShouldFailExactlyThatManyNewJobsAndStillWriteTheirOutput()
    {
        Harness.PutInput(Input, "a.dcm", SyntheticDicom.Instance("P1", "1.2.3", "1.2.3.4", "1.2.3.4.1"));
        Harness.Emulator.Faults = HealthImagingFaults.None with { FailNextJobs = 1, FailedJobMessage = "Injected failure for testing" };

        var failed = await Harness.StartJobAsync("token-1", Input);
        var replay = await Harness.StartJobAsync("token-1", Input);
        var healthy = await Harness.StartJobAsync("token-2", Input);
        var failedJob = await Harness.RunToEndAsync(failed);
        var healthyJob = await Harness.RunToEndAsync(healthy);

        Assert.Equal(failed, replay);
        Assert.Equal("FAILED", failedJob.GetProperty("jobStatus").GetString());
        Assert.Equal("Injected failure for testing", failedJob.GetProperty("message").GetString());
        Assert.Equal("COMPLETED", healthyJob.GetProperty("jobStatus").GetString());
        Assert.Equal(0, Harness.Emulator.Faults.FailNextJobs);
        var summary = Harness.Storage.ReadJson(HealthImagingHarness.Bucket, HealthImagingHarness.ManifestKey(failed)).GetProperty("jobSummary");
        Assert.Equal(1, summary.GetProperty("numberOfFilesWithServerError").GetInt32());
        Assert.Equal(0, summary.GetProperty("numberOfImportedFiles").GetInt32());
        var failure = Assert.Single(Harness.Storage.ReadNdjson(HealthImagingHarness.Bucket, HealthImagingHarness.OutputKey(failed, "FAILURE/failure.ndjson")));
        Assert.Equal("InternalServerException", failure.GetProperty("exception").GetProperty("exceptionType").GetString());
    }

    [Fact]
    public async Task AddedLatency_WhenSet_ShouldDelayTheAnswer()
    {
        await using var harness = await HealthImagingHarness.StartAsync(realTime: TimeProvider.System);
        harness.Emulator.Faults = HealthImagingFaults.None with { List = new OperationFaults { AddedLatency = TimeSpan.FromMilliseconds(300) } };
        var stopwatch = Stopwatch.StartNew();

        using var response = await harness.ListJobsAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(stopwatch.Elapsed >= TimeSpan.FromMilliseconds(290), $"answered after {stopwatch.Elapsed}");
    }

    private static async Task<List<HttpStatusCode>> StatusSequenceAsync(int seed)
    {
        await using var harness = await HealthImagingHarness.StartAsync(HealthImagingHarness.Options() with
        {
            FaultSeed = seed,
        });
        harness.Emulator.Faults = HealthImagingFaults.None with { List = new OperationFaults { ThrottleRate = 0.5 } };
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 20; i++)
        {
            using var response = await harness.ListJobsAsync();
            statuses.Add(response.StatusCode);
        }

        return statuses;
    }
}

using System.Diagnostics;
using System.Text.Json;
using StrokeIngestion.Sandbox.HealthImaging;
using StrokeIngestion.Testing;

namespace StrokeIngestion.EndToEnd.Tests.HealthImaging;

/// <summary>
/// Fidelity proof: the official AWS SDK for JavaScript v3 client (@aws-sdk/client-medical-imaging)
/// signs, sends and parses against the emulator as it would against the service.
/// </summary>
public sealed class HealthImagingOfficialClientTests : IAsyncLifetime
{
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

    [SkippableFact]
    public async Task OfficialClient_WhenDrivingTheImportApi_ShouldParseEveryResponseAndModeledError()
    {
        var result = await RunScriptAsync("scenario", HealthImagingHarness.DatastoreId, HealthImagingHarness.Bucket);

        var start = result.GetProperty("start");
        var jobId = start.GetProperty("jobId").GetString();
        Assert.Equal(200, start.GetProperty("httpStatusCode").GetInt32());
        Assert.Equal(HealthImagingHarness.DatastoreId, start.GetProperty("datastoreId").GetString());
        Assert.Equal("SUBMITTED", start.GetProperty("jobStatus").GetString());
        AssertDate("2026-11-25T10:00:00.250Z", start.GetProperty("submittedAt"));
        Assert.False(string.IsNullOrEmpty(start.GetProperty("requestId").GetString()));
        Assert.Equal(jobId, result.GetProperty("replayJobId").GetString());
        Assert.Equal(1, Harness.Emulator.Counters.JobsCreated("js-token-1"));

        var generatedTokenJobId = result.GetProperty("generatedTokenJobId").GetString();
        Assert.Matches("^[0-9a-z]{32}$", generatedTokenJobId);
        Assert.NotEqual(jobId, generatedTokenJobId);

        var get = result.GetProperty("get");
        Assert.Equal(jobId, get.GetProperty("jobId").GetString());
        Assert.Equal("stroke-STUDY-js0000000001", get.GetProperty("jobName").GetString());
        Assert.Equal("SUBMITTED", get.GetProperty("jobStatus").GetString());
        Assert.Equal(HealthImagingHarness.RoleArn, get.GetProperty("dataAccessRoleArn").GetString());
        Assert.Equal($"s3://{HealthImagingHarness.Bucket}/imports/STUDY-js0000000001/", get.GetProperty("inputS3Uri").GetString());
        Assert.Equal($"s3://{HealthImagingHarness.Bucket}/import-output/STUDY-js0000000001/", get.GetProperty("outputS3Uri").GetString());
        AssertDate("2026-11-25T10:00:00.250Z", get.GetProperty("submittedAt"));
        Assert.Equal(JsonValueKind.Null, get.GetProperty("endedAt").ValueKind);

        var list = result.GetProperty("list");
        Assert.Equal([generatedTokenJobId, jobId], list.GetProperty("jobIds").EnumerateArray().Select(j => j.GetString()));
        Assert.Equal("SUBMITTED", list.GetProperty("first").GetProperty("jobStatus").GetString());
        Assert.Equal(HealthImagingHarness.RoleArn, list.GetProperty("first").GetProperty("dataAccessRoleArn").GetString());
        AssertDate("2026-11-25T10:00:00.250Z", list.GetProperty("first").GetProperty("submittedAt"));
        Assert.Equal(JsonValueKind.Null, list.GetProperty("nextToken").ValueKind);

        var paged = result.GetProperty("paged");
        Assert.Equal(2, paged.GetProperty("pages").GetInt32());
        Assert.Equal([generatedTokenJobId, jobId], paged.GetProperty("jobIds").EnumerateArray().Select(j => j.GetString()));

        AssertModeledError(result.GetProperty("notFound"), "ResourceNotFoundException", 404);
        AssertModeledError(result.GetProperty("invalid"), "ValidationException", 400);
        AssertModeledError(result.GetProperty("conflict"), "ConflictException", 409);
    }

    [SkippableFact]
    public async Task OfficialClient_WhenJobHasEnded_ShouldParseEndedAtAndTheResolvedOutputLocation()
    {
        Harness.PutInput("imports/STUDY-0123456789ab/", "ct-1.dcm", SyntheticDicom.Instance("P1", "1.2.3", "1.2.3.4", "1.2.3.4.1"));
        var jobId = await Harness.StartJobAsync("token", "imports/STUDY-0123456789ab/");
        Harness.Time.Advance(TimeSpan.FromSeconds(2));

        var job = await RunScriptAsync("get", HealthImagingHarness.DatastoreId, jobId);

        Assert.Equal("COMPLETED", job.GetProperty("jobStatus").GetString());
        AssertDate("2026-11-25T10:00:02.250Z", job.GetProperty("endedAt"));
        Assert.Equal(
            $"{HealthImagingHarness.OutputS3Uri}{HealthImagingHarness.DatastoreId}-DicomImport-{jobId}/",
            job.GetProperty("outputS3Uri").GetString());
        Assert.Equal(JsonValueKind.Null, job.GetProperty("message").ValueKind);
    }

    [SkippableFact]
    public async Task OfficialClient_WhenStartIsThrottled_ShouldRaiseThrottlingExceptionAndRetryIt()
    {
        Harness.Emulator.Faults = HealthImagingFaults.None with { Start = new OperationFaults { ThrottleRate = 1 } };

        var result = await RunScriptAsync("throttled", HealthImagingHarness.DatastoreId, HealthImagingHarness.Bucket);

        var single = result.GetProperty("single");
        AssertModeledError(single, "ThrottlingException", 429);
        Assert.Equal(1, single.GetProperty("attempts").GetInt32());
        var retried = result.GetProperty("retried");
        AssertModeledError(retried, "ThrottlingException", 429);
        Assert.Equal(2, retried.GetProperty("attempts").GetInt32());
        Assert.Equal(3, Harness.Emulator.Counters.Requests(HealthImagingOperation.StartDICOMImportJob));
        Assert.Equal(0, Harness.Emulator.Counters.TotalJobsCreated);
    }

    private static void AssertDate(string expectedIso, JsonElement date)
    {
        Assert.True(date.GetProperty("isDate").GetBoolean());
        Assert.Equal(expectedIso, date.GetProperty("iso").GetString());
    }

    private static void AssertModeledError(JsonElement error, string name, int status)
    {
        Assert.Equal(name, error.GetProperty("name").GetString());
        Assert.True(error.GetProperty("isInstance").GetBoolean(), $"{name} was not an instance of the SDK's exception class");
        Assert.Equal(status, error.GetProperty("httpStatusCode").GetInt32());
        Assert.Equal("client", error.GetProperty("fault").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
    }

    private async Task<JsonElement> RunScriptAsync(params string[] arguments)
    {
        var node = ExternalTool.Require("node", "install Node.js 20");
        ExternalTool.Require(
            Path.Combine(ExternalTool.RepoRoot, "node_modules", "@aws-sdk", "client-medical-imaging", "package.json"),
            "run `npm ci` at the repository root");
        var start = new ProcessStartInfo(node)
        {
            WorkingDirectory = ExternalTool.RepoRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "js", "healthimaging", "official-client.mjs"));
        start.ArgumentList.Add(Harness.Client.BaseAddress?.ToString().TrimEnd('/') ?? throw new InvalidOperationException("no endpoint"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        var output = await stdout;
        Assert.True(process.ExitCode == 0, $"node exited {process.ExitCode}: {await stderr}");
        return JsonDocument.Parse(output).RootElement;
    }
}

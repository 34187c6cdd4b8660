using System.Diagnostics;
using System.Text.Json.Nodes;
using StrokeIngestion.Testing;

namespace StrokeIngestion.EndToEnd.Tests.Sandbox;

/// <summary>
/// boto3 (botocore's parsers, generated from the same models as every AWS SDK) driving the
/// sandbox's HealthImaging and Step Functions emulators through every operation the pipeline
/// and its operators use: a reference client no one here wrote.
/// </summary>
[Collection(SharedSandbox.Name)]
public sealed class Boto3EmulatorTests(SandboxFixture sandbox)
{
    [SkippableFact]
    public async Task Boto3_WhenDrivingTheEmulators_ShouldParseEveryAnswerAndErrorClass()
    {
        // Arrange
        var python = ExternalTool.RequirePython("boto3");
        var environment = sandbox.Host.ClientEnvironment();
        var folder = SandboxFixture.NewFolder("boto3").Replace("uploads/", "imports/", StringComparison.Ordinal);
        await sandbox.PutObjectAsync(folder + "slice-1.dcm", SandboxFixture.NewStudy("CT", "BOTO3-PATIENT-0401").Files[0]);
        sandbox.RecordPhi("BOTO3-PATIENT-0401");
        var bucket = environment["BUCKET"];
        var executionName = "boto3-" + Guid.NewGuid().ToString("N")[..12];

        // Act
        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[]
        {
            Path.Combine(ExternalTool.RepoRoot, "test", "reference", "boto3_drive_emulators.py"),
            $"s3://{bucket}/{folder}",
            $"s3://{bucket}/import-output/boto3/",
            "arn:aws:iam::000000000000:role/stroke-detection-ai-import",
            executionName,
        })
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("python3 did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);

        // Assert
        Assert.True(process.ExitCode == 0, $"boto3 script exited {process.ExitCode}: {await stderr}");
        var result = JsonNode.Parse(await stdout) ?? throw new InvalidOperationException("no output");
        Assert.Equal("SUBMITTED", result["start"]?["jobStatus"]?.GetValue<string>());
        Assert.True(result["start"]?["submittedAtIsDatetime"]?.GetValue<bool>());
        Assert.Equal("COMPLETED", result["get"]?["jobStatus"]?.GetValue<string>());
        Assert.True(result["get"]?["endedAtIsDatetime"]?.GetValue<bool>());
        Assert.EndsWith($"-DicomImport-{result["start"]?["jobId"]?.GetValue<string>()}/", result["get"]?["outputS3Uri"]?.GetValue<string>(), StringComparison.Ordinal);
        Assert.True(result["listed"]?.GetValue<bool>());
        AssertError(result["getUnknownJob"], "ResourceNotFoundException", 404);
        AssertError(result["startInvalid"], "ValidationException", 400);

        Assert.EndsWith(":" + executionName, result["startExecution"]?["executionArn"]?.GetValue<string>(), StringComparison.Ordinal);
        Assert.True(result["startExecution"]?["startDateIsDatetime"]?.GetValue<bool>());
        Assert.Equal(executionName, result["describe"]?["name"]?.GetValue<string>());
        Assert.True(result["describe"]?["startDateIsDatetime"]?.GetValue<bool>());
        AssertError(result["alreadyExists"], "ExecutionAlreadyExists", 400);
        AssertError(result["describeUnknown"], "ExecutionDoesNotExist", 400);
        AssertError(result["sendTaskSuccessBadToken"], "InvalidToken", 400);
        Assert.NotEqual("RUNNING", result["afterStop"]?["status"]?.GetValue<string>());
    }

    private static void AssertError(JsonNode? error, string code, int status)
    {
        Assert.Equal(code, error?["code"]?.GetValue<string>());
        Assert.Equal(status, error?["status"]?.GetValue<int>());
    }
}

using System.Diagnostics;
using System.Text.Json;
using StrokeIngestion.Testing;

namespace StrokeIngestion.EndToEnd.Tests.Sandbox;

/// <summary>
/// The seed's usage flow with the machine's AWS CLI (the first working <c>aws</c> on PATH) and the environment the
/// sandbox writes for a shell: <c>aws s3 cp</c> a scan into the bucket, POST it, then read the
/// study with <c>dynamodb get-item</c> and the workflow with <c>stepfunctions describe-execution</c>.
/// </summary>
[Collection(SharedSandbox.Name)]
public sealed class SandboxOperatorCliTests
{
    private static readonly TimeSpan CliTimeout = TimeSpan.FromSeconds(60);

    private readonly SandboxFixture _sandbox;

    public SandboxOperatorCliTests(SandboxFixture sandbox) => _sandbox = sandbox;

    [SkippableFact]
    public async Task AwsCli_WhenAnOperatorFollowsTheSeedsCommands_ShouldCopyTheScanAndReadReadyAndSucceeded()
    {
        // Arrange
        var aws = ExternalTool.RequireAwsCli();
        var host = _sandbox.Host;
        var environment = host.ClientEnvironment();
        var scratch = Directory.CreateTempSubdirectory("sandbox-cli-");
        try
        {
            var study = SandboxFixture.NewStudy("CT", "CLI-PATIENT-0301");
            var localFile = Path.Combine(scratch.FullName, "brain_scan.dcm");
            await File.WriteAllBytesAsync(localFile, study.Files[0]);
            var key = SandboxFixture.NewFolder("cli") + "brain_scan.dcm";
            _sandbox.RecordPhi("CLI-PATIENT-0301", key);

            // Act
            var copy = await RunAsync(aws, scratch.FullName, environment, "--endpoint-url", environment["S3_ENDPOINT"], "s3", "cp", localFile, $"s3://{environment["BUCKET"]}/{key}");
            var studyId = await _sandbox.PostAcceptedAsync("CLI-PATIENT-0301", key);
            var record = await _sandbox.WaitForTerminalStudyAsync(studyId);
            await _sandbox.WaitForExecutionAsync(SandboxFixture.Text(record, "execution_arn"));
            var getItem = await RunAsync(
                aws,
                scratch.FullName,
                environment,
                "--endpoint-url",
                environment["DYNAMODB_ENDPOINT"],
                "dynamodb",
                "get-item",
                "--table-name",
                environment["TABLE"],
                "--key",
                $$$"""{"study_id": {"S": "{{{studyId}}}"}}""");
            var describe = await RunAsync(
                aws,
                scratch.FullName,
                environment,
                "--endpoint-url",
                environment["STEPFUNCTIONS_ENDPOINT"],
                "stepfunctions",
                "describe-execution",
                "--execution-arn",
                $"arn:aws:states:us-east-1:000000000000:execution:stroke-detection-ai-processing:stroke-analysis-{studyId}");

            // Assert
            Assert.True(copy.ExitCode == 0, $"aws s3 cp failed: {copy.StandardError}");
            Assert.True(getItem.ExitCode == 0, $"aws dynamodb get-item failed: {getItem.StandardError}");
            Assert.True(describe.ExitCode == 0, $"aws stepfunctions describe-execution failed: {describe.StandardError}");
            using var item = JsonDocument.Parse(getItem.StandardOutput);
            var attributes = item.RootElement.GetProperty("Item");
            Assert.Equal("READY_FOR_ANALYSIS", attributes.GetProperty("status").GetProperty("S").GetString());
            Assert.Equal(SandboxFixture.Text(record, "image_set_id"), attributes.GetProperty("image_set_id").GetProperty("S").GetString());
            using var execution = JsonDocument.Parse(describe.StandardOutput);
            Assert.Equal("SUCCEEDED", execution.RootElement.GetProperty("status").GetString());
            Assert.Equal(host.StateMachineArn, execution.RootElement.GetProperty("stateMachineArn").GetString());
            Assert.Equal(study.Files[0].Length.ToString(System.Globalization.CultureInfo.InvariantCulture), SandboxFixture.Text(record, "total_bytes"));
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }

    [SkippableFact]
    public async Task AwsCli_WhenTheStudyDoesNotExist_ShouldPrintNoItem()
    {
        // Arrange
        var aws = ExternalTool.RequireAwsCli();
        var environment = _sandbox.Host.ClientEnvironment();

        // Act
        var getItem = await RunAsync(
            aws,
            Path.GetTempPath(),
            environment,
            "--endpoint-url",
            environment["DYNAMODB_ENDPOINT"],
            "dynamodb",
            "get-item",
            "--table-name",
            environment["TABLE"],
            "--key",
            """{"study_id": {"S": "STUDY-000000000000"}}""");

        // Assert: get-item prints nothing at all for a missing key.
        Assert.True(getItem.ExitCode == 0, $"aws dynamodb get-item failed: {getItem.StandardError}");
        Assert.Equal(string.Empty, getItem.StandardOutput.Trim());
    }

    private static async Task<CliResult> RunAsync(string aws, string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo(aws)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        // Only the sandbox's environment counts: no profile, pager or instance metadata of this machine.
        start.Environment["AWS_CONFIG_FILE"] = Path.Combine(workingDirectory, "no-aws-config");
        start.Environment["AWS_SHARED_CREDENTIALS_FILE"] = Path.Combine(workingDirectory, "no-aws-credentials");
        start.Environment["AWS_PAGER"] = string.Empty;
        start.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
        start.Environment.Remove("AWS_PROFILE");
        start.Environment.Remove("AWS_SESSION_TOKEN");

        using var process = Process.Start(start) ?? throw new InvalidOperationException("aws did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(CliTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"aws {string.Join(' ', arguments.Take(4))} did not finish within {CliTimeout}.");
        }

        return new CliResult(process.ExitCode, await output, await errors);
    }

    private sealed record CliResult(int ExitCode, string StandardOutput, string StandardError);
}

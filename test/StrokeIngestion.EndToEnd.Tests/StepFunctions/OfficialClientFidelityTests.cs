using System.Text.Json.Nodes;
using StrokeIngestion.Sandbox.StepFunctions;

namespace StrokeIngestion.EndToEnd.Tests.StepFunctions;

/// <summary>
/// The official AWS SDK for JavaScript v3 client (<c>@aws-sdk/client-sfn</c>) against the
/// emulator: proves the wire format (members, epoch timestamps, error shapes) is what a real
/// client parses, not only what our own tests expect.
/// </summary>
public sealed class OfficialClientFidelityTests
{
    [SkippableFact]
    public async Task ClientSfn_WhenDrivingTheEmulator_ShouldParseResultsAndErrorsIntoTheRightTypes()
    {
        // Arrange
        NodeScript.RequirePackage("@aws-sdk/client-sfn");
        await using var emulator = new StepFunctionsEmulator();
        var blocking = emulator.RegisterStateMachine("blocking", """{"StartAt":"Hold","States":{"Hold":{"Type":"Wait","Seconds":3600,"End":true}}}""");
        var quick = emulator.RegisterStateMachine("quick", """{"StartAt":"Echo","States":{"Echo":{"Type":"Pass","Parameters":{"got.$":"$.value"},"End":true}}}""");
        var endpoint = await emulator.StartAsync();

        // Act
        var (exitCode, stdout, stderr) = await NodeScript.RunAsync(
            Path.Combine("sfn", "client-fidelity.mjs"),
            [endpoint.ToString().TrimEnd('/'), blocking, quick],
            TimeSpan.FromSeconds(60));

        // Assert
        Assert.True(exitCode == 0, $"node exited {exitCode}: {stderr}");
        var result = JsonNode.Parse(stdout) ?? throw new InvalidOperationException("No output from node.");
        var executionArn = "arn:aws:states:us-east-1:000000000000:execution:blocking:fidelity-1";

        Assert.Equal(executionArn, result["start"]?["executionArn"]?.GetValue<string>());
        Assert.True(result["start"]?["startDateIsDate"]?.GetValue<bool>());
        var startedMs = result["start"]?["startDateMs"]?.GetValue<double>();
        Assert.Equal(emulator.Executions()[0].StartDate.ToUnixTimeMilliseconds(), startedMs);

        Assert.Equal(executionArn, result["replay"]?["executionArn"]?.GetValue<string>());
        Assert.Equal(startedMs, result["replay"]?["startDateMs"]?.GetValue<double>());

        AssertError(result["alreadyExists"], "ExecutionAlreadyExists");
        AssertError(result["noStateMachine"], "StateMachineDoesNotExist");
        AssertError(result["invalidName"], "InvalidName");
        AssertError(result["noExecution"], "ExecutionDoesNotExist");

        Assert.Equal("RUNNING", result["describe"]?["status"]?.GetValue<string>());
        Assert.Equal("fidelity-1", result["describe"]?["name"]?.GetValue<string>());
        Assert.Equal(blocking, result["describe"]?["stateMachineArn"]?.GetValue<string>());
        Assert.Equal("""{"study_id":"STUDY-0123456789ab"}""", result["describe"]?["input"]?.GetValue<string>());
        Assert.True(result["describe"]?["startDateIsDate"]?.GetValue<bool>());
        Assert.Equal(startedMs, result["describe"]?["startDateMs"]?.GetValue<double>());

        var listed = Assert.Single(result["list"]?.AsArray() ?? []);
        Assert.Equal("fidelity-1", listed?["name"]?.GetValue<string>());
        Assert.Equal("RUNNING", listed?["status"]?.GetValue<string>());
        Assert.True(listed?["startDateIsDate"]?.GetValue<bool>());

        Assert.True(result["stop"]?["stopDateIsDate"]?.GetValue<bool>());
        Assert.Equal("ABORTED", result["stop"]?["status"]?.GetValue<string>());
        Assert.Equal("Fidelity", result["stop"]?["error"]?.GetValue<string>());
        Assert.True(result["stop"]?["stopDateIsDateOnDescribe"]?.GetValue<bool>());

        Assert.Equal("SUCCEEDED", result["quick"]?["status"]?.GetValue<string>());
        Assert.Equal("""{"got":42}""", result["quick"]?["output"]?.GetValue<string>());
        Assert.True(result["quick"]?["stopDateIsDate"]?.GetValue<bool>());
        Assert.Matches("^[0-9a-f-]{36}$", result["quick"]?["generatedName"]?.GetValue<string>() ?? string.Empty);

        Assert.Equal(new StepFunctionsCounters(6, 2, 1, 1, 2), emulator.Counters);
    }

    private static void AssertError(JsonNode? error, string expectedName)
    {
        Assert.True(error?["thrown"]?.GetValue<bool>(), $"{expectedName} was not thrown");
        Assert.Equal(expectedName, error?["name"]?.GetValue<string>());
        Assert.True(error?["isExpectedClass"]?.GetValue<bool>(), $"{expectedName} did not map to its exception class");
        Assert.Equal(400, error?["httpStatusCode"]?.GetValue<int>());
    }
}

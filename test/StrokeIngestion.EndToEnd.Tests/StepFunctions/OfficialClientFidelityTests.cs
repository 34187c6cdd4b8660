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

    [SkippableFact]
    public async Task ClientSfn_WhenAnsweringWaitingTasks_ShouldGetEmptyResultsAndTheModeledErrorClasses()
    {
        // Arrange
        NodeScript.RequirePackage("@aws-sdk/client-sfn");
        await using var emulator = new StepFunctionsEmulator();
        var tokens = new System.Collections.Concurrent.ConcurrentQueue<string>();
        emulator.RegisterFunction("fn", async (input, cancellationToken) =>
        {
            var payload = await JsonNode.ParseAsync(input, cancellationToken: cancellationToken);
            tokens.Enqueue(payload?["task_token"]?.GetValue<string>() ?? string.Empty);
            return new MemoryStream("null"u8.ToArray());
        });
        var arn = emulator.RegisterStateMachine("callback", WaitForTaskTokenTests.Definition);
        var first = emulator.StartExecution(arn, "first", """{"study_id":"STUDY-0123456789ab"}""").Value?.ExecutionArn ?? string.Empty;
        var second = emulator.StartExecution(arn, "second", """{"study_id":"STUDY-ffffffffffff"}""").Value?.ExecutionArn ?? string.Empty;
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (emulator.Executions().Any(e => !e.AwaitingTaskToken))
        {
            await Task.Delay(5, guard.Token);
        }

        var byExecution = emulator.TaskTokens.Open().ToDictionary(c => c.ExecutionArn, c => c.Token);
        await using var other = new StepFunctionsEmulator();
        var foreign = other.TaskTokens.Issue(first, "Await").Token;
        var endpoint = await emulator.StartAsync();

        // Act
        var (exitCode, stdout, stderr) = await NodeScript.RunAsync(
            Path.Combine("sfn", "task-token.mjs"),
            [endpoint.ToString().TrimEnd('/'), byExecution[first], byExecution[second], foreign],
            TimeSpan.FromSeconds(60));
        var firstDone = await emulator.WaitForCompletionAsync(first, guard.Token);
        var secondDone = await emulator.WaitForCompletionAsync(second, guard.Token);

        // Assert
        Assert.True(exitCode == 0, $"node exited {exitCode}: {stderr}");
        var result = JsonNode.Parse(stdout) ?? throw new InvalidOperationException("No output from node.");
        foreach (var accepted in new[] { "success", "failure" })
        {
            Assert.True(result[accepted]?["ok"]?.GetValue<bool>(), $"{accepted}: {result[accepted]}");
            Assert.Equal(200, result[accepted]?["httpStatusCode"]?.GetValue<int>());
            Assert.Equal("{}", result[accepted]?["members"]?.ToJsonString());
        }

        AssertTaskError(result["invalidOutput"], "InvalidOutput");
        AssertTaskError(result["successAgain"], "TaskTimedOut");
        AssertTaskError(result["malformed"], "InvalidToken");
        AssertTaskError(result["foreign"], "TaskDoesNotExist");
        Assert.Equal(["Await", "Done"], firstDone.VisitedStates);
        Assert.Equal("""{"woken":true}""", JsonNode.Parse(firstDone.Output ?? "null")?["callback"]?.ToJsonString());
        Assert.Equal(["Await", "Failed"], secondDone.VisitedStates);
        Assert.Equal("Import.Failed", JsonNode.Parse(secondDone.Output ?? "null")?["error"]?["Error"]?.GetValue<string>());
        Assert.Equal(new TaskTokenCounters(2, 1, 1, 0, 0, 4), emulator.TaskTokens.Counters);
    }

    private static void AssertTaskError(JsonNode? error, string expectedName)
    {
        Assert.False(error?["ok"]?.GetValue<bool>(), $"{expectedName} was not thrown");
        Assert.Equal(expectedName, error?["name"]?.GetValue<string>());
        Assert.True(error?["isModeledClass"]?.GetValue<bool>(), $"{expectedName} did not map to its exception class");
        Assert.Equal(400, error?["httpStatusCode"]?.GetValue<int>());
    }

    private static void AssertError(JsonNode? error, string expectedName)
    {
        Assert.True(error?["thrown"]?.GetValue<bool>(), $"{expectedName} was not thrown");
        Assert.Equal(expectedName, error?["name"]?.GetValue<string>());
        Assert.True(error?["isExpectedClass"]?.GetValue<bool>(), $"{expectedName} did not map to its exception class");
        Assert.Equal(400, error?["httpStatusCode"]?.GetValue<int>());
    }
}

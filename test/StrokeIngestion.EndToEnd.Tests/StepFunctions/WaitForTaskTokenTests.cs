using System.Text.Json.Nodes;
using StrokeIngestion.Sandbox.StepFunctions;
using StrokeIngestion.Sandbox.StepFunctions.Asl;

namespace StrokeIngestion.EndToEnd.Tests.StepFunctions;

/// <summary>
/// <c>lambda:invoke.waitForTaskToken</c>: a token per attempt in <c>$$.Task.Token</c>, the task
/// parked until SendTaskSuccess/SendTaskFailure or its TimeoutSeconds, and closed tokens refused.
/// </summary>
public sealed class WaitForTaskTokenTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(20);

    /// <summary>The shape of the product's AwaitImportEnd, on a small scale.</summary>
    internal const string Definition = """
        {"StartAt":"Await","States":{
          "Await":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken",
            "Parameters":{"FunctionName":"fn","Payload":{"study_id.$":"$.study_id","task_token.$":"$$.Task.Token"}},
            "TimeoutSeconds":600,"ResultPath":"$.callback",
            "Catch":[{"ErrorEquals":["States.Timeout"],"ResultPath":"$.error","Next":"TimedOut"},
                     {"ErrorEquals":["States.ALL"],"ResultPath":"$.error","Next":"Failed"}],
            "Next":"Done"},
          "Done":{"Type":"Succeed"},
          "TimedOut":{"Type":"Pass","End":true},
          "Failed":{"Type":"Pass","End":true}}}
        """;

    [Fact]
    public async Task SendTaskSuccess_WhenTheTaskWaits_ShouldResumeItWithTheOutputAtItsResultPath()
    {
        // Arrange
        await using var emulator = Create(timeScale: 1);
        var function = new ScriptedFunction().Then(_ => new JsonObject { ["armed"] = true });
        var executionArn = Start(emulator, function);
        var token = await WaitForAwaitingTokenAsync(emulator, function, executionArn);

        // Act
        var answer = emulator.SendTaskSuccess(token, """{"woken_by":"event"}""");
        var execution = await WaitAsync(emulator, executionArn);

        // Assert
        Assert.Null(answer.Error);
        Assert.Equal(ExecutionStatus.Succeeded, execution.Status);
        var output = JsonNode.Parse(execution.Output ?? "null");
        Assert.Equal("STUDY-0123456789ab", output?["study_id"]?.GetValue<string>());
        Assert.Equal("event", output?["callback"]?["woken_by"]?.GetValue<string>());
        Assert.Equal("STUDY-0123456789ab", function.Inputs[0]?["study_id"]?.GetValue<string>());
        Assert.Equal(["Await", "Done"], execution.VisitedStates);
        Assert.Equal(2, execution.StateTransitions);
        Assert.Equal(new TaskTokenCounters(1, 1, 0, 0, 0, 0), emulator.TaskTokens.Counters);
    }

    [Fact]
    public async Task SendTaskSuccess_WhenTheTaskAlreadyResumed_ShouldAnswerTaskTimedOut()
    {
        // Arrange
        await using var emulator = Create(timeScale: 1);
        var function = new ScriptedFunction().Then(_ => null);
        var executionArn = Start(emulator, function);
        var token = await WaitForAwaitingTokenAsync(emulator, function, executionArn);
        Assert.Null(emulator.SendTaskSuccess(token, "{}").Error);
        await WaitAsync(emulator, executionArn);

        // Act
        var again = emulator.SendTaskSuccess(token, "{}");
        var failure = emulator.SendTaskFailure(token, "Late", null);

        // Assert
        Assert.Equal("TaskTimedOut", again.Error?.Type);
        Assert.Equal("TaskTimedOut", failure.Error?.Type);
        Assert.Equal(2, emulator.TaskTokens.Counters.RejectedCalls);
    }

    [Fact]
    public async Task SendTaskFailure_WhenTheTaskWaits_ShouldFailItIntoTheMatchingCatch()
    {
        // Arrange
        await using var emulator = Create(timeScale: 1);
        var function = new ScriptedFunction().Then(_ => null);
        var executionArn = Start(emulator, function);
        var token = await WaitForAwaitingTokenAsync(emulator, function, executionArn);

        // Act
        var answer = emulator.SendTaskFailure(token, "Import.Failed", "the job failed");
        var execution = await WaitAsync(emulator, executionArn);

        // Assert
        Assert.Null(answer.Error);
        Assert.Equal(["Await", "Failed"], execution.VisitedStates);
        var error = JsonNode.Parse(execution.Output ?? "null")?["error"];
        Assert.Equal("Import.Failed", error?["Error"]?.GetValue<string>());
        Assert.Equal("the job failed", error?["Cause"]?.GetValue<string>());
        Assert.Equal(1, emulator.TaskTokens.Counters.Failed);
    }

    [Fact]
    public async Task Run_WhenNoAnswerComesWithinTimeoutSeconds_ShouldCatchStatesTimeoutAndRefuseTheTokenAfterwards()
    {
        // Arrange: 600 s × 0.001 = 0.6 s on the real clock.
        await using var emulator = Create(timeScale: 0.001);
        var function = new ScriptedFunction().Then(_ => null);
        var executionArn = Start(emulator, function);

        // Act
        var execution = await WaitAsync(emulator, executionArn);
        var token = function.Inputs[0]?["task_token"]?.GetValue<string>();
        var late = emulator.SendTaskSuccess(token, "{}");

        // Assert
        Assert.Equal(["Await", "TimedOut"], execution.VisitedStates);
        Assert.Equal("States.Timeout", JsonNode.Parse(execution.Output ?? "null")?["error"]?["Error"]?.GetValue<string>());
        Assert.Equal("TaskTimedOut", late.Error?.Type);
        Assert.Equal(new TaskTokenCounters(1, 0, 0, 1, 0, 1), emulator.TaskTokens.Counters);
    }

    [Fact]
    public async Task Run_WhenTheFunctionAnswersDuringItsOwnInvocation_ShouldResumeAtOnce()
    {
        // Arrange: what the monitor does when the import event came before the workflow armed.
        await using var emulator = Create(timeScale: 1);
        SfnResult<TaskTokenAccepted>? answer = null;
        var function = new ScriptedFunction().Then(input =>
        {
            answer = emulator.SendTaskSuccess(input?["task_token"]?.GetValue<string>(), "{}");
            return new JsonObject { ["armed"] = false };
        });

        // Act
        var execution = await WaitAsync(emulator, Start(emulator, function));

        // Assert
        Assert.Null(answer?.Error);
        Assert.Equal(ExecutionStatus.Succeeded, execution.Status);
        Assert.Equal(["Await", "Done"], execution.VisitedStates);
    }

    [Fact]
    public async Task Run_WhenTheInvocationFailsAndIsRetried_ShouldIssueANewTokenPerAttemptAndCountTheRetry()
    {
        // Arrange
        var definition = Definition.Replace(
            "\"TimeoutSeconds\":600,",
            "\"TimeoutSeconds\":600,\"Retry\":[{\"ErrorEquals\":[\"Lambda.ServiceException\"],\"IntervalSeconds\":1,\"MaxAttempts\":1}],",
            StringComparison.Ordinal);
        await using var emulator = Create(timeScale: 0.01);
        var function = new ScriptedFunction()
            .ThenThrow(new StatesErrorException("Lambda.ServiceException", "500"))
            .Then(_ => null);
        var executionArn = Start(emulator, function, definition);
        var token = await WaitForAwaitingTokenAsync(emulator, function, executionArn);

        // Act
        emulator.SendTaskSuccess(token, "{}");
        var execution = await WaitAsync(emulator, executionArn);

        // Assert
        var tokens = function.Inputs.Select(i => i?["task_token"]?.GetValue<string>()).ToList();
        Assert.Equal(2, tokens.Distinct().Count());
        Assert.Equal(tokens[1], token);
        Assert.Equal(ExecutionStatus.Succeeded, execution.Status);
        Assert.Equal(3, execution.StateTransitions);
        Assert.Equal(new TaskTokenCounters(2, 1, 0, 0, 1, 0), emulator.TaskTokens.Counters);
        Assert.Equal("TaskTimedOut", emulator.SendTaskSuccess(tokens[0], "{}").Error?.Type);
    }

    [Fact]
    public async Task StopExecution_WhenATaskWaitsForItsToken_ShouldCloseTheToken()
    {
        // Arrange
        await using var emulator = Create(timeScale: 1);
        var function = new ScriptedFunction().Then(_ => null);
        var executionArn = Start(emulator, function);
        var token = await WaitForAwaitingTokenAsync(emulator, function, executionArn);

        // Act
        emulator.StopExecution(executionArn, null, null);
        await WaitAsync(emulator, executionArn);
        await WaitUntilAsync(() => emulator.TaskTokens.Open().Count == 0);

        // Assert
        Assert.Equal("TaskTimedOut", emulator.SendTaskSuccess(token, "{}").Error?.Type);
        Assert.Equal(1, emulator.TaskTokens.Counters.Abandoned);
    }

    [Theory]
    [InlineData(null, "ValidationException")]
    [InlineData("", "ValidationException")]
    [InlineData("not-a-token", "InvalidToken")]
    public async Task SendTaskSuccess_WhenTheTokenIsMissingOrMalformed_ShouldBeRefused(string? token, string expected)
    {
        // Arrange
        await using var emulator = Create(timeScale: 1);

        // Act
        var answer = emulator.SendTaskSuccess(token, "{}");

        // Assert
        Assert.Equal(expected, answer.Error?.Type);
    }

    [Fact]
    public async Task SendTaskSuccess_WhenATokenIsWellFormedButNeverIssued_ShouldAnswerTaskDoesNotExist()
    {
        // Arrange
        await using var issuer = Create(timeScale: 1);
        var foreign = issuer.TaskTokens.Issue("arn:aws:states:us-east-1:000000000000:execution:other:run", "Await").Token;
        await using var emulator = Create(timeScale: 1);

        // Act
        var answer = emulator.SendTaskSuccess(foreign, "{}");

        // Assert
        Assert.Equal("TaskDoesNotExist", answer.Error?.Type);
    }

    [Fact]
    public async Task SendTaskSuccess_WhenTheOutputIsNotJson_ShouldAnswerInvalidOutputAndKeepTheTaskWaiting()
    {
        // Arrange
        await using var emulator = Create(timeScale: 1);
        var function = new ScriptedFunction().Then(_ => null);
        var executionArn = Start(emulator, function);
        var token = await WaitForAwaitingTokenAsync(emulator, function, executionArn);

        // Act
        var invalid = emulator.SendTaskSuccess(token, "{not json");
        var stillRunning = emulator.DescribeExecution(executionArn).Value?.IsRunning;
        var valid = emulator.SendTaskSuccess(token, """{"ok":true}""");
        var execution = await WaitAsync(emulator, executionArn);

        // Assert
        Assert.Equal("InvalidOutput", invalid.Error?.Type);
        Assert.True(stillRunning);
        Assert.Null(valid.Error);
        Assert.Equal(ExecutionStatus.Succeeded, execution.Status);
    }

    [Fact]
    public void Parse_WhenAWaitForTaskTokenTaskDoesNotPassTheToken_ShouldRejectTheDefinition()
    {
        // Arrange
        var definition = Definition.Replace(",\"task_token.$\":\"$$.Task.Token\"", string.Empty, StringComparison.Ordinal);

        // Act
        var error = Assert.Throws<AslDefinitionException>(() => AslStateMachine.Parse(definition));

        // Assert
        Assert.Contains("$$.Task.Token", error.Message, StringComparison.Ordinal);
    }

    private static StepFunctionsEmulator Create(double timeScale) => new(new StepFunctionsEmulatorOptions { TimeScale = timeScale });

    private static string Start(StepFunctionsEmulator emulator, ScriptedFunction function, string definition = Definition)
    {
        emulator.RegisterFunction("fn", function.HandleAsync);
        var arn = emulator.RegisterStateMachine("callback", definition);
        var started = emulator.StartExecution(arn, "run-1", """{"study_id":"STUDY-0123456789ab"}""");
        Assert.Null(started.Error);
        return started.Value?.ExecutionArn ?? string.Empty;
    }

    /// <summary>The token of the attempt now waiting (its function has returned).</summary>
    private static async Task<string> WaitForAwaitingTokenAsync(StepFunctionsEmulator emulator, ScriptedFunction function, string executionArn)
    {
        await WaitUntilAsync(() => emulator.DescribeExecution(executionArn).Value?.AwaitingTaskToken == true);
        return function.Inputs[^1]?["task_token"]?.GetValue<string>() ?? throw new InvalidOperationException("The function got no token.");
    }

    private static async Task<ExecutionSnapshot> WaitAsync(StepFunctionsEmulator emulator, string executionArn)
    {
        using var guard = new CancellationTokenSource(Guard);
        return await emulator.WaitForCompletionAsync(executionArn, guard.Token);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var guard = new CancellationTokenSource(Guard);
        while (!condition())
        {
            await Task.Delay(5, guard.Token);
        }
    }
}

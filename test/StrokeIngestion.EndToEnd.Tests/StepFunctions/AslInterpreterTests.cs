using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using StrokeIngestion.Core.Errors;
using StrokeIngestion.Sandbox.StepFunctions;
using StrokeIngestion.Sandbox.StepFunctions.Asl;

namespace StrokeIngestion.EndToEnd.Tests.StepFunctions;

/// <summary>Input/output processing, error handling and context-object semantics of the interpreter.</summary>
public sealed class AslInterpreterTests
{
    private const string FunctionArn = "arn:aws:lambda:us-east-1:000000000000:function:fn";
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 12, 0, 0, 123, TimeSpan.Zero);

    [Fact]
    public async Task Run_WhenParametersUseInputAndContextPaths_ShouldBuildTheEffectiveInput()
    {
        // Arrange
        const string definition = """
            {"StartAt":"Shape","States":{
              "Shape":{"Type":"Pass","InputPath":"$.payload",
                "Parameters":{"value.$":"$.v","first.$":"$.list[0]","static":"kept","nested":{"second.$":"$['list'][1]"},
                  "executionId.$":"$$.Execution.Id","executionName.$":"$$.Execution.Name","original.$":"$$.Execution.Input.payload.v",
                  "startTime.$":"$$.Execution.StartTime","enteredTime.$":"$$.State.EnteredTime","stateName.$":"$$.State.Name",
                  "machineId.$":"$$.StateMachine.Id","role.$":"$$.Execution.RoleArn"},
                "ResultPath":"$.shaped","Next":"Done"},
              "Done":{"Type":"Succeed","OutputPath":"$.shaped"}}}
            """;

        // Act
        var execution = await RunAsync(definition, """{"payload":{"v":7,"list":["a","b"]},"other":true}""");

        // Assert
        Assert.Equal(ExecutionStatus.Succeeded, execution.Status);
        var output = Parse(execution.Output);
        Assert.Equal(7, output["value"]?.GetValue<int>());
        Assert.Equal("a", output["first"]?.GetValue<string>());
        Assert.Equal("kept", output["static"]?.GetValue<string>());
        Assert.Equal("b", output["nested"]?["second"]?.GetValue<string>());
        Assert.Equal(execution.ExecutionArn, output["executionId"]?.GetValue<string>());
        Assert.Equal("run-1", output["executionName"]?.GetValue<string>());
        Assert.Equal(7, output["original"]?.GetValue<int>());
        Assert.Equal("2026-11-25T12:00:00.123Z", output["startTime"]?.GetValue<string>());
        Assert.Equal("2026-11-25T12:00:00.123Z", output["enteredTime"]?.GetValue<string>());
        Assert.Equal("Shape", output["stateName"]?.GetValue<string>());
        Assert.Equal("arn:aws:states:us-east-1:000000000000:stateMachine:semantics", output["machineId"]?.GetValue<string>());
        Assert.Equal("arn:aws:iam::000000000000:role/sfn", output["role"]?.GetValue<string>());
    }

    [Fact]
    public async Task Run_WhenALambdaInvokeTaskShapesItsResult_ShouldApplyResultSelectorResultPathAndOutputPath()
    {
        // Arrange
        const string definition = """
            {"StartAt":"Invoke","States":{"Invoke":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
              "Parameters":{"FunctionName":"arn:aws:lambda:us-east-1:000000000000:function:fn:$LATEST","Payload":{"x.$":"$.x"}},
              "ResultSelector":{"code.$":"$.StatusCode","body.$":"$.Payload","version.$":"$.ExecutedVersion"},
              "ResultPath":"$.result","End":true}}}
            """;
        var function = new ScriptedFunction().Then(input => new JsonObject { ["echo"] = input?["x"]?.DeepClone() });

        // Act
        var execution = await RunAsync(definition, """{"x":"hello","keep":1}""", e => e.RegisterFunction("fn", function.HandleAsync));

        // Assert
        Assert.Equal("""{"x":"hello"}""", Assert.Single(function.Inputs)?.ToJsonString());
        var output = Parse(execution.Output);
        Assert.Equal(1, output["keep"]?.GetValue<int>());
        Assert.Equal(200, output["result"]?["code"]?.GetValue<int>());
        Assert.Equal("$LATEST", output["result"]?["version"]?.GetValue<string>());
        Assert.Equal("hello", output["result"]?["body"]?["echo"]?.GetValue<string>());
    }

    [Fact]
    public async Task Run_WhenTheResourceIsAPlainFunctionArn_ShouldPassTheInputAndReturnTheRawPayload()
    {
        // Arrange
        const string definition = """
            {"StartAt":"First","States":{
              "First":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:000000000000:function:fn","ResultPath":null,"Next":"Second"},
              "Second":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:000000000000:function:fn","End":true}}}
            """;
        var function = new ScriptedFunction()
            .Then(_ => new JsonObject { ["ignored"] = true })
            .Then(input => new JsonObject { ["saw"] = input?["n"]?.DeepClone() });

        // Act
        var execution = await RunAsync(definition, """{"n":5}""", e => e.RegisterFunction(FunctionArn, function.HandleAsync));

        // Assert
        Assert.Equal(ExecutionStatus.Succeeded, execution.Status);
        Assert.All(function.Inputs, input => Assert.Equal("""{"n":5}""", input?.ToJsonString()));
        Assert.Equal("""{"saw":5}""", execution.Output);
    }

    [Fact]
    public async Task Run_WhenATaskErrorIsCaught_ShouldPlaceErrorAndCauseAtTheCatcherResultPath()
    {
        // Arrange
        const string definition = """
            {"StartAt":"Invoke","States":{
              "Invoke":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:000000000000:function:fn","InputPath":"$.inner",
                "Catch":[{"ErrorEquals":["States.TaskFailed"],"ResultPath":"$.error","Next":"Handled"}],"End":true},
              "Handled":{"Type":"Pass","End":true}}}
            """;
        var function = new ScriptedFunction().ThenThrow(new DependencyException(Dependency.S3, "AccessDenied", "denied"));

        // Act
        var execution = await RunAsync(definition, """{"inner":{"a":1},"keep":true}""", e => e.RegisterFunction("fn", function.HandleAsync));

        // Assert
        var output = Parse(execution.Output);
        Assert.True(output["keep"]?.GetValue<bool>());
        Assert.Equal(1, output["inner"]?["a"]?.GetValue<int>());
        Assert.Equal("DependencyException", output["error"]?["Error"]?.GetValue<string>());
        var cause = JsonNode.Parse(output["error"]?["Cause"]?.GetValue<string>() ?? "null");
        Assert.Equal("DependencyException", cause?["errorType"]?.GetValue<string>());
        Assert.Equal("denied", cause?["errorMessage"]?.GetValue<string>());
    }

    [Fact]
    public async Task Run_WhenARetrierHasZeroAttempts_ShouldNotRetryButStillCatch()
    {
        // Arrange
        const string definition = """
            {"StartAt":"Invoke","States":{
              "Invoke":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:000000000000:function:fn",
                "Retry":[{"ErrorEquals":["InvalidOperationException"],"MaxAttempts":0},{"ErrorEquals":["States.ALL"],"MaxAttempts":5}],
                "Catch":[{"ErrorEquals":["States.ALL"],"Next":"Handled"}],"End":true},
              "Handled":{"Type":"Succeed"}}}
            """;
        var function = new ScriptedFunction().Otherwise(_ => throw new InvalidOperationException("nope"));

        // Act
        var execution = await RunAsync(definition, "{}", e => e.RegisterFunction("fn", function.HandleAsync));

        // Assert
        Assert.Equal(1, function.Calls);
        Assert.Equal(ExecutionStatus.Succeeded, execution.Status);
        Assert.Equal("InvalidOperationException", Parse(execution.Output)["Error"]?.GetValue<string>());
    }

    [Fact]
    public async Task Run_WhenAParameterPathIsMissing_ShouldFailWithStatesRuntimeThatNoCatchIntercepts()
    {
        // Arrange
        const string definition = """
            {"StartAt":"Invoke","States":{
              "Invoke":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:000000000000:function:fn","Parameters":{"id.$":"$.missing"},
                "Catch":[{"ErrorEquals":["States.ALL"],"Next":"Handled"}],"End":true},
              "Handled":{"Type":"Succeed"}}}
            """;
        var function = new ScriptedFunction().Otherwise(_ => new JsonObject());

        // Act
        var execution = await RunAsync(definition, "{}", e => e.RegisterFunction("fn", function.HandleAsync));

        // Assert
        Assert.Equal(ExecutionStatus.Failed, execution.Status);
        Assert.Equal("States.Runtime", execution.Error);
        Assert.Contains("$.missing", execution.Cause, StringComparison.Ordinal);
        Assert.Equal(0, function.Calls);
    }

    [Theory]
    [InlineData("""{"kind":"a","n":1}""", "Small")]
    [InlineData("""{"kind":"a","n":10}""", "Big")]
    [InlineData("""{"kind":"b","n":10,"limit":10}""", "AtLimit")]
    [InlineData("""{"kind":null}""", "NullKind")]
    [InlineData("""{"n":3}""", "NoKind")]
    [InlineData("""{"kind":"c","flag":false}""", "NotFlagged")]
    public async Task Run_WhenAChoiceHasSeveralRules_ShouldTakeTheFirstThatMatches(string input, string expected)
    {
        // Arrange
        const string definition = """
            {"StartAt":"Pick","States":{
              "Pick":{"Type":"Choice","Choices":[
                {"Not":{"Variable":"$.kind","IsPresent":true},"Next":"NoKind"},
                {"Variable":"$.kind","IsNull":true,"Next":"NullKind"},
                {"And":[{"Variable":"$.kind","StringEquals":"a"},{"Variable":"$.n","NumericLessThan":5}],"Next":"Small"},
                {"Or":[{"Variable":"$.kind","StringEquals":"a"},{"Variable":"$.kind","StringEquals":"x"}],"Next":"Big"},
                {"And":[{"Variable":"$.limit","IsPresent":true},{"Variable":"$.n","NumericEqualsPath":"$.limit"}],"Next":"AtLimit"},
                {"Variable":"$.flag","BooleanEquals":false,"Next":"NotFlagged"}],
                "Default":"Other"},
              "Small":{"Type":"Pass","Result":"Small","End":true},
              "Big":{"Type":"Pass","Result":"Big","End":true},
              "AtLimit":{"Type":"Pass","Result":"AtLimit","End":true},
              "NullKind":{"Type":"Pass","Result":"NullKind","End":true},
              "NoKind":{"Type":"Pass","Result":"NoKind","End":true},
              "NotFlagged":{"Type":"Pass","Result":"NotFlagged","End":true},
              "Other":{"Type":"Pass","Result":"Other","End":true}}}
            """;

        // Act
        var execution = await RunAsync(definition, input);

        // Assert
        Assert.Equal($"\"{expected}\"", execution.Output);
    }

    [Fact]
    public async Task Run_WhenNoChoiceMatchesAndThereIsNoDefault_ShouldFailWithNoChoiceMatched()
    {
        // Arrange
        const string definition = """
            {"StartAt":"Pick","States":{
              "Pick":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericGreaterThan":5,"Next":"Big"}]},
              "Big":{"Type":"Succeed"}}}
            """;

        // Act
        var execution = await RunAsync(definition, """{"n":1}""");

        // Assert
        Assert.Equal(ExecutionStatus.Failed, execution.Status);
        Assert.Equal("States.NoChoiceMatched", execution.Error);
    }

    [Fact]
    public async Task Run_WhenAFailStateUsesPaths_ShouldReportTheSelectedErrorAndCause()
    {
        // Arrange
        const string definition = """
            {"StartAt":"Stop","States":{"Stop":{"Type":"Fail","ErrorPath":"$.code","CausePath":"$.why"}}}
            """;

        // Act
        var execution = await RunAsync(definition, """{"code":"Broken","why":"because"}""");

        // Assert
        Assert.Equal(ExecutionStatus.Failed, execution.Status);
        Assert.Equal("Broken", execution.Error);
        Assert.Equal("because", execution.Cause);
    }

    [Fact]
    public async Task Run_WhenAWaitReadsSecondsPath_ShouldWaitThatLong()
    {
        // Arrange
        const string definition = """
            {"StartAt":"Hold","States":{"Hold":{"Type":"Wait","SecondsPath":"$.delay","End":true}}}
            """;
        var clock = new FakeTimeProvider(Start);
        await using var emulator = Create(new StepFunctionsEmulatorOptions { TimeProvider = clock });
        var arn = emulator.RegisterStateMachine("semantics", definition);
        var executionArn = emulator.StartExecution(arn, "run-1", """{"delay":120}""").Value?.ExecutionArn ?? string.Empty;
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (emulator.DescribeExecution(executionArn).Value?.ResumesAt is null)
        {
            await Task.Yield();
            guard.Token.ThrowIfCancellationRequested();
        }

        // Act
        clock.Advance(TimeSpan.FromSeconds(119));
        var early = emulator.DescribeExecution(executionArn).Value?.Status;
        clock.Advance(TimeSpan.FromSeconds(1));
        var execution = await emulator.WaitForCompletionAsync(executionArn, guard.Token);

        // Assert
        Assert.Equal(ExecutionStatus.Running, early);
        Assert.Equal(ExecutionStatus.Succeeded, execution.Status);
        Assert.Equal(Start.AddSeconds(120), execution.StopDate);
    }

    [Fact]
    public async Task Run_WhenAFunctionRunsPastItsTimeout_ShouldFailWithLambdaUnknown()
    {
        // Arrange
        const string definition = """
            {"StartAt":"Invoke","States":{"Invoke":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
              "Parameters":{"FunctionName":"fn","Payload.$":"$"},"End":true}}}
            """;
        var function = new ScriptedFunction().ThenAsync(async (_, token) =>
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, token);
            return null;
        });

        // Act
        var execution = await RunAsync(
            definition,
            "{}",
            e => e.RegisterFunction("fn", function.HandleAsync, TimeSpan.FromSeconds(30)),
            new StepFunctionsEmulatorOptions { TimeScale = 0, TimeoutScale = 0.001 });

        // Assert
        Assert.Equal(ExecutionStatus.Failed, execution.Status);
        Assert.Equal("Lambda.Unknown", execution.Error);
        Assert.Contains("Task timed out after 30.00 seconds", execution.Cause, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StopExecution_WhenATaskIsRunning_ShouldAbortAndCancelTheHandler()
    {
        // Arrange
        const string definition = """
            {"StartAt":"Invoke","States":{"Invoke":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:000000000000:function:fn","End":true}}}
            """;
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var function = new ScriptedFunction().ThenAsync(async (_, token) =>
        {
            using var registration = token.Register(() => cancelled.TrySetResult());
            started.TrySetResult();
            await Task.Delay(Timeout.InfiniteTimeSpan, token);
            return null;
        });
        await using var emulator = Create();
        emulator.RegisterFunction("fn", function.HandleAsync);
        var arn = emulator.RegisterStateMachine("semantics", definition);
        var executionArn = emulator.StartExecution(arn, "run-1", "{}").Value?.ExecutionArn ?? string.Empty;
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await started.Task.WaitAsync(guard.Token);

        // Act
        var stop = emulator.StopExecution(executionArn, "Operator.Stop", "stopped in a test");

        // Assert
        await cancelled.Task.WaitAsync(guard.Token);
        var execution = await emulator.WaitForCompletionAsync(executionArn, guard.Token);
        Assert.NotNull(stop.Value);
        Assert.Equal(ExecutionStatus.Aborted, execution.Status);
        Assert.Equal("Operator.Stop", execution.Error);
        Assert.Equal(execution.StopDate, stop.Value?.StopDate);
    }

    [Fact]
    public async Task Run_WhenAnInvokerSimulatesALambdaServiceError_ShouldMatchRetryOnTheErrorName()
    {
        // Arrange
        const string definition = """
            {"StartAt":"Invoke","States":{"Invoke":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:000000000000:function:fn",
              "Retry":[{"ErrorEquals":["Lambda.ServiceException"],"MaxAttempts":2}],"End":true}}}
            """;
        var function = new ScriptedFunction()
            .ThenThrow(new StatesErrorException("Lambda.ServiceException", "500"), times: 2)
            .Then(_ => new JsonObject { ["ok"] = true });

        // Act
        var execution = await RunAsync(definition, "{}", e => e.RegisterFunction("fn", function.HandleAsync));

        // Assert
        Assert.Equal(3, function.Calls);
        Assert.Equal("""{"ok":true}""", execution.Output);
    }

    [Fact]
    public async Task Run_WhenAParameterPathHasAWildcard_ShouldSelectTheListOfMatchesSkippingElementsWithoutTheField()
    {
        // Arrange: DynamoDB JSON as a getItem task returns it.
        const string definition = """
            {"StartAt":"Shape","States":{
              "Shape":{"Type":"Pass",
                "Parameters":{"ids.$":"$.Item.ids.L[*].S","none.$":"$.Item.empty.L[*].S","values.$":"$.Item.m[*]"},
                "End":true}}}
            """;

        // Act
        var execution = await RunAsync(
            definition,
            """{"Item":{"ids":{"L":[{"S":"a"},{"N":"1"},{"S":"b"}]},"empty":{"L":[]},"m":{"x":1,"y":2}}}""");

        // Assert
        Assert.Equal(ExecutionStatus.Succeeded, execution.Status);
        Assert.Equal("""{"ids":["a","b"],"none":[],"values":[1,2]}""", execution.Output);
    }

    [Fact]
    public async Task Run_WhenAWildcardPathIsMissingBeforeTheWildcard_ShouldFailWithStatesRuntime()
    {
        // Arrange
        const string definition = """
            {"StartAt":"Shape","States":{
              "Shape":{"Type":"Pass","Parameters":{"ids.$":"$.Item.ids.L[*].S"},"End":true}}}
            """;

        // Act
        var execution = await RunAsync(definition, """{"Item":{}}""");

        // Assert
        Assert.Equal(ExecutionStatus.Failed, execution.Status);
        Assert.Equal("States.Runtime", execution.Error);
    }

    private static StepFunctionsEmulator Create(StepFunctionsEmulatorOptions? options = null) =>
        new(options ?? new StepFunctionsEmulatorOptions { TimeScale = 0, TimeProvider = new FakeTimeProvider(Start) });

    private static async Task<ExecutionSnapshot> RunAsync(
        string definition,
        string input,
        Action<StepFunctionsEmulator>? setup = null,
        StepFunctionsEmulatorOptions? options = null)
    {
        await using var emulator = Create(options);
        setup?.Invoke(emulator);
        var arn = emulator.RegisterStateMachine("semantics", definition, "arn:aws:iam::000000000000:role/sfn");
        var started = emulator.StartExecution(arn, "run-1", input);
        Assert.Null(started.Error);
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        return await emulator.WaitForCompletionAsync(started.Value?.ExecutionArn ?? string.Empty, guard.Token);
    }

    private static JsonNode Parse(string? json) => JsonNode.Parse(json ?? "null") ?? throw new InvalidOperationException("No output.");
}

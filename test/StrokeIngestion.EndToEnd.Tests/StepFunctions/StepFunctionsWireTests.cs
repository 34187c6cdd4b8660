using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using StrokeIngestion.Sandbox.StepFunctions;

namespace StrokeIngestion.EndToEnd.Tests.StepFunctions;

/// <summary>The awsJson1_0 API over loopback HTTP: StartExecution rules, Describe/List/Stop, error bodies.</summary>
public sealed class StepFunctionsWireTests : IAsyncLifetime, IDisposable
{
    // Stays RUNNING for the length of a test: an hour-long Wait on the real clock.
    private const string Blocking = """{"StartAt":"Hold","States":{"Hold":{"Type":"Wait","Seconds":3600,"End":true}}}""";
    private const string Quick = """{"StartAt":"Shape","States":{"Shape":{"Type":"Pass","Parameters":{"seen.$":"$.value"},"End":true}}}""";

    private readonly StepFunctionsEmulator _emulator = new();
    private readonly HttpClient _http = new();
    private string _blockingArn = string.Empty;
    private string _quickArn = string.Empty;

    public async Task InitializeAsync()
    {
        _blockingArn = _emulator.RegisterStateMachine("blocking", Blocking);
        _quickArn = _emulator.RegisterStateMachine("quick", Quick);
        _http.BaseAddress = await _emulator.StartAsync();
    }

    public async Task DisposeAsync() => await _emulator.DisposeAsync();

    public void Dispose() => _http.Dispose();

    [Fact]
    public async Task StartExecution_WhenValid_ShouldAnswerTheArnAndAnEpochSecondsStartDate()
    {
        // Arrange
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;

        // Act
        var (status, body, contentType) = await PostAsync("StartExecution", new JsonObject
        {
            ["stateMachineArn"] = _blockingArn,
            ["name"] = "stroke-analysis-STUDY-0123456789ab",
            ["input"] = """{"study_id":"STUDY-0123456789ab"}""",
        });

        // Assert
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(StepFunctionsWire.ContentType, contentType);
        Assert.Equal(
            "arn:aws:states:us-east-1:000000000000:execution:blocking:stroke-analysis-STUDY-0123456789ab",
            body["executionArn"]?.GetValue<string>());
        Assert.InRange(body["startDate"]?.GetValue<double>() ?? 0, before - 1, before + 60);
    }

    [Fact]
    public async Task StartExecution_WhenRepeatedWithTheSameInputWhileRunning_ShouldReturnTheOriginalStart()
    {
        // Arrange
        var request = new JsonObject { ["stateMachineArn"] = _blockingArn, ["name"] = "same", ["input"] = """{"a":1}""" };
        var (_, first, _) = await PostAsync("StartExecution", request);

        // Act
        var (status, second, _) = await PostAsync("StartExecution", request.DeepClone().AsObject());

        // Assert
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(first.ToJsonString(), second.ToJsonString());
        Assert.Single(_emulator.Executions());
        Assert.Equal(new StepFunctionsCounters(2, 1, 1, 0, 0), _emulator.Counters);
    }

    [Fact]
    public async Task StartExecution_WhenTheSameNameHasADifferentInput_ShouldAnswerExecutionAlreadyExists()
    {
        // Arrange
        await PostAsync("StartExecution", new JsonObject { ["stateMachineArn"] = _blockingArn, ["name"] = "same", ["input"] = """{"a":1}""" });

        // Act
        var (status, body, _) = await PostAsync("StartExecution", new JsonObject { ["stateMachineArn"] = _blockingArn, ["name"] = "same", ["input"] = """{"a":2}""" });

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("com.amazonaws.sfn#ExecutionAlreadyExists", body["__type"]?.GetValue<string>());
        Assert.Contains("execution:blocking:same", body["message"]?.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(1, _emulator.Counters.ExecutionAlreadyExistsRejections);
    }

    [Fact]
    public async Task StartExecution_WhenTheNamedExecutionHasClosed_ShouldAnswerExecutionAlreadyExistsEvenForTheSameInput()
    {
        // Arrange
        var request = new JsonObject { ["stateMachineArn"] = _quickArn, ["name"] = "done-once", ["input"] = """{"value":1}""" };
        var (_, first, _) = await PostAsync("StartExecution", request);
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await _emulator.WaitForCompletionAsync(first["executionArn"]?.GetValue<string>() ?? string.Empty, guard.Token);

        // Act
        var (status, body, _) = await PostAsync("StartExecution", request.DeepClone().AsObject());

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("com.amazonaws.sfn#ExecutionAlreadyExists", body["__type"]?.GetValue<string>());
        Assert.Equal(1, _emulator.Counters.ExecutionsStarted);
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("colon:name")]
    [InlineData("")]
    [InlineData("x123456789x123456789x123456789x123456789x123456789x123456789x123456789x123456789x")]
    public async Task StartExecution_WhenTheNameIsInvalid_ShouldAnswerInvalidName(string name)
    {
        // Act
        var (status, body, _) = await PostAsync("StartExecution", new JsonObject { ["stateMachineArn"] = _quickArn, ["name"] = name });

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("com.amazonaws.sfn#InvalidName", body["__type"]?.GetValue<string>());
        Assert.Empty(_emulator.Executions());
    }

    [Theory]
    [InlineData("StartExecution", """{"stateMachineArn":"arn:aws:states:us-east-1:000000000000:stateMachine:quick","input":"{not json"}""", "InvalidExecutionInput")]
    [InlineData("StartExecution", """{"stateMachineArn":"arn:aws:states:us-east-1:000000000000:stateMachine:nope"}""", "StateMachineDoesNotExist")]
    [InlineData("StartExecution", """{"stateMachineArn":"arn:aws:lambda:us-east-1:000000000000:function:quick"}""", "InvalidArn")]
    [InlineData("StartExecution", """{"name":"x"}""", "ValidationException")]
    [InlineData("StartExecution", """{"stateMachineArn":42}""", "SerializationException")]
    [InlineData("DescribeExecution", """{"executionArn":"arn:aws:states:us-east-1:000000000000:execution:quick:never"}""", "ExecutionDoesNotExist")]
    [InlineData("DescribeExecution", """{"executionArn":"not-an-arn"}""", "InvalidArn")]
    [InlineData("ListExecutions", """{"stateMachineArn":"arn:aws:states:us-east-1:000000000000:stateMachine:quick","statusFilter":"DONE"}""", "ValidationException")]
    [InlineData("ListExecutions", """{"stateMachineArn":"arn:aws:states:us-east-1:000000000000:stateMachine:quick","nextToken":"garbage"}""", "InvalidToken")]
    [InlineData("StopExecution", """{"executionArn":"arn:aws:states:us-east-1:000000000000:execution:quick:never"}""", "ExecutionDoesNotExist")]
    [InlineData("CreateStateMachine", """{}""", "UnknownOperationException")]
    public async Task Operation_WhenTheRequestIsRejected_ShouldAnswer400WithTheErrorShape(string operation, string request, string expectedType)
    {
        // Act
        var (status, body, contentType) = await PostAsync(operation, JsonNode.Parse(request)?.AsObject() ?? []);

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(StepFunctionsWire.ContentType, contentType);
        Assert.Equal("com.amazonaws.sfn#" + expectedType, body["__type"]?.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(body["message"]?.GetValue<string>()));
    }

    [Fact]
    public async Task DescribeExecution_WhenTheExecutionSucceeded_ShouldReportStatusDatesInputAndOutput()
    {
        // Arrange
        var (_, started, _) = await PostAsync("StartExecution", new JsonObject { ["stateMachineArn"] = _quickArn, ["name"] = "described", ["input"] = """{"value":"v1"}""" });
        var executionArn = started["executionArn"]?.GetValue<string>() ?? string.Empty;
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await _emulator.WaitForCompletionAsync(executionArn, guard.Token);

        // Act
        var (status, body, _) = await PostAsync("DescribeExecution", new JsonObject { ["executionArn"] = executionArn });

        // Assert
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(executionArn, body["executionArn"]?.GetValue<string>());
        Assert.Equal(_quickArn, body["stateMachineArn"]?.GetValue<string>());
        Assert.Equal("described", body["name"]?.GetValue<string>());
        Assert.Equal("SUCCEEDED", body["status"]?.GetValue<string>());
        Assert.Equal("""{"value":"v1"}""", body["input"]?.GetValue<string>());
        Assert.Equal("""{"seen":"v1"}""", body["output"]?.GetValue<string>());
        Assert.True(body["stopDate"]?.GetValue<double>() >= body["startDate"]?.GetValue<double>());
        Assert.Null(body["error"]);
    }

    [Fact]
    public async Task ListExecutions_WhenPagedAndFiltered_ShouldListNewestFirstWithNextTokens()
    {
        // Arrange
        foreach (var name in new[] { "first", "second", "third" })
        {
            await PostAsync("StartExecution", new JsonObject { ["stateMachineArn"] = _blockingArn, ["name"] = name });
        }

        await PostAsync("StopExecution", new JsonObject { ["executionArn"] = "arn:aws:states:us-east-1:000000000000:execution:blocking:second" });

        // Act
        var (_, page1, _) = await PostAsync("ListExecutions", new JsonObject { ["stateMachineArn"] = _blockingArn, ["maxResults"] = 2 });
        var (_, page2, _) = await PostAsync("ListExecutions", new JsonObject { ["stateMachineArn"] = _blockingArn, ["maxResults"] = 2, ["nextToken"] = page1["nextToken"]?.GetValue<string>() });
        var (_, running, _) = await PostAsync("ListExecutions", new JsonObject { ["stateMachineArn"] = _blockingArn, ["statusFilter"] = "RUNNING" });
        var (_, aborted, _) = await PostAsync("ListExecutions", new JsonObject { ["stateMachineArn"] = _blockingArn, ["statusFilter"] = "ABORTED" });

        // Assert
        Assert.Equal(["third", "second"], Names(page1));
        Assert.Equal(["first"], Names(page2));
        Assert.Null(page2["nextToken"]);
        Assert.Equal(["third", "first"], Names(running));
        Assert.Equal(["second"], Names(aborted));
        var abortedItem = aborted["executions"]?[0];
        Assert.NotNull(abortedItem?["stopDate"]);
        Assert.Equal(_blockingArn, abortedItem?["stateMachineArn"]?.GetValue<string>());
    }

    [Fact]
    public async Task StopExecution_WhenRunning_ShouldAbortWithTheGivenErrorAndCause()
    {
        // Arrange
        var (_, started, _) = await PostAsync("StartExecution", new JsonObject { ["stateMachineArn"] = _blockingArn, ["name"] = "to-stop" });
        var executionArn = started["executionArn"]?.GetValue<string>();

        // Act
        var (status, stopped, _) = await PostAsync("StopExecution", new JsonObject { ["executionArn"] = executionArn, ["error"] = "Operator", ["cause"] = "test" });
        var (_, described, _) = await PostAsync("DescribeExecution", new JsonObject { ["executionArn"] = executionArn });

        // Assert
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("ABORTED", described["status"]?.GetValue<string>());
        Assert.Equal("Operator", described["error"]?.GetValue<string>());
        Assert.Equal("test", described["cause"]?.GetValue<string>());
        Assert.Equal(stopped["stopDate"]?.GetValue<double>(), described["stopDate"]?.GetValue<double>());
    }

    private static List<string> Names(JsonNode page) =>
        page["executions"]?.AsArray().Select(e => e?["name"]?.GetValue<string>() ?? string.Empty).ToList() ?? [];

    private async Task<(HttpStatusCode Status, JsonNode Body, string? ContentType)> PostAsync(string operation, JsonObject body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/")
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, StepFunctionsWire.ContentType),
        };
        request.Headers.Add("X-Amz-Target", "AWSStepFunctions." + operation);
        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonNode.Parse(text) ?? new JsonObject(), response.Content.Headers.ContentType?.MediaType);
    }
}

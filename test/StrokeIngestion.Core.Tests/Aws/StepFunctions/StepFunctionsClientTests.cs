using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using StrokeIngestion.Core.Aws;
using StrokeIngestion.Core.Aws.Signing;
using StrokeIngestion.Core.Aws.StepFunctions;
using StrokeIngestion.Core.Errors;
using StrokeIngestion.Core.Tests.Aws.Signing;

namespace StrokeIngestion.Core.Tests.Aws.StepFunctions;

public sealed class StepFunctionsClientTests : IAsyncLifetime, IDisposable
{
    private const string Region = "eu-west-2";
    private const string AccessKey = "AKIDEXAMPLE";
    private const string SecretKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private const string StateMachineArn = "arn:aws:states:eu-west-2:123456789012:stateMachine:stroke-detection-ai-processing";
    private const string ExecutionName = "stroke-analysis-STUDY-0123456789ab";
    private const string ExecutionArn = "arn:aws:states:eu-west-2:123456789012:execution:stroke-detection-ai-processing:stroke-analysis-STUDY-0123456789ab";
    private const string Input = "{\"study_id\":\"STUDY-0123456789ab\",\"datastore_id\":\"0123456789abcdef0123456789abcdef\",\"import_job_id\":\"5b9e4e8d\",\"attempt\":0}";

    private readonly LoopbackHttpServer _server = LoopbackHttpServer.Start();
    private readonly HttpClient _http = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero));

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public void Dispose() => _http.Dispose();

    [Fact]
    public async Task StartAsync_WhenStarted_ShouldPostAwsJsonStartExecutionToTheRoot()
    {
        ReplyStarted();

        await Client().StartAsync(ExecutionName, Input, CancellationToken.None);

        var request = Assert.Single(_server.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/", request.RawPath);
        Assert.Equal("application/x-amz-json-1.0", request.Header("Content-Type"));
        Assert.Equal("AWSStepFunctions.StartExecution", request.Header("X-Amz-Target"));
        using var body = JsonDocument.Parse(request.Body);
        var fields = body.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());
        Assert.Equal(
            new Dictionary<string, string?>
            {
                ["stateMachineArn"] = StateMachineArn,
                ["name"] = ExecutionName,
                ["input"] = Input,
            },
            fields);
    }

    [Fact]
    public async Task StartAsync_WhenStarted_ShouldReturnTheNewExecution()
    {
        ReplyStarted();

        var start = await Client().StartAsync(ExecutionName, Input, CancellationToken.None);

        Assert.Equal(ExecutionArn, start.ExecutionArn);
        Assert.False(start.AlreadyExisted);
    }

    [Fact]
    public async Task StartAsync_ShouldSendAVerifiableSigV4SignatureCoveringTheTarget()
    {
        ReplyStarted();

        await Client().StartAsync(ExecutionName, Input, CancellationToken.None);

        var request = Assert.Single(_server.Requests);
        var authorization = SigV4Reference.AssertValidSignature(request, SecretKey);
        Assert.Matches(
            $"^AWS4-HMAC-SHA256 Credential={AccessKey}/20240102/{Region}/states/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{{64}}$",
            request.Header("Authorization"));
        Assert.Equal(["content-type", "host", "x-amz-content-sha256", "x-amz-date", "x-amz-target"], authorization.SignedHeaders);
        Assert.Equal("20240102T030405Z", request.Header("X-Amz-Date"));
        Assert.Null(request.Header("X-Amz-Security-Token"));
    }

    [Fact]
    public async Task StartAsync_WithSessionCredentials_ShouldSendAndSignTheSecurityToken()
    {
        ReplyStarted();

        await Client(AwsCredentialsSource.Fixed(AccessKey, SecretKey, "lambda-session-token")).StartAsync(ExecutionName, Input, CancellationToken.None);

        var request = Assert.Single(_server.Requests);
        Assert.Equal("lambda-session-token", request.Header("X-Amz-Security-Token"));
        Assert.Contains("x-amz-security-token", SigV4Reference.AssertValidSignature(request, SecretKey).SignedHeaders);
    }

    [Theory]
    [InlineData(null, "{\"__type\":\"com.amazonaws.sfn#ExecutionAlreadyExists\",\"message\":\"Execution Already Exists: 'arn'\"}")]
    [InlineData(null, "{\"__type\":\"ExecutionAlreadyExists\",\"message\":\"Execution Already Exists\"}")]
    [InlineData("ExecutionAlreadyExists", "{\"message\":\"Execution Already Exists\"}")]
    public async Task StartAsync_WhenTheNameWasAlreadyUsed_ShouldReportTheExistingExecution(string? headerType, string body)
    {
        Reply(400, headerType, body);

        var start = await Client().StartAsync(ExecutionName, Input, CancellationToken.None);

        Assert.True(start.AlreadyExisted);
        Assert.Equal(ExecutionArn, start.ExecutionArn);
    }

    [Theory]
    [InlineData(400, null, "{\"__type\":\"com.amazonaws.sfn#ThrottlingException\",\"message\":\"Rate exceeded\"}", "ThrottlingException", true)]
    [InlineData(400, "ThrottlingException", "{}", "ThrottlingException", true)]
    [InlineData(429, null, "", "Http429", true)]
    [InlineData(400, null, "{\"__type\":\"com.amazonaws.sfn#ExecutionLimitExceeded\"}", "ExecutionLimitExceeded", true)]
    [InlineData(500, null, "{\"__type\":\"com.amazonaws.sfn#InternalFailure\"}", "InternalFailure", false)]
    [InlineData(502, null, "<html>Bad Gateway</html>", "Http502", false)]
    [InlineData(400, null, "{\"__type\":\"com.amazonaws.sfn#StateMachineDoesNotExist\",\"message\":\"State Machine Does Not Exist\"}", "StateMachineDoesNotExist", null)]
    [InlineData(400, null, "{\"__type\":\"com.amazonaws.sfn#InvalidName\"}", "InvalidName", null)]
    [InlineData(400, null, "{\"__type\":\"InvalidExecutionInput\"}", "InvalidExecutionInput", null)]
    [InlineData(400, "AccessDeniedException:http://internal.amazon.com/coral/", "{}", "AccessDeniedException", null)]
    [InlineData(403, null, "{\"__type\":\"com.amazon.coral.service#UnrecognizedClientException\"}", "UnrecognizedClientException", null)]
    public async Task StartAsync_WhenTheServiceAnswersAnError_ShouldThrowTheMappedException(int status, string? headerType, string body, string expectedCode, bool? expectedThrottled)
    {
        Reply(status, headerType, body);

        var error = await Assert.ThrowsAnyAsync<DependencyException>(() => Client().StartAsync(ExecutionName, Input, CancellationToken.None));

        Assert.Equal(Dependency.StepFunctions, error.Dependency);
        Assert.Equal(expectedCode, error.ErrorCode);
        if (expectedThrottled is { } throttled)
        {
            Assert.Equal(throttled, Assert.IsType<TransientDependencyException>(error).Throttled);
        }
        else
        {
            Assert.IsType<DependencyException>(error);
        }

        Assert.DoesNotContain("STUDY-0123456789ab", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_WhenNoAnswerWithinTheAttemptTimeout_ShouldThrowTransientTimeout()
    {
        _server.ReplyNever();
        var call = Client().StartAsync(ExecutionName, Input, CancellationToken.None);
        await _server.NextRequestAsync();

        _time.Advance(TimeSpan.FromSeconds(10));

        var error = await Assert.ThrowsAsync<TransientDependencyException>(() => call);
        Assert.Equal("Timeout", error.ErrorCode);
        Assert.False(error.Throttled);
    }

    [Fact]
    public async Task StartAsync_WhenTheAnswerHasNoExecutionArn_ShouldThrowInvalidResponse()
    {
        _server.Reply(200, "{\"startDate\":1700000000.5}");

        var error = await Assert.ThrowsAsync<DependencyException>(() => Client().StartAsync(ExecutionName, Input, CancellationToken.None));

        Assert.Equal("InvalidResponse", error.ErrorCode);
    }

    [Theory]
    [InlineData("")]
    [InlineData("stroke analysis")]
    [InlineData("stroke.analysis")]
    [InlineData("stroke:analysis")]
    [InlineData("strokeé")]
    [InlineData("a123456789b123456789c123456789d123456789e123456789f123456789g123456789h123456789i")]
    public async Task StartAsync_WhenTheNameBreaksTheRules_ShouldThrowArgumentExceptionAndSendNothing(string name)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Client().StartAsync(name, Input, CancellationToken.None));

        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task StartAsync_WhenTheNameHasEightyAllowedCharacters_ShouldSend()
    {
        ReplyStarted();

        await Client().StartAsync("Az09_-" + new string('n', 74), Input, CancellationToken.None);

        Assert.Single(_server.Requests);
    }

    [Fact]
    public async Task StartAsync_WhenTheInputExceeds256KiBOfUtf8_ShouldThrowArgumentExceptionAndSendNothing()
    {
        // 131,073 two-byte characters: under the limit in characters, over it in bytes.
        var input = "\"" + new string('é', 131_072) + "\"";

        await Assert.ThrowsAsync<ArgumentException>(() => Client().StartAsync(ExecutionName, input, CancellationToken.None));

        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task StartAsync_WhenTheInputIsExactly256KiB_ShouldSend()
    {
        ReplyStarted();
        var input = "\"" + new string('x', StepFunctionsClient.MaxInputBytes - 2) + "\"";

        await Client().StartAsync(ExecutionName, input, CancellationToken.None);

        using var body = JsonDocument.Parse(Assert.Single(_server.Requests).Body);
        Assert.Equal(input, body.RootElement.GetProperty("input").GetString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("arn:aws:states:eu-west-2:123456789012:execution:sm:name")]
    [InlineData("arn:aws:lambda:eu-west-2:123456789012:function:f")]
    [InlineData("stroke-detection-ai-processing")]
    public void CreateWorkflowStarter_WhenTheArnIsNotAStateMachine_ShouldThrowArgumentException(string arn)
    {
        Assert.Throws<ArgumentException>(() => SignedClients.CreateWorkflowStarter(_http, Region, arn, _server.BaseUri));
    }

    [Fact]
    public async Task CreateWorkflowStarter_WithoutEndpoint_ShouldCallTheRegionalStepFunctionsEndpoint()
    {
        using var handler = new RecordingHandler();
        using var http = new HttpClient(handler);
        var starter = SignedClients.CreateWorkflowStarter(http, Region, StateMachineArn, endpoint: null, AwsCredentialsSource.Fixed(AccessKey, SecretKey), _time, TimeSpan.FromSeconds(10));

        await starter.StartAsync(ExecutionName, Input, CancellationToken.None);

        var sent = Assert.Single(handler.Requests);
        Assert.Equal(new Uri($"https://states.{Region}.amazonaws.com/"), sent.RequestUri);
        Assert.Equal($"states.{Region}.amazonaws.com", sent.Headers.Host);
    }

    private StepFunctionsClient Client(AwsCredentialsSource? credentials = null)
        => SignedClients.CreateWorkflowStarter(_http, Region, StateMachineArn, _server.BaseUri, credentials ?? AwsCredentialsSource.Fixed(AccessKey, SecretKey), _time, TimeSpan.FromSeconds(10));

    private void ReplyStarted()
        => _server.Reply(200, $"{{\"executionArn\":\"{ExecutionArn}\",\"startDate\":1700000000.123}}", ("Content-Type", "application/x-amz-json-1.0"));

    private void Reply(int status, string? headerType, string body)
    {
        if (headerType is null)
        {
            _server.Reply(status, body, ("Content-Type", "application/x-amz-json-1.0"));
        }
        else
        {
            _server.Reply(status, body, ("Content-Type", "application/x-amz-json-1.0"), ("X-Amzn-Errortype", headerType));
        }
    }

    /// <summary>Answers every request with a started execution and keeps what was sent.</summary>
    private sealed class RecordingHandler : HttpMessageHandler
    {
        public List<HttpRequestMessage> Requests { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add(request);
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK)
            {
                Content = new StringContent($"{{\"executionArn\":\"{ExecutionArn}\",\"startDate\":1700000000}}", Encoding.UTF8, "application/x-amz-json-1.0"),
            });
        }
    }
}

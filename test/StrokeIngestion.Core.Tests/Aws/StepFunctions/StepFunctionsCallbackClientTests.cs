using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using StrokeIngestion.Core.Aws;
using StrokeIngestion.Core.Aws.Signing;
using StrokeIngestion.Core.Aws.StepFunctions;
using StrokeIngestion.Core.Errors;
using StrokeIngestion.Core.Tests.Aws.Signing;

namespace StrokeIngestion.Core.Tests.Aws.StepFunctions;

public sealed class StepFunctionsCallbackClientTests : IAsyncLifetime, IDisposable
{
    private const string Region = "eu-west-2";
    private const string AccessKey = "AKIDEXAMPLE";
    private const string SecretKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private const string Token = "AQCEAAAAKgAAAAMAAAAAAAAAAd0Zt7M1bP+/example+task+token==";

    private readonly LoopbackHttpServer _server = LoopbackHttpServer.Start();
    private readonly HttpClient _http = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero));

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public void Dispose() => _http.Dispose();

    [Fact]
    public async Task TryResumeAsync_WhenAccepted_ShouldPostSendTaskSuccessWithAnEmptyObjectOutput()
    {
        ReplyAccepted();

        var resumed = await Client().TryResumeAsync(Token, CancellationToken.None);

        Assert.True(resumed);
        var request = Assert.Single(_server.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/", request.RawPath);
        Assert.Equal("application/x-amz-json-1.0", request.Header("Content-Type"));
        Assert.Equal("AWSStepFunctions.SendTaskSuccess", request.Header("X-Amz-Target"));
        using var body = JsonDocument.Parse(request.Body);
        var fields = body.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());
        Assert.Equal(
            new Dictionary<string, string?>
            {
                ["taskToken"] = Token,
                ["output"] = "{}",
            },
            fields);
    }

    [Fact]
    public async Task TryResumeAsync_ShouldSendAVerifiableSigV4SignatureForStates()
    {
        ReplyAccepted();

        await Client().TryResumeAsync(Token, CancellationToken.None);

        var request = Assert.Single(_server.Requests);
        var authorization = SigV4Reference.AssertValidSignature(request, SecretKey);
        Assert.Matches(
            $"^AWS4-HMAC-SHA256 Credential={AccessKey}/20240102/{Region}/states/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{{64}}$",
            request.Header("Authorization"));
        Assert.Equal(["content-type", "host", "x-amz-content-sha256", "x-amz-date", "x-amz-target"], authorization.SignedHeaders);
    }

    [Fact]
    public async Task TryResumeAsync_WithSessionCredentials_ShouldSendAndSignTheSecurityToken()
    {
        ReplyAccepted();

        await Client(AwsCredentialsSource.Fixed(AccessKey, SecretKey, "lambda-session-token")).TryResumeAsync(Token, CancellationToken.None);

        var request = Assert.Single(_server.Requests);
        Assert.Equal("lambda-session-token", request.Header("X-Amz-Security-Token"));
        Assert.Contains("x-amz-security-token", SigV4Reference.AssertValidSignature(request, SecretKey).SignedHeaders);
    }

    [Theory]
    [InlineData(null, "{\"__type\":\"com.amazonaws.sfn#TaskDoesNotExist\",\"message\":\"Task Does Not Exist\"}")]
    [InlineData(null, "{\"__type\":\"com.amazonaws.sfn#TaskTimedOut\",\"message\":\"Task Timed Out\"}")]
    [InlineData(null, "{\"__type\":\"TaskDoesNotExist\"}")]
    [InlineData("TaskTimedOut", "{\"message\":\"Task Timed Out\"}")]
    public async Task TryResumeAsync_WhenTheTokenIsStale_ShouldReturnFalse(string? headerType, string body)
    {
        Reply(400, headerType, body);

        var resumed = await Client().TryResumeAsync(Token, CancellationToken.None);

        Assert.False(resumed);
    }

    [Theory]
    [InlineData(400, null, "{\"__type\":\"com.amazonaws.sfn#ThrottlingException\",\"message\":\"Rate exceeded\"}", "ThrottlingException", true)]
    [InlineData(429, null, "", "Http429", true)]
    [InlineData(500, null, "{\"__type\":\"com.amazonaws.sfn#InternalFailure\"}", "InternalFailure", false)]
    [InlineData(503, null, "<html>Service Unavailable</html>", "Http503", false)]
    [InlineData(400, null, "{\"__type\":\"com.amazonaws.sfn#InvalidOutput\"}", "InvalidOutput", null)]
    [InlineData(400, null, "{\"__type\":\"com.amazonaws.sfn#KmsThrottlingException\",\"message\":\"m\"}", "KmsThrottlingException", true)]
    [InlineData(400, null, "{\"__type\":\"com.amazonaws.sfn#InvalidToken\",\"message\":\"Invalid token\"}", "InvalidToken", null)]
    [InlineData(400, "AccessDeniedException:http://internal.amazon.com/coral/", "{}", "AccessDeniedException", null)]
    [InlineData(403, null, "{\"__type\":\"com.amazon.coral.service#UnrecognizedClientException\"}", "UnrecognizedClientException", null)]
    public async Task TryResumeAsync_WhenTheServiceAnswersAnotherError_ShouldThrowTheMappedException(int status, string? headerType, string body, string expectedCode, bool? expectedThrottled)
    {
        Reply(status, headerType, body);

        var error = await Assert.ThrowsAnyAsync<DependencyException>(() => Client().TryResumeAsync(Token, CancellationToken.None));

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

        Assert.DoesNotContain(Token, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TryResumeAsync_WhenNoAnswerWithinTheAttemptTimeout_ShouldThrowTransientTimeout()
    {
        _server.ReplyNever();
        var call = Client().TryResumeAsync(Token, CancellationToken.None);
        await _server.NextRequestAsync();

        _time.Advance(TimeSpan.FromSeconds(10));

        var error = await Assert.ThrowsAsync<TransientDependencyException>(() => call);
        Assert.Equal("Timeout", error.ErrorCode);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2049)]
    public async Task TryResumeAsync_WhenTheTokenLengthIsOutOfRange_ShouldThrowArgumentExceptionAndSendNothing(int length)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Client().TryResumeAsync(new string('t', length), CancellationToken.None));

        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task TryResumeAsync_WhenTheTokenHasTheMaximumLength_ShouldSendItWhole()
    {
        ReplyAccepted();
        var token = new string('t', StepFunctionsCallbackClient.MaxTaskTokenLength);

        await Client().TryResumeAsync(token, CancellationToken.None);

        using var body = JsonDocument.Parse(Assert.Single(_server.Requests).Body);
        Assert.Equal(token, body.RootElement.GetProperty("taskToken").GetString());
    }

    [Theory]
    [InlineData("cn-north-1", false, "https://states.cn-north-1.amazonaws.com.cn/")]
    [InlineData("us-gov-west-1", true, "https://states-fips.us-gov-west-1.amazonaws.com/")]
    [InlineData("us-east-1", true, "https://states-fips.us-east-1.amazonaws.com/")]
    public async Task CreateWorkflowCallback_WithoutEndpoint_ShouldCallThePartitionsHostAndItsFipsVariant(string region, bool useFips, string expected)
    {
        using var handler = new RecordingHandler();
        using var http = new HttpClient(handler);
        var callback = SignedClients.CreateWorkflowCallback(http, region, endpoint: null, AwsCredentialsSource.Fixed(AccessKey, SecretKey), _time, TimeSpan.FromSeconds(10), useFips);

        await callback.TryResumeAsync(Token, CancellationToken.None);

        Assert.Equal(new Uri(expected), Assert.Single(handler.Requests).RequestUri);
    }

    [Fact]
    public async Task CreateWorkflowCallback_WithoutEndpoint_ShouldCallTheRegionalStepFunctionsEndpoint()
    {
        using var handler = new RecordingHandler();
        using var http = new HttpClient(handler);
        var callback = SignedClients.CreateWorkflowCallback(http, Region, endpoint: null, AwsCredentialsSource.Fixed(AccessKey, SecretKey), _time, TimeSpan.FromSeconds(10));

        await callback.TryResumeAsync(Token, CancellationToken.None);

        var sent = Assert.Single(handler.Requests);
        Assert.Equal(new Uri($"https://states.{Region}.amazonaws.com/"), sent.RequestUri);
        Assert.Equal($"states.{Region}.amazonaws.com", sent.Headers.Host);
        Assert.StartsWith("AWS4-HMAC-SHA256 ", Assert.Single(sent.Headers.GetValues("Authorization")), StringComparison.Ordinal);
    }

    private StepFunctionsCallbackClient Client(AwsCredentialsSource? credentials = null)
        => SignedClients.CreateWorkflowCallback(_http, Region, _server.BaseUri, credentials ?? AwsCredentialsSource.Fixed(AccessKey, SecretKey), _time, TimeSpan.FromSeconds(10));

    private void ReplyAccepted() => _server.Reply(200, "{}", ("Content-Type", "application/x-amz-json-1.0"));

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

    /// <summary>Answers every request as Step Functions answers an accepted token and keeps what was sent.</summary>
    private sealed class RecordingHandler : HttpMessageHandler
    {
        public List<HttpRequestMessage> Requests { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add(request);
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("{}") });
        }
    }
}

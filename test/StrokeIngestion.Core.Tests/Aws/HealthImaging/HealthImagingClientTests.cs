using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Amazon.Runtime;
using Microsoft.Extensions.Time.Testing;
using StrokeIngestion.Core.Aws;
using StrokeIngestion.Core.Aws.HealthImaging;
using StrokeIngestion.Core.Aws.Signing;
using StrokeIngestion.Core.Errors;
using StrokeIngestion.Core.Ports;
using StrokeIngestion.Core.Tests.Aws.Signing;

namespace StrokeIngestion.Core.Tests.Aws.HealthImaging;

public sealed class HealthImagingClientTests : IAsyncLifetime, IDisposable
{
    private const string Region = "eu-west-2";
    private const string AccessKey = "AKIDEXAMPLE";
    private const string SecretKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private const string DatastoreId = "0123456789abcdef0123456789abcdef";
    private const string JobId = "5b9e4e8d2a7c4f0b9e1d3c5a7f9b1d3e";

    private static readonly ImportJobRequest ValidRequest = new(
        DatastoreId,
        JobName: "STUDY-0123456789ab",
        ClientToken: "STUDY-0123456789ab-1",
        InputS3Uri: "s3://stroke-detection-ai-dicom-uploads-123456789012/imports/STUDY-0123456789ab/",
        OutputS3Uri: "s3://stroke-detection-ai-dicom-uploads-123456789012/import-output/STUDY-0123456789ab/",
        DataAccessRoleArn: "arn:aws:iam::123456789012:role/import-role");

    private readonly LoopbackHttpServer _server = LoopbackHttpServer.Start();
    private readonly HttpClient _http = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero));

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public void Dispose() => _http.Dispose();

    [Fact]
    public async Task StartImportAsync_WhenAccepted_ShouldPostTheContractBodyToTheDatastorePath()
    {
        ReplyStarted();

        await Client().StartImportAsync(ValidRequest, CancellationToken.None);

        var request = Assert.Single(_server.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal($"/startDICOMImportJob/datastore/{DatastoreId}", request.RawPath);
        Assert.Equal("application/json", request.Header("Content-Type"));
        using var body = JsonDocument.Parse(request.Body);
        var fields = body.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());
        Assert.Equal(
            new Dictionary<string, string?>
            {
                ["dataAccessRoleArn"] = ValidRequest.DataAccessRoleArn,
                ["clientToken"] = ValidRequest.ClientToken,
                ["inputS3Uri"] = ValidRequest.InputS3Uri,
                ["outputS3Uri"] = ValidRequest.OutputS3Uri,
                ["jobName"] = ValidRequest.JobName,
            },
            fields);
    }

    [Fact]
    public async Task StartImportAsync_WhenAccepted_ShouldReturnTheJobWithItsSubmissionTime()
    {
        _server.Reply(200, $"{{\"datastoreId\":\"{DatastoreId}\",\"jobId\":\"{JobId}\",\"jobStatus\":\"SUBMITTED\",\"submittedAt\":1700000000.25}}");

        var job = await Client().StartImportAsync(ValidRequest, CancellationToken.None);

        Assert.Equal(JobId, job.JobId);
        Assert.Equal(DatastoreId, job.DatastoreId);
        Assert.Equal("SUBMITTED", job.Status);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_250), job.SubmittedAt);
        Assert.Null(job.EndedAt);
    }

    [Fact]
    public async Task StartImportAsync_ShouldSendAVerifiableSigV4Signature()
    {
        ReplyStarted();

        await Client().StartImportAsync(ValidRequest, CancellationToken.None);

        var request = Assert.Single(_server.Requests);
        var authorization = SigV4Reference.AssertValidSignature(request, SecretKey);
        Assert.Matches(
            $"^AWS4-HMAC-SHA256 Credential={AccessKey}/20240102/{Region}/medical-imaging/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{{64}}$",
            request.Header("Authorization"));
        Assert.Equal(["content-type", "host", "x-amz-content-sha256", "x-amz-date"], authorization.SignedHeaders);
        Assert.Equal("20240102T030405Z", request.Header("X-Amz-Date"));
        Assert.Equal(SigV4Reference.Hex(SHA256.HashData(request.Body)), request.Header("X-Amz-Content-SHA256"));
        Assert.Equal(_server.BaseUri.Authority, request.Header("Host"));
        Assert.Null(request.Header("X-Amz-Security-Token"));
    }

    [Fact]
    public async Task StartImportAsync_WithSessionCredentials_ShouldSendAndSignTheSecurityToken()
    {
        ReplyStarted();

        await Client(AwsCredentialsSource.Fixed(AccessKey, SecretKey, "lambda-session-token")).StartImportAsync(ValidRequest, CancellationToken.None);

        var request = Assert.Single(_server.Requests);
        Assert.Equal("lambda-session-token", request.Header("X-Amz-Security-Token"));
        Assert.Contains("x-amz-security-token", SigV4Reference.AssertValidSignature(request, SecretKey).SignedHeaders);
    }

    [Fact]
    public async Task GetImportJobAsync_WhenTheJobExists_ShouldGetItsPathAndReadItsProperties()
    {
        var output = $"{ValidRequest.OutputS3Uri}{DatastoreId}-DicomImport-{JobId}/";
        _server.Reply(200, $$$"""
            {"jobProperties":{"jobId":"{{{JobId}}}","jobName":"STUDY-0123456789ab","jobStatus":"COMPLETED",
            "datastoreId":"{{{DatastoreId}}}","dataAccessRoleArn":"{{{ValidRequest.DataAccessRoleArn}}}",
            "inputS3Uri":"{{{ValidRequest.InputS3Uri}}}","outputS3Uri":"{{{output}}}",
            "submittedAt":1700000000,"endedAt":1700000123.5,"message":"done"}}
            """);

        var job = await Client().GetImportJobAsync(DatastoreId, JobId, CancellationToken.None);

        var request = Assert.Single(_server.Requests);
        Assert.Equal("GET", request.Method);
        Assert.Equal($"/getDICOMImportJob/datastore/{DatastoreId}/job/{JobId}", request.RawPath);
        SigV4Reference.AssertValidSignature(request, SecretKey);
        Assert.NotNull(job);
        Assert.Equal(new ImportJob(JobId, DatastoreId, "COMPLETED", output, "done", DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_123_500)), job);
    }

    [Fact]
    public async Task GetImportJobAsync_WhenStillRunning_ShouldLeaveEndedAtEmpty()
    {
        _server.Reply(200, $"{{\"jobProperties\":{{\"jobId\":\"{JobId}\",\"jobStatus\":\"IN_PROGRESS\",\"datastoreId\":\"{DatastoreId}\",\"submittedAt\":1700000000.5}}}}");

        var job = await Client().GetImportJobAsync(DatastoreId, JobId, CancellationToken.None);

        Assert.NotNull(job);
        Assert.Equal("IN_PROGRESS", job.Status);
        Assert.Null(job.EndedAt);
        Assert.Null(job.Message);
    }

    [Theory]
    [InlineData("ResourceNotFoundException", "{\"message\":\"Job not found\"}")]
    [InlineData(null, "{\"__type\":\"com.amazonaws.medicalimaging#ResourceNotFoundException\",\"message\":\"Job not found\"}")]
    public async Task GetImportJobAsync_WhenTheServiceDoesNotKnowTheJob_ShouldReturnNull(string? headerType, string body)
    {
        Reply(404, headerType, body);

        var job = await Client().GetImportJobAsync(DatastoreId, JobId, CancellationToken.None);

        Assert.Null(job);
    }

    [Fact]
    public async Task GetImportJobAsync_WhenA404CarriesNoErrorType_ShouldThrowDependencyException()
    {
        _server.Reply(404, "<html>Not Found</html>", ("Content-Type", "text/html"));

        var error = await Assert.ThrowsAsync<DependencyException>(() => Client().GetImportJobAsync(DatastoreId, JobId, CancellationToken.None));

        Assert.Equal("Http404", error.ErrorCode);
    }

    public static TheoryData<int, string?, string, string, bool?> ErrorAnswers => new()
    {
        // status, X-Amzn-Errortype, body, expected ErrorCode, expected Throttled (null: not transient)
        { 429, "ThrottlingException", "{\"message\":\"Rate exceeded\"}", "ThrottlingException", true },
        { 429, null, "{\"__type\":\"com.amazonaws.medicalimaging#ThrottlingException\",\"message\":\"Rate exceeded\"}", "ThrottlingException", true },
        { 429, null, string.Empty, "Http429", true },
        { 402, "ServiceQuotaExceededException", "{\"message\":\"quota\"}", "ServiceQuotaExceededException", true },
        { 402, null, "{\"code\":\"ServiceQuotaExceededException\"}", "ServiceQuotaExceededException", true },
        { 500, "InternalServerException", "{\"message\":\"oops\"}", "InternalServerException", false },
        { 500, null, "{\"__type\":\"InternalServerException:http://internal.amazon.com/coral/\"}", "InternalServerException", false },
        { 503, null, "<html>Service Unavailable</html>", "Http503", false },
        { 400, "ValidationException:http://internal.amazon.com/coral/com.amazon.coral.validate/", "{\"message\":\"bad\"}", "ValidationException", null },
        { 400, null, "{\"__type\":\"com.amazonaws.medicalimaging#ValidationException\",\"message\":\"bad\"}", "ValidationException", null },
        { 403, "AccessDeniedException", "{\"message\":\"no\"}", "AccessDeniedException", null },
        { 403, null, "{\"code\":\"AccessDeniedException\"}", "AccessDeniedException", null },
        { 409, "ConflictException", "{\"message\":\"token reused\"}", "ConflictException", null },
        { 409, null, "{\"__type\":\"com.amazonaws.medicalimaging#ConflictException:http://x\"}", "ConflictException", null },
        { 404, "ResourceNotFoundException", "{\"message\":\"no datastore\"}", "ResourceNotFoundException", null },
        { 418, null, string.Empty, "Http418", null },
    };

    [Theory]
    [MemberData(nameof(ErrorAnswers))]
    public async Task StartImportAsync_WhenTheServiceAnswersAnError_ShouldThrowTheMappedException(int status, string? headerType, string body, string expectedCode, bool? expectedThrottled)
    {
        Reply(status, headerType, body);

        var error = await Assert.ThrowsAnyAsync<DependencyException>(() => Client().StartImportAsync(ValidRequest, CancellationToken.None));

        AssertMapped(error, expectedCode, expectedThrottled);
        Assert.Contains(expectedCode, error.Message, StringComparison.Ordinal);
        Assert.Contains(status.ToString(), error.Message, StringComparison.Ordinal);
    }

    // For GetDICOMImportJob, a typed 404 means "no such job": an answer, not an error.
    public static TheoryData<int, string?, string, string, bool?> GetErrorAnswers
    {
        get
        {
            var answers = new TheoryData<int, string?, string, string, bool?>();
            foreach (var row in ErrorAnswers.Where(row => (int)row[0] != 404))
            {
                answers.Add((int)row[0], (string?)row[1], (string)row[2], (string)row[3], (bool?)row[4]);
            }

            return answers;
        }
    }

    [Theory]
    [MemberData(nameof(GetErrorAnswers))]
    public async Task GetImportJobAsync_WhenTheServiceAnswersAnError_ShouldThrowTheMappedException(int status, string? headerType, string body, string expectedCode, bool? expectedThrottled)
    {
        Reply(status, headerType, body);

        var error = await Assert.ThrowsAnyAsync<DependencyException>(() => Client().GetImportJobAsync(DatastoreId, JobId, CancellationToken.None));

        AssertMapped(error, expectedCode, expectedThrottled);
    }

    [Fact]
    public async Task StartImportAsync_WhenTheServiceRejectsTheRequest_ShouldKeepRequestValuesAndServiceMessageOutOfTheError()
    {
        Reply(400, "ValidationException", "{\"message\":\"clientToken STUDY-0123456789ab-1 for PATIENT-SMITH is invalid\"}");

        var error = await Assert.ThrowsAsync<DependencyException>(() => Client().StartImportAsync(ValidRequest, CancellationToken.None));

        Assert.DoesNotContain("PATIENT", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(ValidRequest.ClientToken, error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("imports/", error.ToString(), StringComparison.Ordinal);
        Assert.Equal(Dependency.HealthImaging, error.Dependency);
    }

    [Fact]
    public async Task StartImportAsync_WhenNoAnswerWithinTheAttemptTimeout_ShouldThrowTransientTimeout()
    {
        _server.ReplyNever();
        var call = Client().StartImportAsync(ValidRequest, CancellationToken.None);
        await _server.NextRequestAsync();

        _time.Advance(TimeSpan.FromSeconds(10));

        var error = await Assert.ThrowsAsync<TransientDependencyException>(() => call);
        Assert.Equal("Timeout", error.ErrorCode);
        Assert.False(error.Throttled);
    }

    [Fact]
    public async Task GetImportJobAsync_WhenTheCallerCancels_ShouldThrowOperationCanceled()
    {
        _server.ReplyNever();
        using var cancellation = new CancellationTokenSource();
        var call = Client().GetImportJobAsync(DatastoreId, JobId, cancellation.Token);
        await _server.NextRequestAsync();

        await cancellation.CancelAsync();

        var error = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.IsNotAssignableFrom<DependencyException>(error);
    }

    [Fact]
    public async Task GetImportJobAsync_WhenNothingListens_ShouldThrowTransientConnectionFailure()
    {
        var closed = await ClosedEndpointAsync();

        var error = await Assert.ThrowsAsync<TransientDependencyException>(() => Client(endpoint: closed).GetImportJobAsync(DatastoreId, JobId, CancellationToken.None));

        Assert.Equal("ConnectionFailure", error.ErrorCode);
        Assert.False(error.Throttled);
        Assert.IsType<HttpRequestException>(error.InnerException);
    }

    [Fact]
    public async Task StartImportAsync_WhenNoCredentialsCanBeFound_ShouldThrowDependencyExceptionAndSendNothing()
    {
        var missing = AwsCredentialsSource.From(_ => throw new AmazonClientException("Failed to resolve AWS credentials."));

        var error = await Assert.ThrowsAsync<DependencyException>(() => Client(missing).StartImportAsync(ValidRequest, CancellationToken.None));

        Assert.Equal("CredentialsUnavailable", error.ErrorCode);
        Assert.Empty(_server.Requests);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"jobProperties\":null}")]
    [InlineData("{\"jobProperties\":{\"jobId\":\"abc\",\"jobStatus\":\"COMPLETED\",\"submittedAt\":\"2024-01-01T00:00:00Z\"}}")]
    public async Task GetImportJobAsync_WhenTheAnswerIsUnreadable_ShouldThrowInvalidResponse(string body)
    {
        _server.Reply(200, body);

        var error = await Assert.ThrowsAsync<DependencyException>(() => Client().GetImportJobAsync(DatastoreId, JobId, CancellationToken.None));

        Assert.Equal("InvalidResponse", error.ErrorCode);
    }

    [Fact]
    public async Task StartImportAsync_WhenTheAnswerHasNoJobId_ShouldThrowInvalidResponse()
    {
        _server.Reply(200, "{\"jobStatus\":\"SUBMITTED\"}");

        var error = await Assert.ThrowsAsync<DependencyException>(() => Client().StartImportAsync(ValidRequest, CancellationToken.None));

        Assert.Equal("InvalidResponse", error.ErrorCode);
    }

    public static TheoryData<string, ImportJobRequest> InvalidRequests => new()
    {
        { "DatastoreId", ValidRequest with { DatastoreId = "0123456789abcdef0123456789abcde" } },
        { "DatastoreId", ValidRequest with { DatastoreId = "0123456789abcdef0123456789abcdef0" } },
        { "DatastoreId", ValidRequest with { DatastoreId = "0123456789ABCDEF0123456789abcdef" } },
        { "DatastoreId", ValidRequest with { DatastoreId = "0123456789abcdef-123456789abcdef" } },
        { "DatastoreId", ValidRequest with { DatastoreId = "0123456789abcdef0123456789abcdef\n" } },
        { "JobName", ValidRequest with { JobName = string.Empty } },
        { "JobName", ValidRequest with { JobName = new string('a', 65) } },
        { "JobName", ValidRequest with { JobName = "study 1" } },
        { "JobName", ValidRequest with { JobName = "study+1" } },
        { "ClientToken", ValidRequest with { ClientToken = string.Empty } },
        { "ClientToken", ValidRequest with { ClientToken = new string('a', 65) } },
        { "ClientToken", ValidRequest with { ClientToken = "token/1" } },
        { "ClientToken", ValidRequest with { ClientToken = "token#1" } },
        { "InputS3Uri", ValidRequest with { InputS3Uri = "https://bucket-name/imports/" } },
        { "InputS3Uri", ValidRequest with { InputS3Uri = "s3://Bucket-Name/imports/" } },
        { "InputS3Uri", ValidRequest with { InputS3Uri = "s3://ab/imports/" } },
        { "InputS3Uri", ValidRequest with { InputS3Uri = "s3://-bucket/imports/" } },
        { "InputS3Uri", ValidRequest with { InputS3Uri = "s3://bucket-name/" + new string('k', 1008) } },
        { "OutputS3Uri", ValidRequest with { OutputS3Uri = "s3:/bucket-name/out/" } },
        { "OutputS3Uri", ValidRequest with { OutputS3Uri = string.Empty } },
        { "DataAccessRoleArn", ValidRequest with { DataAccessRoleArn = string.Empty } },
        { "DataAccessRoleArn", ValidRequest with { DataAccessRoleArn = "  " } },
    };

    [Theory]
    [MemberData(nameof(InvalidRequests))]
    public async Task StartImportAsync_WhenAFieldBreaksTheServicePattern_ShouldThrowArgumentExceptionAndSendNothing(string field, ImportJobRequest request)
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => Client().StartImportAsync(request, CancellationToken.None));

        Assert.Contains(field, error.Message, StringComparison.Ordinal);
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task StartImportAsync_WhenFieldsSitOnThePatternLimits_ShouldSend()
    {
        ReplyStarted();
        var request = ValidRequest with
        {
            JobName = "Az09._/#-" + new string('x', 55),
            ClientToken = "Az09._-" + new string('y', 57),
            InputS3Uri = "s3://bucket-name/" + new string('k', 1007),
            OutputS3Uri = "s3://a.b/",
        };

        await Client().StartImportAsync(request, CancellationToken.None);

        Assert.Single(_server.Requests);
    }

    [Theory]
    [InlineData("0123456789abcdef0123456789abcde", JobId)]
    [InlineData("../../startDICOMImportJob/datastore", JobId)]
    [InlineData(DatastoreId, "")]
    [InlineData(DatastoreId, "..")]
    [InlineData(DatastoreId, "job/../other")]
    [InlineData(DatastoreId, "5b9e4e8d2a7c4f0b9e1d3c5a7f9b1d3e0")]
    public async Task GetImportJobAsync_WhenAnIdBreaksTheServicePattern_ShouldThrowArgumentExceptionAndSendNothing(string datastoreId, string jobId)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Client().GetImportJobAsync(datastoreId, jobId, CancellationToken.None));

        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task CreateImportService_WithoutEndpoint_ShouldCallTheRegionalHealthImagingEndpoint()
    {
        using var handler = new RecordingHandler();
        using var http = new HttpClient(handler);
        var service = SignedClients.CreateImportService(http, Region, endpoint: null, AwsCredentialsSource.Fixed(AccessKey, SecretKey), _time, TimeSpan.FromSeconds(10));

        await service.GetImportJobAsync(DatastoreId, JobId, CancellationToken.None);

        var sent = Assert.Single(handler.Requests);
        Assert.Equal(new Uri($"https://medical-imaging.{Region}.amazonaws.com/getDICOMImportJob/datastore/{DatastoreId}/job/{JobId}"), sent.RequestUri);
        Assert.Equal($"medical-imaging.{Region}.amazonaws.com", sent.Headers.Host);
    }

    private HealthImagingClient Client(AwsCredentialsSource? credentials = null, Uri? endpoint = null)
        => SignedClients.CreateImportService(_http, Region, endpoint ?? _server.BaseUri, credentials ?? AwsCredentialsSource.Fixed(AccessKey, SecretKey), _time, TimeSpan.FromSeconds(10));

    private void ReplyStarted()
        => _server.Reply(200, $"{{\"datastoreId\":\"{DatastoreId}\",\"jobId\":\"{JobId}\",\"jobStatus\":\"SUBMITTED\",\"submittedAt\":1700000000}}");

    private void Reply(int status, string? headerType, string body)
    {
        if (headerType is null)
        {
            _server.Reply(status, body);
        }
        else
        {
            _server.Reply(status, body, ("X-Amzn-Errortype", headerType));
        }
    }

    private static void AssertMapped(DependencyException error, string expectedCode, bool? expectedThrottled)
    {
        Assert.Equal(Dependency.HealthImaging, error.Dependency);
        Assert.Equal(expectedCode, error.ErrorCode);
        if (expectedThrottled is { } throttled)
        {
            Assert.Equal(throttled, Assert.IsType<TransientDependencyException>(error).Throttled);
        }
        else
        {
            Assert.IsType<DependencyException>(error);
        }
    }

    private static async Task<Uri> ClosedEndpointAsync()
    {
        await using var server = LoopbackHttpServer.Start();
        return server.BaseUri;
    }

    /// <summary>Answers every request with an IN_PROGRESS job and keeps what was sent.</summary>
    private sealed class RecordingHandler : HttpMessageHandler
    {
        public List<HttpRequestMessage> Requests { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add(request);
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK)
            {
                Content = new StringContent($"{{\"jobProperties\":{{\"jobId\":\"{JobId}\",\"jobStatus\":\"IN_PROGRESS\",\"datastoreId\":\"{DatastoreId}\"}}}}", Encoding.UTF8, "application/json"),
            });
        }
    }
}

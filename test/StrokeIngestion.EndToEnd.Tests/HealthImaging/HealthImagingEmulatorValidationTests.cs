using System.Net;
using System.Text.Json;
using StrokeIngestion.Sandbox.HealthImaging;

namespace StrokeIngestion.EndToEnd.Tests.HealthImaging;

public sealed class HealthImagingEmulatorValidationTests : IAsyncLifetime
{
    private HealthImagingHarness? _started;

    private HealthImagingHarness Harness => _started ?? throw new InvalidOperationException("Not initialized.");

    public async Task InitializeAsync() => _started = await HealthImagingHarness.StartAsync();

    public async Task DisposeAsync()
    {
        if (_started is not null)
        {
            await _started.DisposeAsync();
        }
    }

    public static TheoryData<string, string?, string> InvalidStartMembers() => new()
    {
        // member, value (null = absent), member named in the message
        { "dataAccessRoleArn", null, "dataAccessRoleArn" },
        { "clientToken", null, "clientToken" },
        { "inputS3Uri", null, "inputS3Uri" },
        { "outputS3Uri", null, "outputS3Uri" },
        { "jobName", "", "jobName" },
        { "jobName", "has space", "jobName" },
        { "jobName", new string('j', 65), "jobName" },
        { "clientToken", "", "clientToken" },
        { "clientToken", "token/with/slash", "clientToken" },
        { "clientToken", new string('t', 65), "clientToken" },
        { "dataAccessRoleArn", "not-an-arn-but-long-enough", "dataAccessRoleArn" },
        { "dataAccessRoleArn", "arn:aws:iam::1234:role/import-role", "dataAccessRoleArn" },
        { "dataAccessRoleArn", "arn:aws:iam::123456789012:user/someone", "dataAccessRoleArn" },
        { "inputS3Uri", "https://bucket.s3.amazonaws.com/imports/", "inputS3Uri" },
        { "inputS3Uri", "s3://Upper-Case-Bucket/imports/", "inputS3Uri" },
        { "inputS3Uri", "s3://ab", "inputS3Uri" },
        { "outputS3Uri", "s3://bucket/" + new string('k', 1020), "outputS3Uri" },
        { "inputOwnerAccountId", "", "inputOwnerAccountId" },
        { "inputOwnerAccountId", "12345678901", "inputOwnerAccountId" },
        { "inputOwnerAccountId", "12345678901a", "inputOwnerAccountId" },
    };

    [Theory]
    [MemberData(nameof(InvalidStartMembers))]
    public async Task StartDICOMImportJob_WhenMemberViolatesContract_ShouldAnswer400ValidationExceptionNamingIt(string member, string? value, string named)
    {
        var body = HealthImagingHarness.StartBody();
        body.Remove(member);
        if (value is not null)
        {
            body[member] = value;
        }

        using var response = await Harness.PostStartAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("ValidationException", HealthImagingHarness.ErrorType(response));
        var message = (await HealthImagingHarness.JsonAsync(response)).GetProperty("message").GetString();
        Assert.Contains($"'{named}'", message, StringComparison.Ordinal);
        Assert.Equal(0, Harness.Emulator.Counters.TotalJobsCreated);
    }

    [Fact]
    public async Task StartDICOMImportJob_WhenValueIsInvalid_ShouldNotEchoItInTheMessage()
    {
        var body = HealthImagingHarness.StartBody();
        body["inputS3Uri"] = "s3://BAD_BUCKET/patient-4711/";

        using var response = await Harness.PostStartAsync(body);

        var message = (await HealthImagingHarness.JsonAsync(response)).GetProperty("message").GetString();
        Assert.DoesNotContain("patient-4711", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartDICOMImportJob_WhenSeveralMembersAreMissing_ShouldCountEveryError()
    {
        using var response = await Harness.PostStartAsync(new Dictionary<string, object?> { ["jobName"] = "only-a-name" });

        var message = (await HealthImagingHarness.JsonAsync(response)).GetProperty("message").GetString();
        Assert.StartsWith("4 validation errors detected:", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("[1,2,3]")]
    [InlineData("")]
    [InlineData("""{"clientToken":42,"dataAccessRoleArn":"arn:aws:iam::123456789012:role/r","inputS3Uri":"s3://bucket/a/","outputS3Uri":"s3://bucket/b/"}""")]
    public async Task StartDICOMImportJob_WhenBodyIsNotTheExpectedObject_ShouldAnswer400ValidationException(string body)
    {
        using var response = await Harness.PostStartRawAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("ValidationException", HealthImagingHarness.ErrorType(response));
    }

    [Fact]
    public async Task StartDICOMImportJob_WhenAccountIdIsTwelveDigitsAndJobNameUsesEveryAllowedSymbol_ShouldAccept()
    {
        var body = HealthImagingHarness.StartBody();
        body["inputOwnerAccountId"] = "123456789012";
        body["jobName"] = "Study_1.2/3#4-5";

        using var response = await Harness.PostStartAsync(body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("0123456789ABCDEF0123456789ABCDEF")]
    [InlineData("0123456789abcdef")]
    public async Task StartDICOMImportJob_WhenDatastoreIdIsMalformed_ShouldAnswer400(string datastoreId)
    {
        using var response = await Harness.PostStartAsync(HealthImagingHarness.StartBody(), datastoreId);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("'datastoreId'", (await HealthImagingHarness.JsonAsync(response)).GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartDICOMImportJob_WhenDatastoreIsUnknown_ShouldAnswer404ResourceNotFound()
    {
        using var response = await Harness.PostStartAsync(HealthImagingHarness.StartBody(), "ffffffffffffffffffffffffffffffff");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("ResourceNotFoundException", HealthImagingHarness.ErrorType(response));
        Assert.True((await HealthImagingHarness.JsonAsync(response)).TryGetProperty("message", out _));
    }

    [Fact]
    public async Task StartDICOMImportJob_WhenRequestIsValid_ShouldAnswerTheContractResponse()
    {
        using var response = await Harness.PostStartAsync(HealthImagingHarness.StartBody());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var json = await HealthImagingHarness.JsonAsync(response);
        Assert.Equal(HealthImagingHarness.DatastoreId, json.GetProperty("datastoreId").GetString());
        Assert.Matches("^[0-9a-z]{32}$", json.GetProperty("jobId").GetString());
        Assert.Equal("SUBMITTED", json.GetProperty("jobStatus").GetString());
        Assert.Equal(JsonValueKind.Number, json.GetProperty("submittedAt").ValueKind);
        Assert.Equal(HealthImagingHarness.Start.ToUnixTimeMilliseconds() / 1000.0, json.GetProperty("submittedAt").GetDouble());
        Assert.Equal(4, json.EnumerateObject().Count());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer abc")]
    [InlineData("AWS4-HMAC-SHA256 Credential=AKID/20261125/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    [InlineData("AWS4-HMAC-SHA256 Credential=AKID/20261125/eu-west-1/medical-imaging/aws4_request, SignedHeaders=host, Signature=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    public async Task AnyOperation_WhenNotSignedForMedicalImagingInTheRegion_ShouldAnswer403AccessDenied(string? authorization)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"listDICOMImportJobs/datastore/{HealthImagingHarness.DatastoreId}");
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        using var response = await Harness.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("AccessDeniedException", HealthImagingHarness.ErrorType(response));
    }

    [Fact]
    public async Task GetDICOMImportJob_WhenJobIdIsMalformed_ShouldAnswer400()
    {
        using var response = await Harness.GetJobAsync("NOT-A-JOB-ID");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("'jobId'", (await HealthImagingHarness.JsonAsync(response)).GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetDICOMImportJob_WhenJobIsUnknown_ShouldAnswer404ResourceNotFound()
    {
        using var response = await Harness.GetJobAsync("ffffffffffffffffffffffffffffffff");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("ResourceNotFoundException", HealthImagingHarness.ErrorType(response));
    }

    [Fact]
    public async Task GetDICOMImportJob_WhenDatastoreIsUnknown_ShouldAnswer404EvenForAnExistingJob()
    {
        var jobId = await Harness.StartJobAsync("token-a", "imports/a/");

        using var response = await Harness.GetJobAsync(jobId, "ffffffffffffffffffffffffffffffff");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("ResourceNotFoundException", HealthImagingHarness.ErrorType(response));
    }

    [Theory]
    [InlineData("?maxResults=0", "maxResults")]
    [InlineData("?maxResults=51", "maxResults")]
    [InlineData("?maxResults=ten", "maxResults")]
    [InlineData("?jobStatus=DONE", "jobStatus")]
    [InlineData("?nextToken=", "nextToken")]
    [InlineData("?nextToken=bm90LWEtdG9rZW4=", "nextToken")]
    public async Task ListDICOMImportJobs_WhenQueryViolatesContract_ShouldAnswer400NamingTheMember(string query, string member)
    {
        using var response = await Harness.ListJobsAsync(query);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("ValidationException", HealthImagingHarness.ErrorType(response));
        Assert.Contains($"'{member}'", (await HealthImagingHarness.JsonAsync(response)).GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListDICOMImportJobs_WhenDatastoreIsUnknown_ShouldAnswer404()
    {
        using var response = await Harness.ListJobsAsync(datastoreId: "ffffffffffffffffffffffffffffffff");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("ResourceNotFoundException", HealthImagingHarness.ErrorType(response));
    }

    [Fact]
    public async Task UnknownRoute_WhenRunningStandalone_ShouldAnswer404UnknownOperation()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "datastore");
        request.Headers.TryAddWithoutValidation("Authorization", HealthImagingHarness.Authorization());

        using var response = await Harness.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("UnknownOperationException", HealthImagingHarness.ErrorType(response));
    }

    [Fact]
    public void Constructor_WhenDatastoreIdIsMalformed_ShouldRefuseToStart()
    {
        var options = new HealthImagingEmulatorOptions { DatastoreId = "short" };

        Assert.Throws<ArgumentException>(() =>
            new HealthImagingEmulator(options, new InMemoryImportStorage(), new SyntheticDicom.Inspector()));
    }
}

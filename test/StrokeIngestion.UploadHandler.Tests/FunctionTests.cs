using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Moq;
using StrokeIngestion.Core.Domain;
using StrokeIngestion.Core.Http;
using StrokeIngestion.Core.Observability;
using StrokeIngestion.Core.Ports;
using StrokeIngestion.Core.Resilience;
using StrokeIngestion.Core.Settings;
using StrokeIngestion.Core.Upload;
using StrokeIngestion.Sandbox.Dicom;

namespace StrokeIngestion.UploadHandler.Tests;

/// <summary>The Lambda entry point on the Stream contract: JSON event in, payload-2.0 response out.</summary>
public sealed class FunctionTests
{
    private const string Bucket = "stroke-detection-ai-dicom-uploads-111122223333";
    private const string StateMachineArn = "arn:aws:states:us-east-1:111122223333:stateMachine:stroke-detection-ai-processing";

    private readonly Mock<IObjectStore> _objects = new();
    private readonly Mock<IStudyStore> _studies = new();
    private readonly Mock<IImportService> _imports = new();
    private readonly Mock<IWorkflowStarter> _workflows = new();
    private readonly StringBuilder _log = new();
    private readonly Function _function;

    public FunctionTests()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
        var settings = new UploadSettings
        {
            Region = "us-east-1",
            StudyTableName = "stroke-detection-ai-study-metadata",
            UploadBucketName = Bucket,
            DatastoreId = "0123456789abcdef0123456789abcdef",
            ImportRoleArn = "arn:aws:iam::111122223333:role/import",
            StateMachineArn = StateMachineArn,
            UploadPrefix = "uploads/",
            ImportInputPrefix = "imports/",
            ImportOutputPrefix = "import-output/",
            AllowedModalities = new HashSet<string>(["CT", "MR"], StringComparer.Ordinal),
            Endpoints = new AwsEndpoints(null, null, null, null),
        };
        var noRetry = new RetryPolicy(1, TimeSpan.Zero, TimeSpan.Zero, (_, _) => Task.CompletedTask, () => 0);
        var service = new UploadService(_objects.Object, _studies.Object, _imports.Object, _workflows.Object, settings, time, noRetry, noRetry);
        var log = new StructuredLog(new StringWriter(_log), time);
        _function = new Function(new UploadEndpoint(service, settings.UploadPrefix, log), log, new StudyStatusEndpoint(_studies.Object, noRetry, time, log));
        _objects.SetupGet(o => o.BucketName).Returns(Bucket);
    }

    [Fact]
    public async Task Handle_WhenTheRouteIsGetStudy_ShouldAnswerTheStatusNotAnUploadError()
    {
        var id = StudyId.FromScope("function-status");
        _studies.Setup(s => s.GetAsync(id, It.IsAny<CancellationToken>())).ReturnsAsync((Study?)null);
        var eventJson = """
            {"version":"2.0","routeKey":"GET /studies/{study_id}","rawPath":"/prod/studies/ID",
             "pathParameters":{"study_id":"ID"},"headers":{},"isBase64Encoded":false,
             "requestContext":{"requestId":"r-1","routeKey":"GET /studies/{study_id}","stage":"prod",
               "authorizer":{"iam":{"userArn":"arn:aws:iam::111122223333:user/clinician-tool"}}}}
            """.Replace("ID", id.Value, StringComparison.Ordinal);

        var response = await InvokeAsync(eventJson);

        Assert.Equal(404, response.GetProperty("statusCode").GetInt32());
        Assert.Contains("study_not_found", response.GetProperty("body").GetString(), StringComparison.Ordinal);
        _studies.Verify(s => s.GetAsync(id, It.IsAny<CancellationToken>()), Times.Once);
    }

    private async Task<JsonElement> InvokeAsync(string eventJson)
    {
        await using var output = await _function.Handle(new MemoryStream(Encoding.UTF8.GetBytes(eventJson)));
        using var document = await JsonDocument.ParseAsync(output);
        return document.RootElement.Clone();
    }

    private static string Event(string body, bool base64 = false, string contentType = "application/json") =>
        JsonSerializer.Serialize(new
        {
            version = "2.0",
            routeKey = "POST /upload",
            rawPath = "/prod/upload",
            rawQueryString = "",
            headers = new Dictionary<string, string> { ["content-type"] = contentType, ["user-agent"] = "curl/8.0" },
            requestContext = new
            {
                accountId = "111122223333",
                apiId = "abc123",
                requestId = "JKs3hj7-oAMEVxw=",
                routeKey = "POST /upload",
                stage = "prod",
                http = new { method = "POST", path = "/prod/upload", protocol = "HTTP/1.1", sourceIp = "203.0.113.9", userAgent = "curl/8.0" },
                authorizer = new { iam = new { accessKey = "AKIAEXAMPLE", accountId = "111122223333", userArn = "arn:aws:iam::111122223333:user/clinician-tool", userId = "AIDAEXAMPLE" } },
                time = "25/Nov/2026:12:00:00 +0000",
                timeEpoch = 1795608000000,
            },
            body = base64 ? Convert.ToBase64String(Encoding.UTF8.GetBytes(body)) : body,
            isBase64Encoded = base64,
        });

    [Fact]
    public async Task Handle_WhenValidUpload_ShouldAnswer202WithSeedShape()
    {
        var dicom = SyntheticDicom.Create(SyntheticDicom.NewParameters(patientId: "P123456"));
        var stored = new StoredObject("uploads/brain_scan.dcm", dicom.Length, "\"etag\"", "v1");
        _objects.Setup(o => o.GetInfoAsync("uploads/brain_scan.dcm", It.IsAny<CancellationToken>())).ReturnsAsync(stored);
        _objects.Setup(o => o.ReadRangeAsync(stored, 0, It.IsAny<int>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((StoredObject _, long _, int count, CancellationToken _) => dicom[..Math.Min(count, dicom.Length)]);
        _studies.Setup(s => s.TryCreateAsync(It.IsAny<Study>(), It.IsAny<CancellationToken>())).ReturnsAsync(true);
        _studies.Setup(s => s.TryUpdateAsync(It.IsAny<StudyId>(), It.IsAny<StudyUpdate>(), It.IsAny<IReadOnlyCollection<string>>(), It.IsAny<CancellationToken>())).ReturnsAsync(true);
        _imports.Setup(i => i.StartImportAsync(It.IsAny<ImportJobRequest>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new ImportJob("job42", "0123456789abcdef0123456789abcdef", ImportJobStatus.Submitted, null, null, null, null));
        _workflows.Setup(w => w.StartAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string name, string _, CancellationToken _) => new WorkflowStart($"arn:aws:states:us-east-1:111122223333:execution:stroke-detection-ai-processing:{name}", false));

        var response = await InvokeAsync(Event("""{"patient_id":"P123456","study_description":"Brain CT - Suspected Stroke","file_key":"uploads/brain_scan.dcm"}""", base64: true));

        Assert.Equal(202, response.GetProperty("statusCode").GetInt32());
        Assert.Equal("application/json", response.GetProperty("headers").GetProperty("Content-Type").GetString());
        Assert.False(response.GetProperty("isBase64Encoded").GetBoolean());
        using var body = JsonDocument.Parse(response.GetProperty("body").GetString() ?? "{}");
        Assert.Equal("DICOM ingestion started", body.RootElement.GetProperty("message").GetString());
        Assert.Matches("^STUDY-[0-9a-f]{12}$", body.RootElement.GetProperty("study_id").GetString());
        Assert.Equal("job42", body.RootElement.GetProperty("import_job_id").GetString());
        Assert.Equal("processing", body.RootElement.GetProperty("status").GetString());
        _studies.Verify(s => s.TryCreateAsync(It.Is<Study>(study => study.SubmittedBy == "arn:aws:iam::111122223333:user/clinician-tool"), It.IsAny<CancellationToken>()));
    }

    [Fact]
    public async Task Handle_WhenObjectMissing_ShouldAnswer404EnvelopeAndLogNoPhi()
    {
        var response = await InvokeAsync(Event("""{"patient_id":"PHI-77","file_key":"uploads/jane_doe.dcm"}"""));

        Assert.Equal(404, response.GetProperty("statusCode").GetInt32());
        using var body = JsonDocument.Parse(response.GetProperty("body").GetString() ?? "{}");
        Assert.Equal("object_not_found", body.RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Contains("\"request_id\":\"JKs3hj7-oAMEVxw=\"", _log.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("PHI-77", _log.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("jane_doe", _log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Handle_WhenContentTypeWrong_ShouldAnswer415()
    {
        var response = await InvokeAsync(Event("patient_id=P1", contentType: "application/x-www-form-urlencoded"));

        Assert.Equal(415, response.GetProperty("statusCode").GetInt32());
    }

    [Theory]
    [InlineData("application/json; charset=windows-1252", 415, "unsupported_charset")]
    [InlineData("application/json; charset=iso-8859-1", 415, "unsupported_charset")]
    [InlineData("application/json", 400, "invalid_encoding")]
    public async Task Handle_WhenBodyIsWindows1252AsApiGatewaySendsIt_ShouldRefuseItNotStoreReplacementCharacters(string contentType, int status, string code)
    {
        // API Gateway never transcodes: bytes that are not UTF-8 reach the function as base64.
        byte[] cp1252 = [.. Encoding.ASCII.GetBytes("{\"patient_id\":\"P1\",\"file_key\":\"uploads/a.dcm\",\"study_description\":\"H"), 0xE9, 0x80, .. Encoding.ASCII.GetBytes("\"}")];

        var response = await InvokeAsync(Event(Convert.ToBase64String(cp1252), base64: false, contentType: contentType).Replace("\"isBase64Encoded\":false", "\"isBase64Encoded\":true", StringComparison.Ordinal));

        Assert.Equal(status, response.GetProperty("statusCode").GetInt32());
        using var body = JsonDocument.Parse(response.GetProperty("body").GetString() ?? "{}");
        Assert.Equal(code, body.RootElement.GetProperty("error").GetProperty("code").GetString());
        _objects.VerifyNoOtherCalls();
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("[1,2,3]")]
    [InlineData("null")]
    public async Task Handle_WhenEventIsNotAnHttpApiPayload_ShouldAnswer500WithoutThrowing(string eventJson)
    {
        var response = await InvokeAsync(eventJson);

        Assert.Equal(500, response.GetProperty("statusCode").GetInt32());
        using var body = JsonDocument.Parse(response.GetProperty("body").GetString() ?? "{}");
        Assert.Equal("internal_error", body.RootElement.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task Handle_WhenAPortThrowsUnexpectedly_ShouldAnswer500WithoutDetails()
    {
        _objects.Setup(o => o.GetInfoAsync(It.IsAny<string>(), It.IsAny<CancellationToken>())).ThrowsAsync(new InvalidOperationException("secret detail uploads/jane_doe.dcm"));

        var response = await InvokeAsync(Event("""{"patient_id":"P1","file_key":"uploads/jane_doe.dcm"}"""));

        Assert.Equal(500, response.GetProperty("statusCode").GetInt32());
        Assert.DoesNotContain("secret", response.GetProperty("body").GetString(), StringComparison.Ordinal);
        Assert.Contains("InvalidOperationException", _log.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("jane_doe", _log.ToString(), StringComparison.Ordinal);
    }
}

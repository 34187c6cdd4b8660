using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Moq;
using StrokeIngestion.Core.Domain;
using StrokeIngestion.Core.Http;
using StrokeIngestion.Core.Observability;
using StrokeIngestion.Core.Ports;
using StrokeIngestion.Core.Resilience;
using StrokeIngestion.Core.Settings;
using StrokeIngestion.Core.Tests.Fakes;
using StrokeIngestion.Core.Tests.Upload;
using StrokeIngestion.Core.Upload;

namespace StrokeIngestion.Core.Tests.Http;

public sealed class UploadEndpointTests : IDisposable
{
    private readonly InMemoryObjectStore _objects = new();
    private readonly StringWriter _logOutput = new();

    private UploadEndpoint Endpoint()
    {
        var time = new FakeTimeProvider();
        var settings = new UploadSettings
        {
            Region = "us-east-1",
            StudyTableName = "t",
            UploadBucketName = _objects.BucketName,
            DatastoreId = "0123456789abcdef0123456789abcdef",
            ImportRoleArn = "arn:aws:iam::111122223333:role/import",
            StateMachineArn = "arn:aws:states:us-east-1:111122223333:stateMachine:m",
            UploadPrefix = "uploads/",
            ImportInputPrefix = "imports/",
            ImportOutputPrefix = "import-output/",
            AllowedModalities = new HashSet<string>(["CT", "MR"], StringComparer.Ordinal),
            Endpoints = new AwsEndpoints(null, null, null, null),
        };
        var noRetry = new RetryPolicy(1, TimeSpan.Zero, TimeSpan.Zero, (_, _) => Task.CompletedTask, () => 0);
        var service = new UploadService(
            _objects,
            new InMemoryStudyStore(),
            Mock.Of<IImportService>(MockBehavior.Strict),
            Mock.Of<IWorkflowStarter>(MockBehavior.Strict),
            settings,
            time,
            noRetry,
            noRetry);
        return new UploadEndpoint(service, "uploads/", new StructuredLog(_logOutput, time));
    }

    public void Dispose() => _logOutput.Dispose();

    [Fact]
    public async Task HandleAsync_WhenRejected_ShouldAnswerErrorEnvelopeAsJson()
    {
        var response = await Endpoint().HandleAsync(new HttpApiRequestBuilder().WithFields(fileKey: "uploads/missing-scan-of-john.dcm").Build(), CancellationToken.None);

        Assert.Equal(404, response.StatusCode);
        Assert.Equal("application/json", response.Headers["Content-Type"]);
        using var body = JsonDocument.Parse(response.Body);
        var error = body.RootElement.GetProperty("error");
        Assert.Equal("object_not_found", error.GetProperty("code").GetString());
        Assert.Equal("file_key", error.GetProperty("field").GetString());
        Assert.Contains("file_key", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("john", response.Body, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task HandleAsync_WhenRequestHandled_ShouldLogOneJsonLineWithoutPhi()
    {
        await Endpoint().HandleAsync(new HttpApiRequestBuilder().WithFields(patientId: "PHI-PATIENT-42", fileKey: "uploads/smith_john.dcm").Build(), CancellationToken.None);

        var line = Assert.Single(_logOutput.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        using var log = JsonDocument.Parse(line);
        Assert.Equal("object_not_found", log.RootElement.GetProperty("outcome").GetString());
        Assert.Equal(404, log.RootElement.GetProperty("status_code").GetInt32());
        Assert.True(log.RootElement.TryGetProperty("duration_ms", out _));
        Assert.DoesNotContain("PHI-PATIENT-42", line, StringComparison.Ordinal);
        Assert.DoesNotContain("smith", line, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void ToResponse_WhenDependencyThrottled_ShouldSetRetryAfterSeconds()
    {
        var response = UploadEndpoint.ToResponse(UploadOutcome.Rejected(UploadErrors.Throttled(TimeSpan.FromSeconds(4.2))));

        Assert.Equal(503, response.StatusCode);
        Assert.Equal("5", response.Headers["Retry-After"]);
    }

    [Theory]
    [InlineData(StudyStatus.Importing, false, 202, "processing")]
    [InlineData(StudyStatus.Importing, true, 200, "processing")]
    [InlineData(StudyStatus.ReadyForAnalysis, true, 200, "ready_for_analysis")]
    public void ToResponse_WhenAccepted_ShouldUseSeedShapeWithDuplicateFlag(string status, bool duplicate, int expectedCode, string expectedStatus)
    {
        var study = new Study
        {
            StudyId = StudyId.FromScope("x"),
            PatientId = "P1",
            UploadTimestamp = "2026-11-25T12:00:00.000Z",
            StudyDescription = string.Empty,
            S3Bucket = "b",
            S3Key = "uploads/a.dcm",
            ImportPrefix = "imports/x/",
            DatastoreId = "d",
            Status = status,
            ProcessingStage = "ingestion",
            Modality = "CT",
            StudyInstanceUid = "1.2",
            SeriesInstanceUids = ["1.2.3"],
            FileCount = 1,
            TotalBytes = 10,
            RequestFingerprint = "f",
            ImportJobId = "job1",
        };

        var response = UploadEndpoint.ToResponse(UploadOutcome.Accepted(study, duplicate));

        Assert.Equal(expectedCode, response.StatusCode);
        using var body = JsonDocument.Parse(response.Body);
        Assert.Equal(study.StudyId.Value, body.RootElement.GetProperty("study_id").GetString());
        Assert.Equal("job1", body.RootElement.GetProperty("import_job_id").GetString());
        Assert.Equal(expectedStatus, body.RootElement.GetProperty("status").GetString());
        Assert.Equal(duplicate, body.RootElement.GetProperty("duplicate").GetBoolean());
        Assert.False(body.RootElement.TryGetProperty("patient_id", out _));
    }
}

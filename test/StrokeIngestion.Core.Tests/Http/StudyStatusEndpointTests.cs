using System.Text;
using Microsoft.Extensions.Time.Testing;
using StrokeIngestion.Core.Admission;
using StrokeIngestion.Core.Domain;
using StrokeIngestion.Core.Errors;
using StrokeIngestion.Core.Http;
using StrokeIngestion.Core.Observability;
using StrokeIngestion.Core.Resilience;
using StrokeIngestion.Core.Tests.Aws;
using StrokeIngestion.Core.Tests.Fakes;
using StrokeIngestion.Core.Tests.Upload;
using StrokeIngestion.Core.Upload;

namespace StrokeIngestion.Core.Tests.Http;

public sealed class StudyStatusEndpointTests
{
    private const string Caller = "arn:aws:iam::111122223333:user/clinician-tool";
    private const string PatientId = "P-SECRET-4711";
    private static readonly StudyId Id = StudyId.FromScope("status-tests");

    private readonly InMemoryStudyStore _studies = new();
    private readonly InMemoryImportBacklog _backlog = new();
    private readonly InMemoryAdmissionLedgerStore _ledger = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));
    private readonly StringBuilder _logText = new();

    private StudyStatusEndpoint Endpoint(bool queueing = true) => new(
        _studies,
        new RetryPolicy(2, TimeSpan.Zero, TimeSpan.Zero, (_, _) => Task.CompletedTask, () => 0),
        _time,
        new StructuredLog(new StringWriter(_logText), _time),
        queueing ? new ImportQueueing(_backlog, new AdmissionController(_ledger, AdmissionLimits.Default, _time), _time) { StartAtOnce = false } : null);

    [Fact]
    public async Task HandleAsync_WhenTheStudyIsReady_ShouldAnswerItsPublicViewWithoutPhi()
    {
        _studies.Put(Study(StudyStatus.ReadyForAnalysis) with { ImportJobId = "job1", ImageSetIds = ["img1", "img2"] });

        var response = await Endpoint().HandleAsync(new HttpApiRequestBuilder().ForStudyStatus(Id.Value).Build(), CancellationToken.None);

        Assert.Equal(200, response.StatusCode);
        Assert.Equal(
            $"{{\"study_id\":\"{Id.Value}\",\"status\":\"READY_FOR_ANALYSIS\",\"priority\":\"urgent\",\"import_job_id\":\"job1\",\"image_set_ids\":[\"img1\",\"img2\"],\"failure_reason\":null,\"updated_at\":\"2026-12-04T11:00:00.000Z\"}}",
            response.Body);
        Assert.DoesNotContain(PatientId, response.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("uploads/", response.Body, StringComparison.Ordinal);
        Assert.DoesNotContain(PatientId, _logText.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandleAsync_WhenTheStudyIsQueuedBehindOthers_ShouldAnswerItsPlaceAndEstimatedStart()
    {
        _studies.Put(Study(StudyStatus.Queued) with { Priority = "routine" });
        _backlog.Waiting = new QueueBacklog(Urgent: 2, Routine: 5);

        var response = await Endpoint().HandleAsync(new HttpApiRequestBuilder().ForStudyStatus(Id.Value).Build(), CancellationToken.None);

        Assert.Equal(200, response.StatusCode);
        Assert.Contains("\"status\":\"QUEUED\",\"priority\":\"routine\",\"queue_position\":7,\"estimated_start\":\"2026-12-04T12:00:05.000Z\"", response.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandleAsync_WhenTheIdIsUnknown_ShouldAnswer404()
    {
        var response = await Endpoint().HandleAsync(new HttpApiRequestBuilder().ForStudyStatus(Id.Value).Build(), CancellationToken.None);

        Assert.Equal(404, response.StatusCode);
        Assert.Contains("\"code\":\"study_not_found\"", response.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandleAsync_WhenAnotherCallerSubmittedTheStudy_ShouldAnswer404AsIfUnknown()
    {
        _studies.Put(Study(StudyStatus.Importing));

        var response = await Endpoint().HandleAsync(new HttpApiRequestBuilder().WithCaller("arn:aws:iam::111122223333:user/someone-else").ForStudyStatus(Id.Value).Build(), CancellationToken.None);

        Assert.Equal(404, response.StatusCode);
    }

    [Theory]
    [InlineData("")]
    [InlineData("STUDY-XYZ")]
    [InlineData("P-SECRET-4711")]
    public async Task HandleAsync_WhenTheIdIsMalformed_ShouldAnswer400WithoutEchoingIt(string id)
    {
        var response = await Endpoint().HandleAsync(new HttpApiRequestBuilder().ForStudyStatus(id).Build(), CancellationToken.None);

        Assert.Equal(400, response.StatusCode);
        Assert.Contains("\"code\":\"invalid_study_id\"", response.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRET", response.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandleAsync_WhenTheTableThrottles_ShouldAnswer503WithRetryAfterFromTheBacklog()
    {
        _backlog.Waiting = new QueueBacklog(Urgent: 6, Routine: 0);
        for (var i = 0; i < 2; i++)
        {
            _studies.GetFailures.Enqueue(new TransientDependencyException(Dependency.DynamoDb, "ProvisionedThroughputExceededException", "slow", throttled: true));
        }

        var response = await Endpoint().HandleAsync(new HttpApiRequestBuilder().ForStudyStatus(Id.Value).Build(), CancellationToken.None);

        Assert.Equal(503, response.StatusCode);
        // Six urgent ahead, two tokens, one per second: a new urgent study waits 5 s.
        Assert.Equal("5", response.Headers?["Retry-After"]);
    }

    private static Study Study(string status) => DynamoDbTestStudies.Minimal(Id, PatientId, "2026-12-04T11:00:00.000Z") with
    {
        S3Key = "uploads/secret-name/",
        Status = status,
        SubmittedBy = Caller,
        UpdatedAt = "2026-12-04T11:00:00.000Z",
    };
}

using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Moq;
using StrokeIngestion.Core.Admission;
using StrokeIngestion.Core.Domain;
using StrokeIngestion.Core.Observability;
using StrokeIngestion.Core.Ports;
using StrokeIngestion.Core.Resilience;
using StrokeIngestion.Core.Settings;
using StrokeIngestion.Core.Upload;

namespace StrokeIngestion.ImportDispatcher.Tests;

public sealed class FunctionTests
{
    private const string UrgentArn = "arn:aws:sqs:us-east-1:111122223333:stroke-detection-ai-import-urgent";
    private static readonly StudyId Queued = StudyId.FromScope("dispatcher-function-tests");
    private static readonly StudyId Unknown = StudyId.FromScope("nobody");

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));
    private readonly Mock<IStudyStore> _studies = new();
    private readonly Mock<IObjectStore> _objects = new(MockBehavior.Strict);
    private readonly Mock<IImportService> _imports = new(MockBehavior.Strict);
    private readonly Mock<IWorkflowStarter> _workflows = new(MockBehavior.Strict);
    private readonly Mock<IImportBacklog> _backlog = new();
    private readonly Mock<IAdmissionLedgerStore> _ledger = new();
    private readonly StringBuilder _logText = new();

    public FunctionTests()
    {
        _studies.Setup(s => s.GetAsync(Queued, It.IsAny<CancellationToken>())).ReturnsAsync(QueuedStudy());
        _studies.Setup(s => s.GetAsync(Unknown, It.IsAny<CancellationToken>())).ReturnsAsync((Study?)null);
    }

    /// <param name="holdBudget">Zero by default: the refusal goes straight back to the queue.</param>
    private Function Function(TimeSpan? holdBudget = null)
    {
        var retry = new RetryPolicy(1, TimeSpan.Zero, TimeSpan.Zero, (_, _) => Task.CompletedTask, () => 0);
        var settings = new UploadSettings
        {
            Region = "us-east-1",
            StudyTableName = "t",
            UploadBucketName = "b",
            DatastoreId = "0123456789abcdef0123456789abcdef",
            ImportRoleArn = "arn:aws:iam::111122223333:role/import",
            StateMachineArn = "arn:aws:states:us-east-1:111122223333:stateMachine:sm",
            UploadPrefix = "uploads/",
            ImportInputPrefix = "imports/",
            ImportOutputPrefix = "import-output/",
            AllowedModalities = new HashSet<string>(["CT"], StringComparer.Ordinal),
            Endpoints = new AwsEndpoints(null, null, null, null),
        };
        var admission = new AdmissionController(_ledger.Object, AdmissionLimits.Default, _time);
        var launcher = new ImportLauncher(_objects.Object, _studies.Object, _workflows.Object, settings, _time, retry);
        var dispatcher = new ImportDispatchService(_studies.Object, _objects.Object, _imports.Object, launcher, admission, retry, _time);
        var log = new StructuredLog(new StringWriter(_logText), _time);
        return new Function(new DispatchBatch(dispatcher, _backlog.Object, log, holdBudget ?? TimeSpan.Zero), new SlotReconciler(admission, _studies.Object, _imports.Object), log);
    }

    [Fact]
    public async Task Handle_WhenABatchHoldsAnUnknownStudyAndAMalformedBody_ShouldKeepOnlyTheMalformedOneForTheDlq()
    {
        var input = SqsEvent(("m-1", Body(Unknown, "urgent"), 1), ("m-2", "{\"study_id\":\"not-an-id\"}", 1));

        using var output = await Function().Handle(input);

        Assert.Equal("{\"batchItemFailures\":[{\"itemIdentifier\":\"m-2\"}]}", Read(output));
        _backlog.Verify(b => b.PostponeAsync(It.IsAny<QueueDelivery>(), It.IsAny<TimeSpan>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Handle_WhenAdmissionRefusesWithinTheHoldBudget_ShouldAskAgainInsideTheInvocationBeforeGivingItBack()
    {
        var empty = AdmissionLedger.Empty(AdmissionLimits.Default, _time.GetUtcNow()) with { Tokens = 0 };
        _ledger.Setup(l => l.ReadAsync(It.IsAny<CancellationToken>())).ReturnsAsync(new VersionedLedger(empty, 7));
        _ledger.Setup(l => l.TryWriteAsync(It.IsAny<AdmissionLedger>(), 7, It.IsAny<CancellationToken>())).ReturnsAsync(true);

        using var output = await Function(TimeSpan.FromSeconds(2.5)).Handle(SqsEvent(("m-9", Body(Queued, "urgent"), 1)));

        // The token never comes (the ledger stays empty): asked once, then again after each
        // 1 s token wait inside the 2.5 s budget, then handed back to the queue.
        Assert.Equal("{\"batchItemFailures\":[{\"itemIdentifier\":\"m-9\"}]}", Read(output));
        _ledger.Verify(l => l.ReadAsync(It.IsAny<CancellationToken>()), Times.Exactly(3));
        _backlog.Verify(b => b.PostponeAsync(It.IsAny<QueueDelivery>(), It.IsAny<TimeSpan>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Handle_WhenAStudyWasRefusedForCapacityTenTimes_ShouldSendItAgainAsANewMessageInsteadOfNearingTheDlq()
    {
        var empty = AdmissionLedger.Empty(AdmissionLimits.Default, _time.GetUtcNow()) with { Tokens = 0 };
        _ledger.Setup(l => l.ReadAsync(It.IsAny<CancellationToken>())).ReturnsAsync(new VersionedLedger(empty, 7));
        _ledger.Setup(l => l.TryWriteAsync(It.IsAny<AdmissionLedger>(), 7, It.IsAny<CancellationToken>())).ReturnsAsync(true);

        using var output = await Function().Handle(SqsEvent(("m-9", Body(Queued, "urgent"), DispatchBatch.ResendAfterReceives)));

        Assert.Equal("{\"batchItemFailures\":[]}", Read(output));
        _backlog.Verify(b => b.EnqueueAsync(Queued, StudyPriority.Urgent, It.IsAny<CancellationToken>()), Times.Once);
        _backlog.Verify(b => b.PostponeAsync(It.IsAny<QueueDelivery>(), It.IsAny<TimeSpan>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Handle_WhenAdmissionHasNoTokenLeft_ShouldPostponeTheMessageForTheTokenWaitAndReportIt()
    {
        var empty = AdmissionLedger.Empty(AdmissionLimits.Default, _time.GetUtcNow()) with { Tokens = 0 };
        _ledger.Setup(l => l.ReadAsync(It.IsAny<CancellationToken>())).ReturnsAsync(new VersionedLedger(empty, 7));
        _ledger.Setup(l => l.TryWriteAsync(It.IsAny<AdmissionLedger>(), 7, It.IsAny<CancellationToken>())).ReturnsAsync(true);

        using var output = await Function().Handle(SqsEvent(("m-9", Body(Queued, "urgent"), 3)));

        Assert.Equal("{\"batchItemFailures\":[{\"itemIdentifier\":\"m-9\"}]}", Read(output));
        _backlog.Verify(b => b.PostponeAsync(new QueueDelivery(UrgentArn, "rh-m-9"), TimeSpan.FromSeconds(1), It.IsAny<CancellationToken>()), Times.Once);
        Assert.Contains("\"outcome\":\"no_start_token\"", _logText.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Handle_WhenTheSweepRunsAfterALostImportEvent_ShouldFreeTheEndedJobsSlot()
    {
        var holders = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal) { [Queued.Value] = _time.GetUtcNow().AddHours(-1) };
        var ledger = AdmissionLedger.Empty(AdmissionLimits.Default, _time.GetUtcNow()) with { SlotHolders = holders };
        _ledger.Setup(l => l.ReadAsync(It.IsAny<CancellationToken>())).ReturnsAsync(new VersionedLedger(ledger, 3));
        _ledger.Setup(l => l.TryWriteAsync(It.Is<AdmissionLedger>(x => x.RunningJobs == 0), 3, It.IsAny<CancellationToken>())).ReturnsAsync(true);
        _studies.Setup(s => s.GetAsync(Queued, It.IsAny<CancellationToken>())).ReturnsAsync(QueuedStudy() with { Status = StudyStatus.ReadyForAnalysis, ImportJobId = "job1" });
        _imports.Setup(i => i.GetImportJobAsync("0123456789abcdef0123456789abcdef", "job1", It.IsAny<CancellationToken>()))
            .ReturnsAsync(new ImportJob("job1", "0123456789abcdef0123456789abcdef", ImportJobStatus.Completed, null, null, null, null));

        using var output = await Function().Handle(new MemoryStream("{\"action\":\"sweep\"}"u8.ToArray()));

        Assert.Equal("{\"slots_freed\":1,\"studies_requeued\":0}", Read(output));
    }

    [Fact]
    public async Task Handle_WhenTheInputIsNeitherABatchNorASweep_ShouldThrow()
    {
        await Assert.ThrowsAsync<InvalidDataException>(() => Function().Handle(new MemoryStream("{\"action\":\"dance\"}"u8.ToArray())));
    }

    private static string Body(StudyId id, string priority) => $"{{\"study_id\":\"{id.Value}\",\"priority\":\"{priority}\"}}";

    private static MemoryStream SqsEvent(params (string Id, string Body, int ReceiveCount)[] messages)
    {
        var records = messages.Select(m => new Dictionary<string, object>
        {
            ["messageId"] = m.Id,
            ["receiptHandle"] = "rh-" + m.Id,
            ["body"] = m.Body,
            ["attributes"] = new Dictionary<string, string> { ["ApproximateReceiveCount"] = m.ReceiveCount.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            ["eventSource"] = "aws:sqs",
            ["eventSourceARN"] = UrgentArn,
        });
        return new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object> { ["Records"] = records.ToList() }));
    }

    private static string Read(Stream output) => new StreamReader(output).ReadToEnd();

    private static Study QueuedStudy() => new()
    {
        StudyId = Queued,
        PatientId = "P1",
        UploadTimestamp = "2026-12-04T11:59:00.000Z",
        StudyDescription = "",
        S3Bucket = "b",
        S3Key = "uploads/a.dcm",
        ImportPrefix = $"imports/{Queued.Value}/",
        DatastoreId = "0123456789abcdef0123456789abcdef",
        Status = StudyStatus.Queued,
        ProcessingStage = "ingestion",
        Modality = "CT",
        StudyInstanceUid = "1.2",
        SeriesInstanceUids = ["1.2.3"],
        FileCount = 1,
        TotalBytes = 10,
        RequestFingerprint = "f",
        Priority = "urgent",
    };
}

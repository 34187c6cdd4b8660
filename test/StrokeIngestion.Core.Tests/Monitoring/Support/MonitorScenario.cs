using System.Text;
using Moq;
using StrokeIngestion.Core.Tests.Fakes;
using StrokeIngestion.Core.Domain;
using StrokeIngestion.Core.Monitoring;
using StrokeIngestion.Core.Observability;
using StrokeIngestion.Core.Ports;

namespace StrokeIngestion.Core.Tests.Monitoring.Support;

/// <summary>
/// One study being imported, with the monitor wired to fakes: an in-memory study table and
/// bucket, a mocked HealthImaging, a fake clock and a captured log.
/// </summary>
internal sealed class MonitorScenario
{
    public const string Bucket = "stroke-detection-ai-dicom-uploads-123456789012";
    public const string DatastoreId = "0123456789abcdef0123456789abcdef";
    public const string JobId = "9f8e7d6c5b4a39281706f5e4d3c2b1a0";

    /// <summary>Seeded PHI: must never reach a log line or a failure message.</summary>
    public const string PatientId = "PAT-SEEDED-4711";

    public static readonly StudyId Study = StudyId.FromScope("monitor-tests");
    public static readonly DateTimeOffset Start = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    public static readonly string RequestedFolder = $"import-output/{Study.Value}/";
    public static readonly string ResolvedFolder = $"{RequestedFolder}{DatastoreId}-DicomImport-{JobId}/";
    public static readonly string ManifestKey = ResolvedFolder + "job-output-manifest.json";
    public static readonly string FailureKey = ResolvedFolder + "FAILURE/failure.ndjson";

    private readonly StringBuilder _logText = new();

    public MonitorScenario(MonitorOptions? options = null)
    {
        Time = new TimerAwareTimeProvider(Start);
        Log = new StructuredLog(new StringWriter(_logText), Time);
        Service = new ImportMonitorService(Imports.Object, Objects, Studies, Time, Log, options);
        Studies.Put(NewStudy());
    }

    public InMemoryStudyStore Studies { get; } = new();

    public InMemoryObjectStore Objects { get; } = new(Bucket);

    public Mock<IImportService> Imports { get; } = new(MockBehavior.Strict);

    public TimerAwareTimeProvider Time { get; }

    public StructuredLog Log { get; }

    public ImportMonitorService Service { get; }

    public string LogText => _logText.ToString();

    public Study Record => Studies.Find(Study) ?? throw new InvalidOperationException("The study is gone.");

    public static ImportPollRequest Request(int attempt = 0) => new(Study, DatastoreId, JobId, attempt);

    public static Study NewStudy(string status = StudyStatus.Importing) => new()
    {
        StudyId = Study,
        PatientId = PatientId,
        UploadTimestamp = "2026-11-25T11:59:00.000Z",
        StudyDescription = "CT HEAD WO CONTRAST",
        S3Bucket = Bucket,
        S3Key = "uploads/batch-17/",
        ImportPrefix = $"imports/{Study.Value}/",
        DatastoreId = DatastoreId,
        Status = status,
        ProcessingStage = "ingestion",
        Modality = "CT",
        StudyInstanceUid = "1.2.826.0.1.3680043.8.498.1",
        SeriesInstanceUids = ["1.2.826.0.1.3680043.8.498.2"],
        FileCount = 3,
        TotalBytes = 1_572_864,
        RequestFingerprint = "fingerprint",
        ImportJobId = JobId,
        ImportStatus = ImportJobStatus.Submitted,
    };

    /// <summary>HealthImaging answers with a job in <paramref name="status"/>; the output URI is the resolved folder unless given.</summary>
    public void GivenJob(string status, string? message = null, string? outputS3Uri = null, DateTimeOffset? endedAt = null)
    {
        var job = new ImportJob(
            JobId,
            DatastoreId,
            status,
            outputS3Uri ?? $"s3://{Bucket}/{ResolvedFolder}",
            message,
            Start.AddMinutes(-5),
            endedAt);
        Imports
            .Setup(imports => imports.GetImportJobAsync(DatastoreId, JobId, It.IsAny<CancellationToken>()))
            .ReturnsAsync(job);
    }

    public void GivenManifest(ManifestBuilder manifest) => Objects.Put(ManifestKey, manifest.Build());

    public void GivenFailures(FailureNdjsonBuilder failures) => Objects.Put(FailureKey, failures.Build());
}

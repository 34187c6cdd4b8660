using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using StrokeIngestion.Core.Domain;
using StrokeIngestion.Core.Monitoring;
using StrokeIngestion.Core.Observability;
using StrokeIngestion.Core.Ports;

namespace StrokeIngestion.Benchmarks.Monitoring;

/// <summary>
/// The import monitor's work on a finished 5,000-file import (HealthImaging's per-job
/// maximum) that produced four image sets: parsing <c>job-output-manifest.json</c> alone,
/// and a whole <see cref="ImportMonitorService.PollAsync"/> over in-memory ports (manifest,
/// failure list when files failed, evaluation, the study update and the outcome).
/// </summary>
/// <remarks>Not sealed: BenchmarkDotNet derives from benchmark classes.</remarks>
[MemoryDiagnoser]
public class ManifestReadBenchmark
{
    private const int Files = 5000;
    private const int ImageSets = 4;

    private readonly string _cleanManifest;
    private readonly Scenario _clean;
    private readonly Scenario _partlyRejected;
    private readonly Scenario _allRejected;

    public ManifestReadBenchmark()
    {
        _clean = new Scenario(rejected: 0);
        _partlyRejected = new Scenario(rejected: 120);
        _allRejected = new Scenario(rejected: Files);
        _cleanManifest = _clean.ManifestText;
    }

    [Benchmark(Description = "ImportManifest.TryParse (5,000 files, 4 image sets)")]
    public ImportManifest ParseManifest() =>
        ImportManifest.TryParse(_cleanManifest, out var manifest)
            ? manifest
            : throw new InvalidOperationException("The manifest did not parse.");

    [Benchmark(Description = "PollAsync: clean import -> READY_FOR_ANALYSIS")]
    public Task<ImportPollOutcome> PollCleanImport() => _clean.PollAsync(StudyStatus.ReadyForAnalysis);

    [Benchmark(Description = "PollAsync: 120 of 5,000 files rejected")]
    public Task<ImportPollOutcome> PollPartlyRejectedImport() => _partlyRejected.PollAsync(StudyStatus.ImportFailed);

    [Benchmark(Description = "PollAsync: all 5,000 files rejected")]
    public Task<ImportPollOutcome> PollAllRejectedImport() => _allRejected.PollAsync(StudyStatus.ImportFailed);

    /// <summary>One COMPLETED job with its output files in an in-memory bucket, and a study that stays IMPORTING.</summary>
    private sealed class Scenario
    {
        private const string Bucket = "stroke-detection-ai-dicom-uploads-111122223333";
        private const string DatastoreId = "0123456789abcdef0123456789abcdef";
        private const string JobId = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";

        private static readonly StudyId Study = StudyId.FromScope("bench\nmanifest");

        private readonly ImportMonitorService _monitor;
        private readonly ImportPollRequest _request = new(Study, DatastoreId, JobId, Attempt: 3);

        public Scenario(int rejected)
        {
            var folder = $"import-output/{Study.Value}/{DatastoreId}-DicomImport-{JobId}/";
            ManifestText = Manifest(folder, rejected);
            var objects = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [folder + ImportManifest.FileName] = ManifestText,
            };
            if (rejected > 0)
            {
                objects[folder + FailureSummary.RelativeKey] = FailureLines(rejected);
            }

            var time = TimeProvider.System;
            var job = new ImportJob(JobId, DatastoreId, ImportJobStatus.Completed, $"s3://{Bucket}/{folder}", null, time.GetUtcNow().AddMinutes(-30), time.GetUtcNow().AddMinutes(-1));
            _monitor = new ImportMonitorService(
                new FixedImportService(job),
                new TextObjectStore(Bucket, objects),
                new ImportingStudyStore(ImportingStudy()),
                time,
                new StructuredLog(TextWriter.Null, time));
        }

        public string ManifestText { get; }

        public async Task<ImportPollOutcome> PollAsync(string expectedStatus)
        {
            var outcome = await _monitor.PollAsync(_request, CancellationToken.None);
            return outcome.Status == expectedStatus && outcome.Done
                ? outcome
                : throw new InvalidOperationException($"Expected {expectedStatus}, got {outcome.Status} ({outcome.FailureReason}).");
        }

        /// <summary>The manifest as aws-contracts.md documents it; the files are spread evenly over the image sets.</summary>
        private static string Manifest(string folder, int rejected)
        {
            var uri = $"s3://{Bucket}/{folder}";
            var imported = Files - rejected;
            using var buffer = new MemoryStream();
            using (var json = new Utf8JsonWriter(buffer))
            {
                json.WriteStartObject();
                json.WriteStartObject("jobSummary");
                json.WriteString("jobId", JobId);
                json.WriteString("datastoreId", DatastoreId);
                json.WriteString("inputS3Uri", $"s3://{Bucket}/imports/{Study.Value}/");
                json.WriteString("outputS3Uri", uri);
                json.WriteString("successOutputS3Uri", uri + "SUCCESS/");
                json.WriteString("failureOutputS3Uri", uri + "FAILURE/");
                json.WriteString("warningsOutputS3Uri", uri + "WARNING/");
                json.WriteNumber("numberOfScannedFiles", Files);
                json.WriteNumber("numberOfImportedFiles", imported);
                json.WriteNumber("numberOfFilesWithCustomerError", rejected);
                json.WriteNumber("numberOfFilesWithServerError", 0);
                var sets = imported == 0 ? 0 : ImageSets;
                json.WriteNumber("numberOfGeneratedImageSets", sets);
                json.WriteStartArray("imageSetsSummary");
                for (var set = 0; set < sets; set++)
                {
                    json.WriteStartObject();
                    json.WriteString("imageSetId", $"{set:x2}{JobId[2..]}");
                    json.WriteNumber("imageSetVersion", 1);
                    json.WriteBoolean("isPrimary", true);
                    json.WriteNumber("numberOfMatchedSOPInstances", (imported / sets) + (set < imported % sets ? 1 : 0));
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteEndObject();
                json.WriteEndObject();
            }

            return Encoding.UTF8.GetString(buffer.ToArray());
        }

        /// <summary><c>FAILURE/failure.ndjson</c>: one line per rejected file, three exception types.</summary>
        private static string FailureLines(int rejected)
        {
            string[] types = ["ValidationException", "UnsupportedTransferSyntaxException", "DICOMParsingException"];
            var text = new StringBuilder();
            for (var file = 1; file <= rejected; file++)
            {
                var line = new Dictionary<string, object>
                {
                    ["inputFile"] = $"s3://{Bucket}/imports/{Study.Value}/{file:D5}.dcm",
                    ["exception"] = new Dictionary<string, string>
                    {
                        ["exceptionType"] = types[file % 7 == 0 ? 1 : file % 11 == 0 ? 2 : 0],
                        ["message"] = "The DICOM instance does not satisfy the import's requirements for attribute (0010,0020).",
                    },
                };
                text.Append(JsonSerializer.Serialize(line)).Append('\n');
            }

            return text.ToString();
        }

        private static Study ImportingStudy() => new()
        {
            StudyId = Study,
            PatientId = "1CT1",
            UploadTimestamp = "2026-11-25T12:00:00.000Z",
            StudyDescription = "Brain CT - Suspected Stroke",
            S3Bucket = Bucket,
            S3Key = "uploads/bench/",
            ImportPrefix = $"imports/{Study.Value}/",
            DatastoreId = DatastoreId,
            Status = StudyStatus.Importing,
            ProcessingStage = "ingestion",
            Modality = "CT",
            StudyInstanceUid = "2.25.1",
            SeriesInstanceUids = ["2.25.2", "2.25.3", "2.25.4", "2.25.5"],
            FileCount = Files,
            TotalBytes = Files * 530_000L,
            RequestFingerprint = new string('0', 64),
            ImportJobId = JobId,
            ImportStatus = ImportJobStatus.InProgress,
        };
    }

    /// <summary>GetDICOMImportJob answered at once with the same job.</summary>
    private sealed class FixedImportService(ImportJob job) : IImportService
    {
        private readonly Task<ImportJob?> _found = Task.FromResult<ImportJob?>(job);

        public Task<ImportJob> StartImportAsync(ImportJobRequest request, CancellationToken cancellationToken) =>
            throw new NotSupportedException("The monitor never starts imports.");

        public Task<ImportJob?> GetImportJobAsync(string datastoreId, string jobId, CancellationToken cancellationToken) => _found;
    }

    /// <summary>
    /// The import's output files as text already in memory: the string a real GET would
    /// allocate belongs to the remote call, not to the monitor.
    /// </summary>
    private sealed class TextObjectStore(string bucketName, IReadOnlyDictionary<string, string> texts) : IObjectStore
    {
        public string BucketName { get; } = bucketName;

        public Task<StoredObject?> GetInfoAsync(string key, CancellationToken cancellationToken) => throw Unused();

        public Task<IReadOnlyList<StoredObject>> ListAsync(string prefix, int limit, CancellationToken cancellationToken) => throw Unused();

        public Task<byte[]> ReadRangeAsync(StoredObject source, long offset, int count, CancellationToken cancellationToken) => throw Unused();

        public Task CopyAsync(StoredObject source, string destinationKey, CancellationToken cancellationToken) => throw Unused();

        public Task<string?> ReadTextAsync(string key, CancellationToken cancellationToken) =>
            Task.FromResult(texts.GetValueOrDefault(key));

        private static NotSupportedException Unused() => new("The monitor only reads text objects.");
    }

    /// <summary>A study that is IMPORTING on every read, and whose conditional updates always succeed (and are dropped), so every poll decides afresh.</summary>
    private sealed class ImportingStudyStore(Study study) : IStudyStore
    {
        private readonly Task<Study?> _study = Task.FromResult<Study?>(study);
        private readonly Task<bool> _updated = Task.FromResult(true);

        public Task<bool> TryCreateAsync(Study study, CancellationToken cancellationToken) => throw new NotSupportedException("The monitor never creates studies.");

        public Task<Study?> GetAsync(StudyId id, CancellationToken cancellationToken) => _study;

        public Task<IReadOnlyList<StudyId>> ListStaleAsync(string status, DateTimeOffset updatedBefore, int limit, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<StudyId>>([]);

        public Task<bool> TryUpdateAsync(StudyId id, StudyUpdate update, IReadOnlyCollection<string> expectedStatuses, CancellationToken cancellationToken) => _updated;
    }
}

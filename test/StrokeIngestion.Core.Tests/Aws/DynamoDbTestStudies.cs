using StrokeIngestion.Core.Domain;

namespace StrokeIngestion.Core.Tests.Aws;

/// <summary>Studies for the table tests: one with every attribute set, one with only the required ones.</summary>
internal static class DynamoDbTestStudies
{
    public static StudyId NewId() => StudyId.FromScope(Guid.NewGuid().ToString());

    public static Study Minimal(StudyId id, string patientId = "PAT-0001", string uploadTimestamp = "2026-11-25T12:00:00.000Z") =>
        new()
        {
            StudyId = id,
            PatientId = patientId,
            UploadTimestamp = uploadTimestamp,
            StudyDescription = "CT head without contrast",
            S3Bucket = "stroke-detection-ai-dicom-uploads-123456789012",
            S3Key = "uploads/case-17/",
            ImportPrefix = $"imports/{id.Value}/",
            DatastoreId = "0123456789abcdef0123456789abcdef",
            Status = StudyStatus.Received,
            ProcessingStage = "UPLOADED",
            Modality = "CT",
            StudyInstanceUid = "1.2.840.113619.2.55.3.604688119.969.1268071029.320",
            SeriesInstanceUids = ["1.2.840.113619.2.55.3.604688119.969.1268071029.321"],
            FileCount = 2,
            TotalBytes = 1_048_576,
            RequestFingerprint = new string('a', 64),
        };

    public static Study Full(StudyId id) =>
        Minimal(id) with
        {
            Status = StudyStatus.Importing,
            SeriesInstanceUids = ["1.2.3.4", "1.2.3.5", "1.2.3.6"],
            FileCount = 412,
            TotalBytes = 5_368_709_120,
            PatientIdMismatchAccepted = true,
            SubmittedBy = "arn:aws:iam::123456789012:user/radiology-gateway",
            ImportJobId = "4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c",
            ImportStatus = ImportJobStatus.InProgress,
            ExecutionArn = $"arn:aws:states:eu-west-1:123456789012:execution:stroke-detection-ai-processing:stroke-analysis-{id.Value}",
            FailureReason = "import_partial",
            FailureMessage = "2 files failed validation",
            UpdatedAt = "2026-11-25T12:05:00.000Z",
            PollCount = 7,
            ImageSetId = "a1b2c3d4e5f60718293a4b5c6d7e8f90",
            ImageSetIds = ["a1b2c3d4e5f60718293a4b5c6d7e8f90", "0f9e8d7c6b5a49382716f5e4d3c2b1a0"],
            ImportCounts = new ImportFileCounts(Scanned: 412, Imported: 410, CustomerErrors: 2, ServerErrors: 0, GeneratedImageSets: 2),
            ReadyAt = "2026-11-25T12:06:00.000Z",
            WorkflowTaskToken = "AQCEAAAAKgAAAAMAAAAAAAAAAd0Zt7M1bP+stored-task-token==",
            ImportEventStatus = ImportJobStatus.Completed,
            ImportEventAt = "2026-11-25T12:05:30.000Z",
        };

    /// <summary>A study whose import is running and whose workflow has not armed its event wait: no token, no event yet.</summary>
    public static Study Importing(StudyId id) =>
        Full(id) with { WorkflowTaskToken = null, ImportEventStatus = null, ImportEventAt = null };
}

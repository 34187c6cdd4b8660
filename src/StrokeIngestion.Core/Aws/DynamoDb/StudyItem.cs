using System.Globalization;
using Amazon.DynamoDBv2.Model;
using StrokeIngestion.Core.Domain;
using StrokeIngestion.Core.Errors;

namespace StrokeIngestion.Core.Aws.DynamoDb;

/// <summary>
/// The study table's item shape: attribute names and the mapping between <see cref="Study"/>
/// and an item. Null properties are left out of the item rather than stored as NULL, so an
/// absent attribute and a null property mean the same thing.
/// </summary>
internal static class StudyItem
{
    public const string StudyId = "study_id";
    public const string PatientId = "patient_id";
    public const string UploadTimestamp = "upload_timestamp";
    public const string StudyDescription = "study_description";
    public const string S3Bucket = "s3_bucket";
    public const string S3Key = "s3_key";
    public const string ImportPrefix = "import_prefix";
    public const string DatastoreId = "datastore_id";
    public const string Status = "status";
    public const string ProcessingStage = "processing_stage";
    public const string Modality = "modality";
    public const string StudyInstanceUid = "study_instance_uid";
    public const string SeriesInstanceUids = "series_instance_uids";
    public const string FileCount = "file_count";
    public const string TotalBytes = "total_bytes";
    public const string RequestFingerprint = "request_fingerprint";
    public const string PatientIdMismatchAccepted = "patient_id_mismatch_accepted";
    public const string SubmittedBy = "submitted_by";
    public const string Priority = "priority";
    public const string QueuedAt = "queued_at";
    public const string SourceDigest = "source_digest";
    public const string ImportJobId = "import_job_id";
    public const string ImportStatus = "import_status";
    public const string ExecutionArn = "execution_arn";
    public const string FailureReason = "failure_reason";
    public const string FailureMessage = "failure_message";
    public const string UpdatedAt = "updated_at";
    public const string PollCount = "poll_count";
    public const string ImageSetId = "image_set_id";
    public const string ImageSetIds = "image_set_ids";
    public const string FilesScanned = "files_scanned";
    public const string FilesImported = "files_imported";
    public const string FilesWithCustomerError = "files_with_customer_error";
    public const string FilesWithServerError = "files_with_server_error";
    public const string ImageSetsGenerated = "image_sets_generated";
    public const string ReadyAt = "ready_at";
    public const string WorkflowTaskToken = "workflow_task_token";
    public const string ImportEventStatus = "import_event_status";
    public const string ImportEventAt = "import_event_at";

    public static Dictionary<string, AttributeValue> Key(StudyId id) =>
        new(StringComparer.Ordinal) { [StudyId] = S(id.Value) };

    public static Dictionary<string, AttributeValue> ToItem(Study study)
    {
        var item = new Dictionary<string, AttributeValue>(StringComparer.Ordinal)
        {
            [StudyId] = S(study.StudyId.Value),
            [PatientId] = S(study.PatientId),
            [UploadTimestamp] = S(study.UploadTimestamp),
            [StudyDescription] = S(study.StudyDescription),
            [S3Bucket] = S(study.S3Bucket),
            [S3Key] = S(study.S3Key),
            [ImportPrefix] = S(study.ImportPrefix),
            [DatastoreId] = S(study.DatastoreId),
            [Status] = S(study.Status),
            [ProcessingStage] = S(study.ProcessingStage),
            [Modality] = S(study.Modality),
            [StudyInstanceUid] = S(study.StudyInstanceUid),
            [SeriesInstanceUids] = L(study.SeriesInstanceUids),
            [FileCount] = N(study.FileCount),
            [TotalBytes] = N(study.TotalBytes),
            [RequestFingerprint] = S(study.RequestFingerprint),
            [PatientIdMismatchAccepted] = new AttributeValue { BOOL = study.PatientIdMismatchAccepted },
            [PollCount] = N(study.PollCount),
        };

        AddIfSet(item, SubmittedBy, study.SubmittedBy);
        AddIfSet(item, Priority, study.Priority);
        AddIfSet(item, QueuedAt, study.QueuedAt);
        AddIfSet(item, SourceDigest, study.SourceDigest);
        AddIfSet(item, ImportJobId, study.ImportJobId);
        AddIfSet(item, ImportStatus, study.ImportStatus);
        AddIfSet(item, ExecutionArn, study.ExecutionArn);
        AddIfSet(item, FailureReason, study.FailureReason);
        AddIfSet(item, FailureMessage, study.FailureMessage);
        AddIfSet(item, UpdatedAt, study.UpdatedAt);
        AddIfSet(item, ImageSetId, study.ImageSetId);
        AddIfSet(item, ReadyAt, study.ReadyAt);
        AddIfSet(item, WorkflowTaskToken, study.WorkflowTaskToken);
        AddIfSet(item, ImportEventStatus, study.ImportEventStatus);
        AddIfSet(item, ImportEventAt, study.ImportEventAt);
        if (study.ImageSetIds is not null)
        {
            item[ImageSetIds] = L(study.ImageSetIds);
        }

        if (study.ImportCounts is not null)
        {
            foreach (var (name, value) in CountAttributes(study.ImportCounts))
            {
                item[name] = value;
            }
        }

        return item;
    }

    public static Study FromItem(Dictionary<string, AttributeValue> item) =>
        new()
        {
            StudyId = ReadStudyId(item),
            PatientId = RequiredString(item, PatientId),
            UploadTimestamp = RequiredString(item, UploadTimestamp),
            StudyDescription = RequiredString(item, StudyDescription),
            S3Bucket = RequiredString(item, S3Bucket),
            S3Key = RequiredString(item, S3Key),
            ImportPrefix = RequiredString(item, ImportPrefix),
            DatastoreId = RequiredString(item, DatastoreId),
            Status = RequiredString(item, Status),
            ProcessingStage = RequiredString(item, ProcessingStage),
            Modality = RequiredString(item, Modality),
            StudyInstanceUid = RequiredString(item, StudyInstanceUid),
            SeriesInstanceUids = OptionalList(item, SeriesInstanceUids) ?? throw Malformed(SeriesInstanceUids),
            FileCount = OptionalInt(item, FileCount) ?? throw Malformed(FileCount),
            TotalBytes = OptionalLong(item, TotalBytes) ?? throw Malformed(TotalBytes),
            RequestFingerprint = RequiredString(item, RequestFingerprint),
            PatientIdMismatchAccepted = item.TryGetValue(PatientIdMismatchAccepted, out var accepted) && accepted.BOOL == true,
            SubmittedBy = OptionalString(item, SubmittedBy),
            Priority = OptionalString(item, Priority),
            QueuedAt = OptionalString(item, QueuedAt),
            SourceDigest = OptionalString(item, SourceDigest),
            ImportJobId = OptionalString(item, ImportJobId),
            ImportStatus = OptionalString(item, ImportStatus),
            ExecutionArn = OptionalString(item, ExecutionArn),
            FailureReason = OptionalString(item, FailureReason),
            FailureMessage = OptionalString(item, FailureMessage),
            UpdatedAt = OptionalString(item, UpdatedAt),
            PollCount = OptionalInt(item, PollCount) ?? 0,
            ImageSetId = OptionalString(item, ImageSetId),
            ImageSetIds = OptionalList(item, ImageSetIds),
            ImportCounts = ReadCounts(item),
            ReadyAt = OptionalString(item, ReadyAt),
            WorkflowTaskToken = OptionalString(item, WorkflowTaskToken),
            ImportEventStatus = OptionalString(item, ImportEventStatus),
            ImportEventAt = OptionalString(item, ImportEventAt),
        };

    /// <summary>The five count attributes, in the order the manifest names them.</summary>
    public static IEnumerable<(string Name, AttributeValue Value)> CountAttributes(ImportFileCounts counts)
    {
        yield return (FilesScanned, N(counts.Scanned));
        yield return (FilesImported, N(counts.Imported));
        yield return (FilesWithCustomerError, N(counts.CustomerErrors));
        yield return (FilesWithServerError, N(counts.ServerErrors));
        yield return (ImageSetsGenerated, N(counts.GeneratedImageSets));
    }

    public static AttributeValue S(string value) => new() { S = value };

    public static AttributeValue N(long value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };

    public static AttributeValue L(IEnumerable<string> values) => new() { L = [.. values.Select(S)] };

    private static void AddIfSet(Dictionary<string, AttributeValue> item, string name, string? value)
    {
        if (value is not null)
        {
            item[name] = S(value);
        }
    }

    private static StudyId ReadStudyId(Dictionary<string, AttributeValue> item) =>
        Domain.StudyId.TryParse(RequiredString(item, StudyId), out var id)
            ? id
            : throw Malformed(StudyId);

    private static ImportFileCounts? ReadCounts(Dictionary<string, AttributeValue> item)
    {
        string[] names = [FilesScanned, FilesImported, FilesWithCustomerError, FilesWithServerError, ImageSetsGenerated];
        if (!names.Any(item.ContainsKey))
        {
            return null;
        }

        return new ImportFileCounts(
            OptionalInt(item, FilesScanned) ?? 0,
            OptionalInt(item, FilesImported) ?? 0,
            OptionalInt(item, FilesWithCustomerError) ?? 0,
            OptionalInt(item, FilesWithServerError) ?? 0,
            OptionalInt(item, ImageSetsGenerated) ?? 0);
    }

    private static string RequiredString(Dictionary<string, AttributeValue> item, string name) =>
        OptionalString(item, name) ?? throw Malformed(name);

    private static string? OptionalString(Dictionary<string, AttributeValue> item, string name)
    {
        if (!item.TryGetValue(name, out var value) || value.NULL == true)
        {
            return null;
        }

        return value.S ?? throw Malformed(name);
    }

    private static List<string>? OptionalList(Dictionary<string, AttributeValue> item, string name)
    {
        if (!item.TryGetValue(name, out var value) || value.NULL == true)
        {
            return null;
        }

        // Another writer may have stored a string set; accept it as a list.
        if (value.SS is { } set)
        {
            return [.. set];
        }

        // SDK v4 leaves collections null when the wire had none, so an L attribute with no
        // members can arrive as L == null with IsLSet.
        if (value.L is null)
        {
            return value.IsLSet ? [] : throw Malformed(name);
        }

        return [.. value.L.Select(member => member.S ?? throw Malformed(name))];
    }

    private static int? OptionalInt(Dictionary<string, AttributeValue> item, string name)
    {
        var number = OptionalLong(item, name);
        return number is null ? null
            : number is >= int.MinValue and <= int.MaxValue ? (int)number.Value
            : throw Malformed(name);
    }

    private static long? OptionalLong(Dictionary<string, AttributeValue> item, string name)
    {
        if (!item.TryGetValue(name, out var value) || value.NULL == true)
        {
            return null;
        }

        return long.TryParse(value.N, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number)
            ? number
            : throw Malformed(name);
    }

    private static DependencyException Malformed(string attribute) =>
        new(Dependency.DynamoDb, "MalformedItem", $"The study item's attribute '{attribute}' is missing or has an unexpected type.");
}

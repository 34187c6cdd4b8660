namespace StrokeIngestion.Sandbox.HealthImaging;

/// <summary>Fixed settings of one emulated HealthImaging datastore.</summary>
internal sealed record HealthImagingEmulatorOptions
{
    /// <summary><c>[0-9a-z]{32}</c>; the only datastore the emulator knows (others are 404).</summary>
    public string DatastoreId { get; init; } = "0123456789abcdef0123456789abcdef";

    /// <summary>Region the SigV4 credential scope must name.</summary>
    public string Region { get; init; } = "us-east-1";

    public string AccountId { get; init; } = "123456789012";

    /// <summary>How long a new job reports SUBMITTED.</summary>
    public TimeSpan SubmittedFor { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long it then reports IN_PROGRESS before it ends (and its files are processed).</summary>
    public TimeSpan InProgressFor { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Status of a job whose every file failed inspection. The service documents that
    /// <c>jobStatus</c> describes the job's execution and that a COMPLETED job can hold failed
    /// files; it does not document the all-files-failed case, so COMPLETED is the default and
    /// FAILED can be chosen to exercise a client's other path.
    /// </summary>
    public string AllFilesFailedStatus { get; init; } = ImportJobStatuses.Completed;

    /// <summary>Files per job (service quota 5,000); a larger input fails the job.</summary>
    public int MaxFilesPerJob { get; init; } = 5000;

    /// <summary>Seed of the Random behind fault rates.</summary>
    public int FaultSeed { get; init; } = 1;

    /// <summary>Job and image set ids (<c>[0-9a-z]{32}</c>); replace for deterministic ids.</summary>
    public Func<string> NewId { get; init; } = static () => Guid.NewGuid().ToString("N");

    internal void Validate()
    {
        if (!HealthImagingValidation.IsDatastoreId(DatastoreId))
        {
            throw new ArgumentException("DatastoreId must match [0-9a-z]{32}.", nameof(DatastoreId));
        }

        if (SubmittedFor < TimeSpan.Zero || InProgressFor < TimeSpan.Zero)
        {
            throw new ArgumentException("Job durations cannot be negative.");
        }

        if (AllFilesFailedStatus is not (ImportJobStatuses.Completed or ImportJobStatuses.Failed))
        {
            throw new ArgumentException("AllFilesFailedStatus must be COMPLETED or FAILED.", nameof(AllFilesFailedStatus));
        }
    }
}

/// <summary>The <c>jobStatus</c> values of the import API.</summary>
internal static class ImportJobStatuses
{
    public const string Submitted = "SUBMITTED";
    public const string InProgress = "IN_PROGRESS";
    public const string Completed = "COMPLETED";
    public const string Failed = "FAILED";

    public static bool IsKnown(string value) => value is Submitted or InProgress or Completed or Failed;
}

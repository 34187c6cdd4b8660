using System.Globalization;
using StrokeIngestion.Sandbox.Quotas;

namespace StrokeIngestion.Sandbox.HealthImaging;

/// <summary>
/// Fixed settings of one emulated HealthImaging datastore. The defaults are the service's
/// documented quotas on a clock that runs like the service's; a host that runs faster (the
/// sandbox's time scale) scales the times and rates itself.
/// </summary>
internal sealed record HealthImagingEmulatorOptions
{
    public static readonly RateLimit DocumentedStartRate = new(1, 2);
    public static readonly RateLimit DocumentedGetRate = new(25, 50);
    public static readonly RateLimit DocumentedListRate = new(10, 20);

    /// <summary>
    /// For tests about something other than quotas and timing: no throttle, SUBMITTED 1 s then
    /// IN_PROGRESS 1 s whatever the file count.
    /// </summary>
    public static HealthImagingEmulatorOptions Unthrottled { get; } = new()
    {
        ImportTime = TimeSpan.FromSeconds(2),
        ImportTimePerFile = TimeSpan.Zero,
        StartRate = RateLimit.Unlimited,
        GetRate = RateLimit.Unlimited,
        ListRate = RateLimit.Unlimited,
    };

    /// <summary><c>[0-9a-z]{32}</c>; the only datastore the emulator knows (others are 404).</summary>
    public string DatastoreId { get; init; } = "0123456789abcdef0123456789abcdef";

    /// <summary>Region the SigV4 credential scope must name.</summary>
    public string Region { get; init; } = "us-east-1";

    public string AccountId { get; init; } = "123456789012";

    /// <summary>
    /// The fixed part of a job's run time, on the emulator's clock: a job reports SUBMITTED for
    /// the first half of it, then IN_PROGRESS until it ends.
    /// </summary>
    public TimeSpan ImportTime { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>What each file under the input prefix adds to a job's run time (counted when the job starts).</summary>
    public TimeSpan ImportTimePerFile { get; init; } = TimeSpan.FromSeconds(0.1);

    /// <summary>StartDICOMImportJob's throttle (429 ThrottlingException beyond it); the strictest documented default, 1 TPS burst 2.</summary>
    public RateLimit StartRate { get; init; } = DocumentedStartRate;

    /// <summary>GetDICOMImportJob's throttle; the documented default is 25 TPS burst 50.</summary>
    public RateLimit GetRate { get; init; } = DocumentedGetRate;

    /// <summary>ListDICOMImportJobs's throttle; the documented default is 10 TPS burst 20.</summary>
    public RateLimit ListRate { get; init; } = DocumentedListRate;

    /// <summary>
    /// Jobs that may be SUBMITTED or IN_PROGRESS at once; one more is refused with
    /// 402 ServiceQuotaExceededException (the service default is 100 per datastore).
    /// </summary>
    public int MaxConcurrentJobs { get; init; } = 100;

    /// <summary>
    /// Status of a job whose every file failed inspection. The service documents that
    /// <c>jobStatus</c> describes the job's execution and that a COMPLETED job can hold failed
    /// files; it does not document the all-files-failed case, so COMPLETED is the default and
    /// FAILED can be chosen to exercise a client's other path.
    /// </summary>
    public string AllFilesFailedStatus { get; init; } = ImportJobStatuses.Completed;

    /// <summary>Files per job (service quota 5,000); a larger input fails the job.</summary>
    public int MaxFilesPerJob { get; init; } = 5000;

    /// <summary>Bytes per job (service quota 10 GB, fixed; taken here as 10 GiB); a larger input fails the job.</summary>
    public long MaxBytesPerJob { get; init; } = 10L * 1024 * 1024 * 1024;

    /// <summary>Seed of the Random behind fault rates.</summary>
    public int FaultSeed { get; init; } = 1;

    /// <summary>Job and image set ids (<c>[0-9a-z]{32}</c>); replace for deterministic ids.</summary>
    public Func<string> NewId { get; init; } = static () => Guid.NewGuid().ToString("N");

    /// <summary>One line for start-up output: rates, running jobs and import time.</summary>
    public string QuotaSummary() => string.Create(
        CultureInfo.InvariantCulture,
        $"StartDICOMImportJob {StartRate}, GetDICOMImportJob {GetRate}, {MaxConcurrentJobs} running jobs, imports {ImportTime.TotalSeconds:0.###} s + {ImportTimePerFile.TotalSeconds:0.####} s per file");

    internal void Validate()
    {
        if (!HealthImagingValidation.IsDatastoreId(DatastoreId))
        {
            throw new ArgumentException("DatastoreId must match [0-9a-z]{32}.", nameof(DatastoreId));
        }

        if (ImportTime < TimeSpan.Zero || ImportTimePerFile < TimeSpan.Zero)
        {
            throw new ArgumentException("Import times cannot be negative.");
        }

        foreach (var (limit, name) in new[] { (StartRate, nameof(StartRate)), (GetRate, nameof(GetRate)), (ListRate, nameof(ListRate)) })
        {
            if (!limit.IsUnlimited)
            {
                limit.Validate(name);
            }
        }

        if (MaxConcurrentJobs < 1 || MaxFilesPerJob < 1 || MaxBytesPerJob < 1)
        {
            throw new ArgumentException("MaxConcurrentJobs, MaxFilesPerJob and MaxBytesPerJob must be at least 1.");
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

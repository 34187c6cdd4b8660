using System.Globalization;
using StrokeIngestion.Core.Admission;

namespace StrokeIngestion.Core.Settings;

/// <summary>
/// The dispatcher's extra configuration, beside <see cref="UploadSettings"/>: the two queues
/// and the admission limits (stack context keys <c>importStartTps</c>,
/// <c>maxConcurrentImportJobs</c>, <c>urgentReservedJobs</c>).
/// </summary>
public sealed record AdmissionSettings(string UrgentQueueUrl, string RoutineQueueUrl, AdmissionLimits Limits, Uri? SqsEndpoint)
{
    /// <summary>Reads and validates; throws <see cref="SettingsException"/> naming the first bad variable.</summary>
    public static AdmissionSettings Load(EnvironmentReader env)
    {
        ArgumentNullException.ThrowIfNull(env);
        var limits = LoadLimits(env);
        return new AdmissionSettings(
            env.Required("URGENT_QUEUE_URL"),
            env.Required("ROUTINE_QUEUE_URL"),
            limits,
            env.Endpoint("AWS_ENDPOINT_URL_SQS"));
    }

    /// <summary>
    /// The queue settings when the stack gives the function its queues (<c>URGENT_QUEUE_URL</c>
    /// set), else null: the function then starts imports inline, as before the queues existed.
    /// </summary>
    public static AdmissionSettings? LoadIfQueued(EnvironmentReader env)
    {
        ArgumentNullException.ThrowIfNull(env);
        return string.IsNullOrEmpty(env.Optional("URGENT_QUEUE_URL")) ? null : Load(env);
    }

    /// <summary>
    /// The admission limits alone (the monitor frees job slots and needs no queue), or null when
    /// the stack gives the function no <c>MAX_CONCURRENT_IMPORT_JOBS</c>.
    /// </summary>
    public static AdmissionLimits? LoadLimitsIfSet(EnvironmentReader env)
    {
        ArgumentNullException.ThrowIfNull(env);
        return string.IsNullOrEmpty(env.Optional("MAX_CONCURRENT_IMPORT_JOBS")) ? null : LoadLimits(env);
    }

    private static AdmissionLimits LoadLimits(EnvironmentReader env)
    {
        var tps = Number(env, "IMPORT_START_TPS", "1", min: 0.001);
        var burst = (int)Number(env, "IMPORT_START_BURST", "2", min: 1);
        var maxJobs = (int)Number(env, "MAX_CONCURRENT_IMPORT_JOBS", "100", min: 1);
        var reserved = (int)Number(env, "URGENT_RESERVED_JOBS", "10", min: 0);
        if (reserved >= maxJobs)
        {
            throw new SettingsException("URGENT_RESERVED_JOBS", "must be less than MAX_CONCURRENT_IMPORT_JOBS, or routine studies would never start");
        }

        return AdmissionLimits.Create(tps, burst, maxJobs, reserved);
    }

    private static double Number(EnvironmentReader env, string name, string fallback, double min)
    {
        var text = env.OptionalOrDefault(name, fallback);
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value) || value < min)
        {
            throw new SettingsException(name, $"must be a number of at least {min.ToString(CultureInfo.InvariantCulture)}");
        }

        return value;
    }
}

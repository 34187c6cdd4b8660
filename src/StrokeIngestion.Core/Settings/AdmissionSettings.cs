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
        var tps = Number(env, "IMPORT_START_TPS", "1", min: 0.001);
        var burst = (int)Number(env, "IMPORT_START_BURST", "2", min: 1);
        var maxJobs = (int)Number(env, "MAX_CONCURRENT_IMPORT_JOBS", "100", min: 1);
        var reserved = (int)Number(env, "URGENT_RESERVED_JOBS", "10", min: 0);
        if (reserved >= maxJobs)
        {
            throw new SettingsException("URGENT_RESERVED_JOBS", "must be less than MAX_CONCURRENT_IMPORT_JOBS, or routine studies would never start");
        }

        return new AdmissionSettings(
            env.Required("URGENT_QUEUE_URL"),
            env.Required("ROUTINE_QUEUE_URL"),
            AdmissionLimits.Create(tps, burst, maxJobs, reserved),
            env.Endpoint("AWS_ENDPOINT_URL_SQS"));
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

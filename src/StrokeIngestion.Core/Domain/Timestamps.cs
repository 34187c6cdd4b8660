using System.Globalization;

namespace StrokeIngestion.Core.Domain;

/// <summary>
/// The one timestamp format of study records: ISO 8601 in UTC with milliseconds
/// (<c>2026-11-25T12:00:00.000Z</c>). Fixed width, so the strings also sort in time order,
/// which the <c>patient-index</c> range key relies on.
/// </summary>
public static class Timestamps
{
    /// <summary>The custom format string (quoted literals, so no culture or offset can leak in).</summary>
    public const string Pattern = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    /// <summary>Formats <paramref name="instant"/> converted to UTC.</summary>
    public static string Format(DateTimeOffset instant) =>
        instant.UtcDateTime.ToString(Pattern, CultureInfo.InvariantCulture);

    /// <summary>The current time of <paramref name="time"/>, formatted.</summary>
    public static string Now(TimeProvider time) => Format(time.GetUtcNow());
}

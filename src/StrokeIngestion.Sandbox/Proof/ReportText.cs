using System.Globalization;

namespace StrokeIngestion.Sandbox.Proof;

/// <summary>How the proof reports print counts.</summary>
internal static class ReportText
{
    /// <summary><c>" a: 1, b: 2"</c>, or <c>" -"</c> for none.</summary>
    public static string Describe<T>(IReadOnlyDictionary<string, T> counts) =>
        counts.Count == 0 ? " -" : " " + string.Join(", ", counts.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Key}: {p.Value}")));

    /// <summary>Every attempt's answer, by status (<c>timeout</c> when none came).</summary>
    public static SortedDictionary<string, int> AttemptStatuses(IEnumerable<UploadResult> results) => Count(
        results.SelectMany(r => r.Statuses).Select(s => s == 0 ? "timeout" : s.ToString(CultureInfo.InvariantCulture)));

    /// <summary>Final refusals by status and code.</summary>
    public static SortedDictionary<string, int> Rejections(IEnumerable<UploadResult> results) => Count(
        results.Where(r => !r.Accepted).Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.StatusCode} {r.Code}")));

    private static SortedDictionary<string, int> Count(IEnumerable<string> keys) => new(
        keys.GroupBy(k => k, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal),
        StringComparer.Ordinal);
}

using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace StrokeIngestion.Core.Monitoring;

/// <summary>
/// Exception types counted from an import's <c>FAILURE/failure.ndjson</c>. Only the
/// <c>exceptionType</c> field is read, and only when it looks like a type name: the
/// lines also carry input file names and messages that may quote DICOM values (PHI),
/// which never leave this class.
/// </summary>
public sealed partial class FailureSummary
{
    /// <summary>The file's path inside the job's resolved output folder.</summary>
    public const string RelativeKey = "FAILURE/failure.ndjson";

    /// <summary>Stands for a type that is absent, unparseable or not shaped like a type name.</summary>
    public const string OtherType = "Other";

    private const int MaxTypesShown = 5;

    private FailureSummary(IReadOnlyList<KeyValuePair<string, int>> types) => Types = types;

    /// <summary>Exception type → number of lines, most frequent first, then by name.</summary>
    public IReadOnlyList<KeyValuePair<string, int>> Types { get; }

    public static FailureSummary Parse(string ndjson)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var rawLine in ndjson.Split('\n'))
        {
            var line = rawLine.Trim();
            if (line.Length == 0)
            {
                continue;
            }

            var type = TypeOf(line);
            counts[type] = counts.GetValueOrDefault(type) + 1;
        }

        var ordered = counts
            .OrderByDescending(pair => pair.Value)
            .ThenBy(pair => pair.Key, StringComparer.Ordinal)
            .ToList();
        return new FailureSummary(ordered);
    }

    /// <summary><c>ValidationException×2, UnsupportedTransferSyntax×1</c>; at most five types, then "+N more".</summary>
    public string Describe()
    {
        var text = new StringBuilder();
        foreach (var (type, count) in Types.Take(MaxTypesShown))
        {
            if (text.Length > 0)
            {
                text.Append(", ");
            }

            text.Append(CultureInfo.InvariantCulture, $"{type}×{count}");
        }

        if (Types.Count > MaxTypesShown)
        {
            text.Append(CultureInfo.InvariantCulture, $", +{Types.Count - MaxTypesShown} more");
        }

        return text.ToString();
    }

    private static string TypeOf(string line)
    {
        try
        {
            var type = JsonSerializer.Deserialize(line, ManifestJsonContext.Default.FailureLine)?.Exception?.ExceptionType;
            return type is not null && TypeNameShape().IsMatch(type) ? type : OtherType;
        }
        catch (JsonException)
        {
            return OtherType;
        }
    }

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9_.]{0,63}\z", RegexOptions.CultureInvariant)]
    private static partial Regex TypeNameShape();
}

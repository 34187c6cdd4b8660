using System.Globalization;
using System.Text.RegularExpressions;
using StrokeIngestion.Testing;

namespace StrokeIngestion.EndToEnd.Tests.BadInput;

/// <summary>
/// The error codes README documents (its <c>| status | code | when |</c> table), read from the
/// file at the repository root so that a code the API answers with but the docs omit, or a
/// status that differs from the docs, fails the corpus.
/// </summary>
internal static partial class DocumentedErrors
{
    /// <summary>Codes where the request as a whole is at fault, so the error names no field.</summary>
    public static readonly IReadOnlySet<string> RequestLevelCodes = new HashSet<string>(StringComparer.Ordinal)
    {
        "unsupported_media_type",
        "unsupported_charset",
        "payload_too_large",
        "invalid_encoding",
        "missing_body",
        "invalid_json",
        "invalid_body",
    };

    /// <summary>Code → HTTP status, as README's table has them.</summary>
    public static IReadOnlyDictionary<string, int> Load()
    {
        var readme = Path.Combine(ExternalTool.RepoRoot, "README.md");
        var table = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(readme))
        {
            var row = ErrorRow().Match(line);
            if (row.Success)
            {
                table[row.Groups["code"].Value] = int.Parse(row.Groups["status"].Value, CultureInfo.InvariantCulture);
            }
        }

        return table.Count > 0
            ? table
            : throw new InvalidOperationException($"{readme} has no error table rows like '| 400 | `missing_body` | … |'.");
    }

    [GeneratedRegex(@"^\|\s*(?<status>[1-5]\d\d)\s*\|\s*`(?<code>[a-z_]+)`\s*\|")]
    private static partial Regex ErrorRow();
}

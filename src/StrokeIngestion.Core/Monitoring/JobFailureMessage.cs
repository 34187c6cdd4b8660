namespace StrokeIngestion.Core.Monitoring;

/// <summary>
/// Turns the free-text <c>message</c> of a FAILED import job into a fixed phrase. The
/// original text can name S3 keys, file names or DICOM values (PHI), and no sanitiser
/// can be sure to catch all of those; so nothing of it is kept verbatim: it is matched
/// against a few keyword families and the family's own wording is stored instead.
/// </summary>
public static class JobFailureMessage
{
    public const string Unclassified = "the job's message is withheld (it may name files)";

    public const string NoMessage = "HealthImaging gave no message";

    private static readonly (string Phrase, string[] Keywords)[] Families =
    [
        ("HealthImaging could not access the input or output location", ["access denied", "accessdenied", "not authorized", "unauthorized", "permission", "forbidden", "assume"]),
        ("an encryption key could not be used", ["kms", "encrypt", "decrypt"]),
        ("an import quota or limit was exceeded", ["quota", "limit", "too many", "exceed"]),
        ("the input or output location was not found", ["not found", "does not exist", "nosuch", "no such"]),
        ("the import request or its input was invalid", ["invalid", "validation", "malformed", "unsupported"]),
        ("HealthImaging reported an internal error", ["internal"]),
    ];

    /// <summary>The fixed phrase for <paramref name="message"/>'s family.</summary>
    public static string Classify(string? message)
    {
        if (string.IsNullOrWhiteSpace(message))
        {
            return NoMessage;
        }

        foreach (var (phrase, keywords) in Families)
        {
            if (keywords.Any(keyword => message.Contains(keyword, StringComparison.OrdinalIgnoreCase)))
            {
                return phrase;
            }
        }

        return Unclassified;
    }
}

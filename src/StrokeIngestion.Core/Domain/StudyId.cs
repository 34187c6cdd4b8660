using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace StrokeIngestion.Core.Domain;

/// <summary>
/// A study's identifier, <c>STUDY-</c> followed by 12 lower-case hex digits. It is derived
/// from the request's idempotency scope, so a retried request maps to the same study.
/// Kept distinct from patient identifiers (PHI), which are never part of it in clear.
/// </summary>
public sealed record StudyId
{
    private const string Prefix = "STUDY-";
    private const int HexLength = 12;

    private StudyId(string value) => Value = value;

    public string Value { get; }

    /// <summary>Derives the id from an idempotency scope (a string that names one logical upload).</summary>
    public static StudyId FromScope(string scope)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(scope));
        return new StudyId(Prefix + Convert.ToHexStringLower(hash)[..HexLength]);
    }

    public static bool TryParse(string? text, [NotNullWhen(true)] out StudyId? id)
    {
        id = null;
        if (text is null || text.Length != Prefix.Length + HexLength || !text.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var c in text.AsSpan(Prefix.Length))
        {
            if (!char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        id = new StudyId(text);
        return true;
    }

    public override string ToString() => Value;
}

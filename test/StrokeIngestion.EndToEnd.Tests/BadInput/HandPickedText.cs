using System.Text;

namespace StrokeIngestion.EndToEnd.Tests.BadInput;

/// <summary>
/// The hand-picked text nasties of issue 12: bodies in Latin-1, Windows-1252, UTF-16 and
/// UTF-32 under every charset label (refused, never decoded with replacement characters), and
/// strings outside the Basic Multilingual Plane at each length boundary. A value exactly at
/// its limit must pass its rule, so such a case carries a second fault its rule is checked
/// before (the request's file_key, or an object that does not exist): the answer names that
/// one, which proves the boundary value passed.
/// </summary>
internal static class HandPickedText
{
    private const string DescriptionField = "study_description";
    private const string FileKeyField = "file_key";
    private const string PatientIdField = "patient_id";

    /// <summary>Characters of 4 UTF-8 bytes and 2 UTF-16 units each: a brain, a math letter, a CJK extension-B ideograph, a face.</summary>
    private static readonly string[] Astral = ["🧠", "𝔸", "𠀀", "😀"];

    /// <summary>A description every legacy encoding below can write, with characters that differ between them.</summary>
    private const string Accented = "Hémorragie aiguë – “code stroke” €";

    public static IEnumerable<BadInputCase> Build() =>
        Charsets().Concat(DescriptionBoundaries()).Concat(FileKeyBoundaries()).Concat(PatientIds()).Concat(BodyLimit());

    private static IEnumerable<BadInputCase> Charsets()
    {
        var latin1 = Accented.Replace('–', '-').Replace('“', '«').Replace('”', '»').Replace('€', '¤');
        var cp1252 = CodePagesEncodingProvider.Instance.GetEncoding(1252) ?? throw new InvalidOperationException("Windows-1252 is not available.");
        (string Name, byte[] Body)[] bodies =
        [
            ("latin-1", Encoding.Latin1.GetBytes(Json(latin1))),
            ("cp1252", cp1252.GetBytes(Json(Accented))),
            ("utf-16le-bom", [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes(Json(Accented))]),
            ("utf-16be-bom", [.. Encoding.BigEndianUnicode.GetPreamble(), .. Encoding.BigEndianUnicode.GetBytes(Json(Accented))]),
            ("utf-16le", Encoding.Unicode.GetBytes(Json(Accented))),
            ("utf-16be", Encoding.BigEndianUnicode.GetBytes(Json(Accented))),
            ("utf-32le-bom", [.. Encoding.UTF32.GetPreamble(), .. Encoding.UTF32.GetBytes(Json(Accented))]),
        ];
        string?[] labels = [null, "utf-8", "UTF-8", "iso-8859-1", "latin1", "windows-1252", "cp1252", "utf-16", "utf-16le", "utf-16be", "utf-32", "us-ascii"];
        foreach (var (name, body) in bodies)
        {
            if (System.Text.Unicode.Utf8.IsValid(body))
            {
                throw new InvalidOperationException($"The {name} body is valid UTF-8, so it is no bad input.");
            }

            foreach (var label in labels)
            {
                // A charset other than UTF-8 is refused before the bytes are looked at; a body
                // sent as UTF-8 (by label or by default) that is not UTF-8 is refused for its bytes.
                var utf8Label = label is null || label.Equals("utf-8", StringComparison.OrdinalIgnoreCase);
                yield return new BadInputCase
                {
                    Name = $"charset/{name}-body/{label ?? "(no charset)"}",
                    Category = "charset",
                    Body = body,
                    ContentType = label is null ? "application/json" : $"application/json; charset={label}",
                    ExpectedCode = utf8Label ? "invalid_encoding" : "unsupported_charset",
                };
            }
        }

        // The charset alone is refused, even when the bytes are plain ASCII (valid in all of them).
        foreach (var label in new[] { "iso-8859-1", "windows-1252", "utf-16", "utf8", "\"latin1\"", string.Empty, "utf-8; charset=utf-16" })
        {
            yield return new BadInputCase
            {
                Name = $"charset/ascii-body/{label}",
                Category = "charset",
                Body = CorpusContext.Body(),
                ContentType = "application/json; charset=" + label,
                ExpectedCode = "unsupported_charset",
            };
        }

        // UTF-16 of ASCII text is valid UTF-8 byte by byte (letters and NULs): refused as what it is then, not JSON.
        yield return new BadInputCase
        {
            Name = "charset/utf-16le-ascii-body/(no charset)",
            Category = "charset",
            Body = Encoding.Unicode.GetBytes(JsonBody.ObjectText(CorpusContext.ValidMembers())),
            ExpectedCode = "invalid_json",
        };
        yield return new BadInputCase
        {
            Name = "charset/text-plain-latin1",
            Category = "charset",
            Body = Encoding.Latin1.GetBytes(Json(latin1)),
            ContentType = "text/plain; charset=iso-8859-1",
            ExpectedCode = "unsupported_media_type",
        };

        static string Json(string description) =>
            JsonBody.ObjectText(CorpusContext.ValidMembers().Select(m => m.Name == DescriptionField ? (m.Name, Raw(description)) : m));
    }

    private static IEnumerable<BadInputCase> DescriptionBoundaries()
    {
        const int limit = 256;
        foreach (var astral in Astral)
        {
            var code = char.ConvertToUtf32(astral, 0).ToString("X", System.Globalization.CultureInfo.InvariantCulture);
            yield return Description($"u{code}x{limit + 1}", Repeat(astral, limit + 1), refused: true);
            yield return Description($"u{code}x{limit}", Repeat(astral, limit), refused: false);
            yield return Description($"u{code}x{(limit / 2) + 1}", Repeat(astral, (limit / 2) + 1), refused: false);
        }

        yield return Description("ascii-255+astral", new string('a', limit - 1) + Astral[0], refused: false);
        yield return Description("ascii-256+astral", new string('a', limit) + Astral[0], refused: true);
        yield return Description("astral+bmp-255", Astral[1] + new string('é', limit - 1), refused: false);
        yield return Description("astral-128+bmp-129", Repeat(Astral[2], 128) + new string('ü', 129), refused: true);
        yield return Description("combining-256", Repeat("e\u0301", limit / 2), refused: false);
        yield return Description("combining-257", Repeat("e\u0301", limit / 2) + "e", refused: true);

        static BadInputCase Description(string name, string value, bool refused) => new()
        {
            Name = "length/study_description/" + name,
            Category = "length-boundary",
            Body = refused
                ? CorpusContext.Body(overrides: (DescriptionField, Raw(value)))
                : CorpusContext.Body("uploads/../boundary", (DescriptionField, Raw(value))),
            ExpectedCode = refused ? "invalid_study_description" : "invalid_file_key",
            ExpectedField = refused ? DescriptionField : FileKeyField,
        };
    }

    private static IEnumerable<BadInputCase> FileKeyBoundaries()
    {
        // "uploads/boundary/" is 17 bytes; S3's limit is 1024 bytes of UTF-8. At the limit the key
        // passes its rule and names no object (404); one byte more is refused.
        const string folder = "uploads/boundary/";
        const int room = 1024 - 17;
        foreach (var astral in Astral.Take(2))
        {
            var fits = Segments(astral, room);
            var code = char.ConvertToUtf32(astral, 0).ToString("X", System.Globalization.CultureInfo.InvariantCulture);
            yield return Key($"u{code}-at-limit", folder + fits, refused: false);
            yield return Key($"u{code}-plus-one-byte", folder + fits + "k", refused: true);
            yield return Key($"u{code}-plus-one-character", folder + fits[..^1] + astral, refused: true);
        }

        yield return Key("euro-at-limit", folder + Segments("€", room), refused: false);
        yield return Key("euro-over-limit", folder + Segments("€", room) + "€", refused: true);
        yield return Key("ascii-at-limit", folder + Segments("k", room), refused: false);

        static BadInputCase Key(string name, string key, bool refused) => new()
        {
            Name = "length/file_key/" + name,
            Category = "length-boundary",
            Body = CorpusContext.Body(key),
            ExpectedCode = refused ? "invalid_file_key" : "object_not_found",
            ExpectedField = FileKeyField,
        };
    }

    private static IEnumerable<BadInputCase> PatientIds()
    {
        // patient_id is ASCII by rule: an astral character is refused at any length, 1 to 64.
        string[] values = [Astral[0], Repeat(Astral[1], 32), Repeat(Astral[2], 64), new string('P', 63) + Astral[3], new string('P', 64) + Astral[0]];
        for (var i = 0; i < values.Length; i++)
        {
            yield return new BadInputCase
            {
                Name = $"length/patient_id/astral-{i}",
                Category = "length-boundary",
                Body = CorpusContext.Body(overrides: (PatientIdField, Raw(values[i]))),
                ExpectedCode = "invalid_patient_id",
                ExpectedField = PatientIdField,
            };
        }
    }

    private static IEnumerable<BadInputCase> BodyLimit()
    {
        // The body limit counts bytes: 16 KiB of four-byte characters is read (then the
        // description is too long); one byte more is refused whole.
        var empty = CorpusContext.Body(overrides: (DescriptionField, "\"\""));
        var room = (16 * 1024) - empty.Length;
        var description = Repeat(Astral[0], room / 4) + new string('d', room % 4);
        var atLimit = CorpusContext.Body(overrides: (DescriptionField, Raw(description)));
        yield return new BadInputCase
        {
            Name = "length/body/astral-at-limit",
            Category = "length-boundary",
            Body = atLimit,
            ExpectedCode = "invalid_study_description",
            ExpectedField = DescriptionField,
        };
        yield return new BadInputCase
        {
            Name = "length/body/astral-over-limit",
            Category = "length-boundary",
            Body = CorpusContext.Body(overrides: (DescriptionField, Raw(description + "d"))),
            ExpectedCode = "payload_too_large",
        };
    }

    private static string Repeat(string text, int count) => string.Concat(Enumerable.Repeat(text, count));

    /// <summary>
    /// A JSON string with the characters as raw UTF-8, as a client sends them (the serializer
    /// would escape them to ASCII, and the byte counts would no longer be what they test).
    /// Only for values without quotes, backslashes or control characters.
    /// </summary>
    private static string Raw(string value) => "\"" + value + "\"";

    /// <summary>
    /// <paramref name="unit"/> repeated in '/'-separated segments of at most 200 bytes (s3rver keeps
    /// each segment as a file or folder name, which the file system limits to 255 bytes),
    /// padded with 'k' to exactly <paramref name="bytes"/> bytes of UTF-8.
    /// </summary>
    private static string Segments(string unit, int bytes)
    {
        var unitBytes = Encoding.UTF8.GetByteCount(unit);
        var text = new StringBuilder();
        var used = 0;
        var inSegment = 0;
        while (used + unitBytes + 1 <= bytes)
        {
            if (inSegment + unitBytes > 200)
            {
                text.Append('/');
                used++;
                inSegment = 0;
                continue;
            }

            text.Append(unit);
            used += unitBytes;
            inSegment += unitBytes;
        }

        return text.Append('k', bytes - used).ToString();
    }
}

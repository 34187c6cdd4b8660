namespace StrokeIngestion.EndToEnd.Tests.BadInput;

/// <summary>An object a case puts into the upload bucket before the requests run.</summary>
internal sealed record CorpusObject(string Key, byte[] Content);

/// <summary>
/// One malformed request and the answer it must get. The expected status is not stored: it
/// comes from README's error table for <see cref="ExpectedCode"/>, so docs and behaviour are
/// checked against each other.
/// </summary>
internal sealed record BadInputCase
{
    /// <summary>A readable label, e.g. <c>json/wrong-type/patient_id/number</c>; never holds patient data.</summary>
    public required string Name { get; init; }

    /// <summary>The group the summary counts the case under.</summary>
    public required string Category { get; init; }

    /// <summary>The raw request body (sent byte for byte, so it may be invalid UTF-8).</summary>
    public required byte[] Body { get; init; }

    /// <summary>The Content-Type header, sent without validation; null sends none.</summary>
    public string? ContentType { get; init; } = "application/json";

    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    public IReadOnlyList<CorpusObject> Objects { get; init; } = [];

    public required string ExpectedCode { get; init; }

    /// <summary>The field the error must name; null for request-level codes.</summary>
    public string? ExpectedField { get; init; }

    /// <summary>DICOM values of this case's file that the answer must not repeat (README: DICOM values never appear in errors).</summary>
    public IReadOnlyList<string> ForbiddenInAnswer { get; init; } = [];
}

/// <summary>What the API answered to one case.</summary>
internal sealed record CaseAnswer(BadInputCase Case, int Status, string? Code, string? Field, string? Message, string Body);

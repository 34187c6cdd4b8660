using System.Globalization;

namespace StrokeIngestion.EndToEnd.Tests.BadInput;

/// <summary>The whole corpus for one seed, with what its builders left out and why.</summary>
/// <param name="Seed">The PCG seed every generated case and every UID derives from.</param>
/// <param name="Cases">Every malformed request, hand-picked first.</param>
/// <param name="SharedObjects">Objects several cases name (the valid object request-level cases point at).</param>
/// <param name="Tolerated">Hand-picked damage the reader reads as a valid header by design, so not sent.</param>
/// <param name="DiscardedMutations">Generated mutations that left a readable header, so not sent.</param>
internal sealed record BadInputCorpus(
    ulong Seed,
    IReadOnlyList<BadInputCase> Cases,
    IReadOnlyList<CorpusObject> SharedObjects,
    IReadOnlyList<string> Tolerated,
    int DiscardedMutations)
{
    /// <summary>Overrides the seed, to explore beyond the default corpus.</summary>
    public const string SeedVariable = "STROKE_BADINPUT_SEED";

    public const ulong DefaultSeed = 20_261_125;

    public const int GeneratedRequests = 150;

    public const int GeneratedMutations = 100;

    public const int GeneratedPatientFolders = 40;

    public static ulong SeedFromEnvironment()
    {
        var text = Environment.GetEnvironmentVariable(SeedVariable);
        if (string.IsNullOrWhiteSpace(text))
        {
            return DefaultSeed;
        }

        return ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seed)
            ? seed
            : throw new InvalidOperationException($"{SeedVariable} must be an unsigned integer.");
    }

    public static BadInputCorpus Build(ulong seed)
    {
        var context = new CorpusContext(seed);
        var objects = new HandPickedObjects(context);
        var cases = HandPickedRequests.Build()
            .Concat(HandPickedText.Build())
            .Concat(objects.Build())
            .Concat(new HandPickedPatients(context).Build())
            .ToList();
        cases.AddRange(GeneratedCorpus.Requests(context, GeneratedRequests));
        cases.AddRange(GeneratedCorpus.PatientFolders(context, GeneratedPatientFolders));
        var (mutations, discarded) = GeneratedCorpus.DicomMutations(context, GeneratedMutations);
        cases.AddRange(mutations);
        return new BadInputCorpus(seed, cases, [context.BaseObject], objects.Tolerated, discarded);
    }

    /// <summary>Every object the cases need in the bucket, each key once.</summary>
    public IReadOnlyList<CorpusObject> AllObjects() =>
        [.. SharedObjects.Concat(Cases.SelectMany(c => c.Objects)).DistinctBy(o => o.Key, StringComparer.Ordinal)];
}

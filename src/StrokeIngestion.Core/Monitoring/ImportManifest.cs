using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;
using StrokeIngestion.Core.Domain;

namespace StrokeIngestion.Core.Monitoring;

/// <summary>One entry of the manifest's <c>imageSetsSummary</c>.</summary>
public sealed record ManifestImageSet(string ImageSetId, bool IsPrimary);

/// <summary>
/// The parts of HealthImaging's <c>job-output-manifest.json</c> the monitor decides on:
/// the file counts and the image sets in manifest order. Unknown fields are ignored;
/// a missing count, image-set list, id or <c>isPrimary</c> makes the manifest malformed
/// (deciding "success" on a guess would be worse than failing the study).
/// </summary>
public sealed record ImportManifest(string? JobId, ImportFileCounts Counts, IReadOnlyList<ManifestImageSet> ImageSets)
{
    /// <summary>The manifest's name inside the job's resolved output folder.</summary>
    public const string FileName = "job-output-manifest.json";

    /// <summary>Parses manifest text; false when it is not JSON or lacks a required field.</summary>
    public static bool TryParse(string json, [NotNullWhen(true)] out ImportManifest? manifest)
    {
        manifest = null;
        ManifestDocument? document;
        try
        {
            document = JsonSerializer.Deserialize(json, ManifestJsonContext.Default.ManifestDocument);
        }
        catch (JsonException)
        {
            return false;
        }

        var summary = document?.JobSummary;
        if (summary is null
            || summary.NumberOfScannedFiles is not { } scanned
            || summary.NumberOfImportedFiles is not { } imported
            || summary.NumberOfFilesWithCustomerError is not { } customerErrors
            || summary.NumberOfFilesWithServerError is not { } serverErrors
            || summary.NumberOfGeneratedImageSets is not { } generated
            || summary.ImageSetsSummary is null)
        {
            return false;
        }

        if (scanned < 0 || imported < 0 || customerErrors < 0 || serverErrors < 0 || generated < 0)
        {
            return false;
        }

        var imageSets = new List<ManifestImageSet>(summary.ImageSetsSummary.Count);
        foreach (var entry in summary.ImageSetsSummary)
        {
            if (entry is null || string.IsNullOrWhiteSpace(entry.ImageSetId) || entry.IsPrimary is not { } isPrimary)
            {
                return false;
            }

            imageSets.Add(new ManifestImageSet(entry.ImageSetId, isPrimary));
        }

        manifest = new ImportManifest(
            summary.JobId,
            new ImportFileCounts(scanned, imported, customerErrors, serverErrors, generated),
            imageSets);
        return true;
    }
}

internal sealed record ManifestDocument(ManifestJobSummary? JobSummary);

internal sealed record ManifestJobSummary(
    string? JobId,
    int? NumberOfScannedFiles,
    int? NumberOfImportedFiles,
    int? NumberOfFilesWithCustomerError,
    int? NumberOfFilesWithServerError,
    int? NumberOfGeneratedImageSets,
    IReadOnlyList<ManifestImageSetEntry?>? ImageSetsSummary);

internal sealed record ManifestImageSetEntry(string? ImageSetId, bool? IsPrimary);

/// <summary>One line of <c>FAILURE/failure.ndjson</c>; only the exception type is ever read.</summary>
internal sealed record FailureLine(FailureLineException? Exception);

internal sealed record FailureLineException(string? ExceptionType);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ManifestDocument))]
[JsonSerializable(typeof(FailureLine))]
internal sealed partial class ManifestJsonContext : JsonSerializerContext;

using System.Text.Json.Nodes;

namespace StrokeIngestion.Core.Tests.Monitoring.Support;

/// <summary>
/// Builds <c>job-output-manifest.json</c> field by field as HealthImaging documents it
/// (aws-contracts.md, "What an import writes"). Counts default to what the image sets and
/// files given imply; any field can be dropped to make the manifest malformed.
/// </summary>
internal sealed class ManifestBuilder
{
    private readonly List<(string Id, bool IsPrimary, int Matched)> _imageSets = [];
    private readonly HashSet<string> _omitted = new(StringComparer.Ordinal);
    private readonly Dictionary<string, JsonNode?> _overrides = new(StringComparer.Ordinal);
    private string _jobId = MonitorScenario.JobId;
    private int _scanned = 1;
    private int _imported = 1;
    private int _customerErrors;
    private int _serverErrors;
    private int? _generated;

    public ManifestBuilder ForJob(string jobId)
    {
        _jobId = jobId;
        return this;
    }

    public ManifestBuilder WithFiles(int scanned, int imported, int customerErrors = 0, int serverErrors = 0)
    {
        _scanned = scanned;
        _imported = imported;
        _customerErrors = customerErrors;
        _serverErrors = serverErrors;
        return this;
    }

    public ManifestBuilder WithImageSet(string imageSetId, bool isPrimary = true, int matchedInstances = 1)
    {
        _imageSets.Add((imageSetId, isPrimary, matchedInstances));
        return this;
    }

    /// <summary>Overrides <c>numberOfGeneratedImageSets</c> (by default the number of image sets listed).</summary>
    public ManifestBuilder WithGeneratedImageSets(int count)
    {
        _generated = count;
        return this;
    }

    /// <summary>Drops a field of <c>jobSummary</c>, or of every image-set entry (<c>imageSetsSummary[].isPrimary</c>).</summary>
    public ManifestBuilder Without(string field)
    {
        _omitted.Add(field);
        return this;
    }

    /// <summary>Replaces a field of <c>jobSummary</c> with any JSON value.</summary>
    public ManifestBuilder WithRaw(string field, JsonNode? value)
    {
        _overrides[field] = value;
        return this;
    }

    public string Build()
    {
        var folder = $"s3://{MonitorScenario.Bucket}/{MonitorScenario.ResolvedFolder}";
        var summary = new JsonObject
        {
            ["jobId"] = _jobId,
            ["datastoreId"] = MonitorScenario.DatastoreId,
            ["inputS3Uri"] = $"s3://{MonitorScenario.Bucket}/imports/{MonitorScenario.Study.Value}/",
            ["outputS3Uri"] = folder,
            ["successOutputS3Uri"] = folder + "SUCCESS/",
            ["failureOutputS3Uri"] = folder + "FAILURE/",
            ["warningsOutputS3Uri"] = folder + "WARNING/",
            ["numberOfScannedFiles"] = _scanned,
            ["numberOfImportedFiles"] = _imported,
            ["numberOfFilesWithCustomerError"] = _customerErrors,
            ["numberOfFilesWithServerError"] = _serverErrors,
            ["numberOfGeneratedImageSets"] = _generated ?? _imageSets.Count,
            ["imageSetsSummary"] = new JsonArray(_imageSets.Select(ImageSetEntry).ToArray<JsonNode?>()),
        };

        foreach (var field in _omitted)
        {
            summary.Remove(field);
        }

        foreach (var (field, value) in _overrides)
        {
            summary[field] = value?.DeepClone();
        }

        return new JsonObject { ["jobSummary"] = summary }.ToJsonString();
    }

    private JsonObject ImageSetEntry((string Id, bool IsPrimary, int Matched) set)
    {
        var entry = new JsonObject
        {
            ["imageSetId"] = set.Id,
            ["imageSetVersion"] = 1,
            ["isPrimary"] = set.IsPrimary,
            ["numberOfMatchedSOPInstances"] = set.Matched,
        };

        foreach (var field in _omitted.Where(field => field.StartsWith("imageSetsSummary[].", StringComparison.Ordinal)))
        {
            entry.Remove(field["imageSetsSummary[].".Length..]);
        }

        return entry;
    }
}

/// <summary>Builds <c>FAILURE/failure.ndjson</c>: one line per rejected file.</summary>
internal sealed class FailureNdjsonBuilder
{
    private readonly List<string> _lines = [];

    public FailureNdjsonBuilder WithFailure(string inputFile, string exceptionType, string message)
    {
        var line = new JsonObject
        {
            ["inputFile"] = inputFile,
            ["exception"] = new JsonObject
            {
                ["exceptionType"] = exceptionType,
                ["message"] = message,
            },
        };
        _lines.Add(line.ToJsonString());
        return this;
    }

    public FailureNdjsonBuilder WithRawLine(string line)
    {
        _lines.Add(line);
        return this;
    }

    public string Build() => string.Join('\n', _lines) + "\n";
}

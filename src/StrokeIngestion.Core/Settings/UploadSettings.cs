using System.Text.RegularExpressions;

namespace StrokeIngestion.Core.Settings;

/// <summary>The upload handler's configuration, read once per container.</summary>
public sealed partial record UploadSettings
{
    public required string Region { get; init; }

    public required string StudyTableName { get; init; }

    public required string UploadBucketName { get; init; }

    public required string DatastoreId { get; init; }

    public required string ImportRoleArn { get; init; }

    public required string StateMachineArn { get; init; }

    public required string UploadPrefix { get; init; }

    public required string ImportInputPrefix { get; init; }

    public required string ImportOutputPrefix { get; init; }

    /// <summary>DICOM Modality values accepted (upper case).</summary>
    public required IReadOnlySet<string> AllowedModalities { get; init; }

    public required AwsEndpoints Endpoints { get; init; }

    /// <summary>Reads and validates the configuration; throws <see cref="SettingsException"/> naming the first bad variable.</summary>
    public static UploadSettings Load(EnvironmentReader env)
    {
        var modalities = env.OptionalOrDefault("ALLOWED_MODALITIES", "CT,MR")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(m => m.ToUpperInvariant())
            .ToHashSet(StringComparer.Ordinal);
        if (modalities.Count == 0 || modalities.Any(m => !ModalityPattern().IsMatch(m)))
        {
            throw new SettingsException("ALLOWED_MODALITIES", "must be a comma-separated list of DICOM modality codes such as CT,MR");
        }

        var settings = new UploadSettings
        {
            Region = env.Required("AWS_REGION"),
            StudyTableName = env.Required("STUDY_TABLE_NAME"),
            UploadBucketName = env.Required("UPLOAD_BUCKET_NAME"),
            DatastoreId = env.Required("DATASTORE_ID", DatastoreIdPattern()),
            ImportRoleArn = env.Required("IMPORT_ROLE_ARN", RoleArnPattern()),
            StateMachineArn = env.Required("STATE_MACHINE_ARN", StateMachineArnPattern()),
            UploadPrefix = env.Prefix("UPLOAD_PREFIX", "uploads/"),
            ImportInputPrefix = env.Prefix("IMPORT_INPUT_PREFIX", "imports/"),
            ImportOutputPrefix = env.Prefix("IMPORT_OUTPUT_PREFIX", "import-output/"),
            AllowedModalities = modalities,
            Endpoints = AwsEndpoints.Load(env),
        };

        if (settings.ImportInputPrefix.StartsWith(settings.UploadPrefix, StringComparison.Ordinal)
            || settings.ImportOutputPrefix.StartsWith(settings.UploadPrefix, StringComparison.Ordinal)
            || settings.UploadPrefix.StartsWith(settings.ImportInputPrefix, StringComparison.Ordinal))
        {
            // An import must never see the upload area, or it would re-import other studies' files.
            throw new SettingsException("IMPORT_INPUT_PREFIX", "and IMPORT_OUTPUT_PREFIX must not overlap UPLOAD_PREFIX");
        }

        return settings;
    }

    [GeneratedRegex(@"^[0-9a-z]{32}\z")]
    internal static partial Regex DatastoreIdPattern();

    [GeneratedRegex(@"^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+\z")]
    private static partial Regex RoleArnPattern();

    [GeneratedRegex(@"^arn:aws[a-z-]*:states:[a-z0-9-]+:[0-9]{12}:stateMachine:[A-Za-z0-9_-]{1,80}\z")]
    private static partial Regex StateMachineArnPattern();

    [GeneratedRegex(@"^[A-Z]{2}\z")]
    private static partial Regex ModalityPattern();
}

/// <summary>Endpoint overrides for local emulators; all null in AWS, where the SDK defaults apply.</summary>
public sealed record AwsEndpoints(Uri? S3, Uri? DynamoDb, Uri? HealthImaging, Uri? StepFunctions)
{
    /// <summary>
    /// <c>AWS_USE_FIPS_ENDPOINT=true</c>: the signed clients call the <c>-fips</c> hosts, as the
    /// SDK clients (S3, DynamoDB) do on their own for the same variable.
    /// </summary>
    public bool UseFips { get; init; }

    public static AwsEndpoints Load(EnvironmentReader env) => new(
        env.Endpoint("AWS_ENDPOINT_URL_S3"),
        env.Endpoint("AWS_ENDPOINT_URL_DYNAMODB"),
        env.Endpoint("AWS_ENDPOINT_URL_MEDICAL_IMAGING"),
        env.Endpoint("AWS_ENDPOINT_URL_SFN"))
    {
        UseFips = string.Equals(env.Optional("AWS_USE_FIPS_ENDPOINT"), "true", StringComparison.OrdinalIgnoreCase),
    };
}

namespace StrokeIngestion.Core.Settings;

/// <summary>The import monitor's configuration, read once per container.</summary>
public sealed record MonitorSettings
{
    public required string Region { get; init; }

    public required string StudyTableName { get; init; }

    /// <summary>The bucket HealthImaging writes job output (manifests) to.</summary>
    public required string UploadBucketName { get; init; }

    public required AwsEndpoints Endpoints { get; init; }

    /// <summary>Reads and validates the configuration; throws <see cref="SettingsException"/> naming the first bad variable.</summary>
    public static MonitorSettings Load(EnvironmentReader env) => new()
    {
        Region = env.Required("AWS_REGION"),
        StudyTableName = env.Required("STUDY_TABLE_NAME"),
        UploadBucketName = env.Required("UPLOAD_BUCKET_NAME"),
        Endpoints = AwsEndpoints.Load(env),
    };
}

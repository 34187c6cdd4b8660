using StrokeIngestion.Core.Aws;
using StrokeIngestion.Core.Monitoring;
using StrokeIngestion.Core.Observability;
using StrokeIngestion.Core.Settings;

namespace StrokeIngestion.ImportMonitor;

/// <summary>Builds settings and clients once per container (the runtime reuses the Function instance).</summary>
internal static class CompositionRoot
{
    public static readonly Lazy<ImportMonitorService> Service = new(() => Create(EnvironmentReader.FromProcess(), StructuredLog.Console));

    public static ImportMonitorService Create(EnvironmentReader environment, StructuredLog log)
    {
        var settings = MonitorSettings.Load(environment);
        var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        return new ImportMonitorService(
            SignedClients.CreateImportService(http, settings.Region, settings.Endpoints.HealthImaging),
            SdkClients.CreateObjectStore(settings.UploadBucketName, settings.Region, settings.Endpoints.S3),
            SdkClients.CreateStudyStore(settings.StudyTableName, settings.Region, settings.Endpoints.DynamoDb),
            TimeProvider.System,
            log);
    }
}

public sealed partial class Function
{
    /// <summary>Used by the Lambda runtime: builds clients once per container from the environment.</summary>
    public Function()
        : this(CompositionRoot.Service.Value, StructuredLog.Console)
    {
    }
}

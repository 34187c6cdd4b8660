using StrokeIngestion.Core.Admission;
using StrokeIngestion.Core.Aws;
using StrokeIngestion.Core.Monitoring;
using StrokeIngestion.Core.Observability;
using StrokeIngestion.Core.Settings;

namespace StrokeIngestion.ImportMonitor;

/// <summary>The two Core services the function calls: the status check and the import-event wait.</summary>
internal sealed record MonitorServices(ImportMonitorService Polls, ImportEventService Events);

/// <summary>Builds settings and clients once per container (the runtime reuses the Function instance).</summary>
internal static class CompositionRoot
{
    public static readonly Lazy<MonitorServices> Services = new(() => Create(EnvironmentReader.FromProcess(), StructuredLog.Console));

    public static MonitorServices Create(EnvironmentReader environment, StructuredLog log)
    {
        var settings = MonitorSettings.Load(environment);
        var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };

        // One DynamoDB client for both table ports; the Step Functions client only signs and
        // sends, so building it costs nothing until a token has to be answered.
        var table = SdkClients.CreateStudyTable(settings.StudyTableName, settings.Region, settings.Endpoints.DynamoDb);

        // With the stack's admission limits, the monitor frees an ended import's job slot.
        var limits = AdmissionSettings.LoadLimitsIfSet(environment);
        var admission = limits is null
            ? null
            : new AdmissionController(SdkClients.CreateAdmissionLedgerStore(settings.StudyTableName, settings.Region, settings.Endpoints.DynamoDb), limits, TimeProvider.System);
        var polls = new ImportMonitorService(
            SignedClients.CreateImportService(http, settings.Region, settings.Endpoints.HealthImaging, settings.Endpoints.UseFips),
            SdkClients.CreateObjectStore(settings.UploadBucketName, settings.Region, settings.Endpoints.S3),
            table.Studies,
            TimeProvider.System,
            log,
            admission: admission);
        var events = new ImportEventService(
            table.ImportEvents,
            SignedClients.CreateWorkflowCallback(http, settings.Region, settings.Endpoints.StepFunctions, settings.Endpoints.UseFips),
            TimeProvider.System,
            log,
            admission);
        return new MonitorServices(polls, events);
    }
}

public sealed partial class Function
{
    /// <summary>Used by the Lambda runtime: builds clients once per container from the environment.</summary>
    public Function()
        : this(CompositionRoot.Services.Value, StructuredLog.Console)
    {
    }
}

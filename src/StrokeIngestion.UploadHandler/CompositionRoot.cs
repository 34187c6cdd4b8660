using StrokeIngestion.Core.Admission;
using StrokeIngestion.Core.Aws;
using StrokeIngestion.Core.Http;
using StrokeIngestion.Core.Observability;
using StrokeIngestion.Core.Resilience;
using StrokeIngestion.Core.Settings;
using StrokeIngestion.Core.Upload;

namespace StrokeIngestion.UploadHandler;

/// <summary>The API's two routes, served by one function over one set of clients.</summary>
internal sealed record ApiEndpoints(UploadEndpoint Upload, StudyStatusEndpoint Status);

/// <summary>Builds settings and clients once per container (the runtime reuses the Function instance).</summary>
internal static class CompositionRoot
{
    public static readonly Lazy<ApiEndpoints> Endpoints = new(() => CreateEndpoints(EnvironmentReader.FromProcess(), StructuredLog.Console));

    public static UploadEndpoint Create(EnvironmentReader environment, StructuredLog log) => CreateEndpoints(environment, log).Upload;

    public static ApiEndpoints CreateEndpoints(EnvironmentReader environment, StructuredLog log)
    {
        var settings = UploadSettings.Load(environment);
        var time = TimeProvider.System;
        var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        var studies = SdkClients.CreateStudyStore(settings.StudyTableName, settings.Region, settings.Endpoints.DynamoDb);
        var retry = RetryPolicy.Create(maxAttempts: 4, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1), time);

        // With the stack's import queues, a study starts at once only when capacity is free and
        // is queued otherwise; without them (an older stack), the import starts in the request.
        var admission = AdmissionSettings.LoadIfQueued(environment);
        var queueing = admission is null
            ? null
            : new ImportQueueing(
                SdkClients.CreateImportBacklog(admission.UrgentQueueUrl, admission.RoutineQueueUrl, settings.Region, admission.SqsEndpoint),
                new AdmissionController(SdkClients.CreateAdmissionLedgerStore(settings.StudyTableName, settings.Region, settings.Endpoints.DynamoDb), admission.Limits, time),
                time);
        var service = new UploadService(
            SdkClients.CreateObjectStore(settings.UploadBucketName, settings.Region, settings.Endpoints.S3),
            studies,
            SignedClients.CreateImportService(http, settings.Region, settings.Endpoints.HealthImaging, settings.Endpoints.UseFips),
            SignedClients.CreateWorkflowStarter(http, settings.Region, settings.StateMachineArn, settings.Endpoints.StepFunctions, settings.Endpoints.UseFips),
            settings,
            time,
            retry,
            RetryPolicy.Create(maxAttempts: 6, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(4), time),
            queueing);
        return new ApiEndpoints(new UploadEndpoint(service, settings.UploadPrefix, log), new StudyStatusEndpoint(studies, retry, time, log));
    }
}

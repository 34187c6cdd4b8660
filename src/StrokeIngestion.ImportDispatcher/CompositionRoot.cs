using StrokeIngestion.Core.Admission;
using StrokeIngestion.Core.Aws;
using StrokeIngestion.Core.Observability;
using StrokeIngestion.Core.Resilience;
using StrokeIngestion.Core.Settings;
using StrokeIngestion.Core.Upload;

namespace StrokeIngestion.ImportDispatcher;

/// <summary>What the function calls: the batch dispatcher and the sweeper's slot reconciler.</summary>
internal sealed record DispatcherServices(DispatchBatch Batch, SlotReconciler Reconciler, StuckStudySweeper Sweeper);

/// <summary>Builds settings and clients once per container (the runtime reuses the Function instance).</summary>
internal static class CompositionRoot
{
    public static readonly Lazy<DispatcherServices> Services = new(() => Create(EnvironmentReader.FromProcess(), StructuredLog.Console));

    /// <param name="holdBudget">How long one invocation may wait out refusals (default <see cref="DispatchBatch.DefaultHoldBudget"/>; the sandbox scales it with its clock).</param>
    /// <param name="timeScale">The sandbox's clock for the sweep's bounds (start grace, stale QUEUED); 1 in AWS.</param>
    public static DispatcherServices Create(EnvironmentReader environment, StructuredLog log, TimeSpan? holdBudget = null, double timeScale = 1)
    {
        var settings = UploadSettings.Load(environment);
        var admissionSettings = AdmissionSettings.Load(environment);
        var time = TimeProvider.System;
        var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        var retry = RetryPolicy.Create(maxAttempts: 4, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1), time);

        var objects = SdkClients.CreateObjectStore(settings.UploadBucketName, settings.Region, settings.Endpoints.S3);
        var studies = SdkClients.CreateStudyStore(settings.StudyTableName, settings.Region, settings.Endpoints.DynamoDb);
        var ledger = SdkClients.CreateAdmissionLedgerStore(settings.StudyTableName, settings.Region, settings.Endpoints.DynamoDb);
        var imports = SignedClients.CreateImportService(http, settings.Region, settings.Endpoints.HealthImaging);
        var workflows = SignedClients.CreateWorkflowStarter(http, settings.Region, settings.StateMachineArn, settings.Endpoints.StepFunctions);
        var backlog = SdkClients.CreateImportBacklog(admissionSettings.UrgentQueueUrl, admissionSettings.RoutineQueueUrl, settings.Region, admissionSettings.SqsEndpoint);

        var admission = new AdmissionController(ledger, admissionSettings.Limits, time);
        var launcher = new ImportLauncher(objects, studies, workflows, settings, time, retry);
        var dispatcher = new ImportDispatchService(studies, objects, imports, launcher, admission, retry, time);
        return new DispatcherServices(
            new DispatchBatch(dispatcher, backlog, log, holdBudget, time),
            new SlotReconciler(admission, studies, imports, SlotReconciler.StartGrace * timeScale),
            new StuckStudySweeper(studies, backlog, time, StuckStudySweeper.DefaultStaleAfter * timeScale));
    }
}

public sealed partial class Function
{
    /// <summary>Used by the Lambda runtime: builds clients once per container from the environment.</summary>
    public Function()
        : this(CompositionRoot.Services.Value.Batch, CompositionRoot.Services.Value.Reconciler, StructuredLog.Console, CompositionRoot.Services.Value.Sweeper)
    {
    }
}

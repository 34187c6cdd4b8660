using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Constructs;
using StrokeIngestion.Infrastructure.Constructs;

namespace StrokeIngestion.Infrastructure;

/// <summary>
/// Phase 1 ingestion: upload bucket, study table, HealthImaging datastore, the upload API and
/// the import-monitoring workflow, with their alarms. Each construct grants only what the
/// function beside it calls; the statements are written out so that each can be reviewed.
/// </summary>
internal sealed class IngestionStack : Stack
{
    public const string UploadHandlerName = "StrokeIngestion.UploadHandler::StrokeIngestion.UploadHandler.Function::Handle";
    public const string ImportMonitorHandlerName = "StrokeIngestion.ImportMonitor::StrokeIngestion.ImportMonitor.Function::Handle";
    public const string ImportDispatcherHandlerName = "StrokeIngestion.ImportDispatcher::StrokeIngestion.ImportDispatcher.Function::Handle";

    // Upload: Lambda's CPU share grows with memory, and this function sits on a caller's
    // synchronous path (DICOM header checks, S3 copies, three AWS calls) where cold starts are
    // JIT- and TLS-bound; the published .NET cold-start figures are measured at 1024 MB.
    public const int UploadMemoryMb = 1024;

    // Monitor: two small reads per poll, off any user's path; half the memory halves the cost.
    public const int MonitorMemoryMb = 512;

    // Dispatcher: the upload's former copy-and-start work (32 S3 calls at once, three AWS calls)
    // for up to 10 studies a batch; Lambda's network and CPU share grow with memory, as for the upload.
    public const int DispatcherMemoryMb = 1024;

    // Below the HTTP API's fixed 30 s integration timeout, so the caller sees our error, not a 504.
    public static readonly Duration UploadTimeout = Duration.Seconds(29);
    public static readonly Duration MonitorTimeout = Duration.Seconds(60);

    // Off the caller's path: room for a 5,000-file study's resumable copy. The queues' visibility
    // timeout is six times this (ImportQueues).
    public static readonly Duration DispatcherTimeout = Duration.Seconds(120);

    // Reserved concurrency is opt-in (context uploadReservedConcurrency/monitorReservedConcurrency):
    // Lambda keeps 100 executions unreserved, so any reservation fails the deploy on an account
    // whose quota is below the reservations + 100 (new accounts may have 10 or 50). Sizing, when
    // wanted: the API stage admits 20 requests a second with bursts of 50 (IngestionApi), so ~50
    // uploads in flight at most; one short monitor poll per active import every 30 s, so 20 covers
    // several hundred concurrent imports.

    public IngestionStack(Construct scope, string id, StackConfig config, IStackProps? props = null)
        : base(scope, id, props)
    {
        ArgumentNullException.ThrowIfNull(config);
        var project = config.ProjectName;

        Logs = new EncryptedLogs(this, "LogEncryption", project, config.LogRetention);
        Storage = new UploadStorage(this, "UploadStorage", project, config.LogRetentionDays);
        Studies = new StudyTable(this, "StudyTable", project);
        Datastore = new ImportDatastore(this, "ImportDatastore", project, Storage, config.KmsKeyArn);
        Network = config.Vpc.Mode == VpcMode.None ? null : new NetworkIsolation(this, "Network", config.Vpc, Logs, project);

        var shared = new Dictionary<string, string>
        {
            ["STUDY_TABLE_NAME"] = Studies.Table.TableName,
            ["UPLOAD_BUCKET_NAME"] = Storage.Bucket.BucketName,
            ["DATASTORE_ID"] = Datastore.DatastoreId,
            ["UPLOAD_PREFIX"] = UploadStorage.UploadPrefix,
            ["IMPORT_INPUT_PREFIX"] = UploadStorage.ImportInputPrefix,
            ["IMPORT_OUTPUT_PREFIX"] = UploadStorage.ImportOutputPrefix,
        };

        ImportMonitor = new IngestionFunction(this, "ImportMonitor", new IngestionFunctionProps(
            FunctionName: $"{project}-import-monitor",
            Description: "Checks a HealthImaging import job and records its outcome on the study",
            AssetDirectory: config.ImportMonitorAsset,
            Handler: ImportMonitorHandlerName,
            MemorySizeMb: MonitorMemoryMb,
            Timeout: MonitorTimeout,
            ReservedConcurrency: config.MonitorReservedConcurrency,
            Architecture: config.Architecture,
            Logs: Logs,
            // The monitor frees an ended import's job slot in the admission ledger.
            Environment: new Dictionary<string, string>(shared).With(ImportQueues.AdmissionEnvironment(config.Admission)),
            Network: Network?.Placement));
        GrantMonitor(ImportMonitor.Role, project);

        Queues = new ImportQueues(this, "ImportQueues", new ImportQueuesProps(project, DispatcherTimeout));
        var queueing = Queues.Environment(config.Admission);

        Workflow = new ImportWorkflow(this, "ImportWorkflow", new ImportWorkflowProps(
            project, ImportMonitor.Function, Studies.Table, Logs, Datastore.DatastoreId, config.ImportEventWaitSeconds));

        // What UploadSettings.Load reads, for the upload handler and the dispatcher alike.
        var importStart = new Dictionary<string, string>(shared)
        {
            ["IMPORT_ROLE_ARN"] = Datastore.ImportRole.RoleArn,
            ["STATE_MACHINE_ARN"] = Workflow.StateMachine.StateMachineArn,
            ["ALLOWED_MODALITIES"] = "CT,MR",
        };

        UploadHandler = new IngestionFunction(this, "UploadHandler", new IngestionFunctionProps(
            FunctionName: $"{project}-upload-handler",
            Description: "Validates an uploaded DICOM study, starts its HealthImaging import and the monitoring workflow",
            AssetDirectory: config.UploadHandlerAsset,
            Handler: UploadHandlerName,
            MemorySizeMb: UploadMemoryMb,
            Timeout: UploadTimeout,
            ReservedConcurrency: config.UploadReservedConcurrency,
            Architecture: config.Architecture,
            Logs: Logs,
            // It queues studies and estimates their start from the queue backlog.
            Environment: new Dictionary<string, string>(importStart).With(queueing),
            Network: Network?.Placement));
        GrantUpload(UploadHandler.Role);

        ImportDispatcher = new IngestionFunction(this, "ImportDispatcher", new IngestionFunctionProps(
            FunctionName: $"{project}-import-dispatcher",
            Description: "Admits queued studies under HealthImaging's quotas: copies each, starts its import and the monitoring workflow",
            AssetDirectory: config.ImportDispatcherAsset,
            Handler: ImportDispatcherHandlerName,
            MemorySizeMb: DispatcherMemoryMb,
            Timeout: DispatcherTimeout,
            // The event source mappings' MaximumConcurrency bounds it (ImportQueues).
            ReservedConcurrency: null,
            Architecture: config.Architecture,
            Logs: Logs,
            Environment: new Dictionary<string, string>(importStart).With(queueing),
            Network: Network?.Placement));
        GrantDispatcher(ImportDispatcher.Role);

        Api = new IngestionApi(this, "IngestionApi", new IngestionApiProps(
            project, UploadHandler.Function, config.CorsAllowedOrigins, config.Jwt, Logs));

        if (Network is not null)
        {
            AddEndpoints(Network, project);
        }

        AuditTrail = config.AuditTrail
            ? new AuditTrail(this, "AuditTrail", new AuditTrailProps(project, config.LogRetentionDays, Logs, Storage, Datastore.DatastoreArn))
            : null;

        Monitoring = new Monitoring(this, "Monitoring", new MonitoringProps(
            project,
            config.AlarmEmail,
            UploadHandler.Function,
            ImportMonitor.Function,
            ImportDispatcher.Function,
            Queues,
            ImportMonitor.LogGroup,
            Workflow.StateMachine,
            Studies.Table,
            Api.Api,
            Workflow.BackstopDeadLetterQueue));

        Output("ApiUrl", Api.UploadUrl, "POST DICOM study upload requests here (SigV4-signed unless a JWT issuer is configured)");
        Output("UploadRouteArn", Api.UploadRouteArn, "Grant callers execute-api:Invoke on this ARN");
        Output("UploadBucketName", Storage.Bucket.BucketName, $"Clients put study files under {UploadStorage.UploadPrefix}");
        Output("StudyTableName", Studies.Table.TableName, "Study records");
        Output("DatastoreId", Datastore.DatastoreId, "HealthImaging datastore");
        Output("StateMachineArn", Workflow.StateMachine.StateMachineArn, "Import-monitoring workflow");
        Output("ImportRoleArn", Datastore.ImportRole.RoleArn, "Role HealthImaging assumes for imports");
        Output("DashboardName", Monitoring.DashboardName, "CloudWatch dashboard");

        Amazon.CDK.Tags.Of(this).Add("project", project);
    }

    public EncryptedLogs Logs { get; }

    public UploadStorage Storage { get; }

    public StudyTable Studies { get; }

    public ImportDatastore Datastore { get; }

    public IngestionFunction ImportMonitor { get; }

    public IngestionFunction UploadHandler { get; }

    /// <summary>Admits queued studies (issue 11): fed by both import queues, swept every five minutes.</summary>
    public IngestionFunction ImportDispatcher { get; }

    /// <summary>The urgent and routine import queues, their DLQs, mappings and sweep schedule.</summary>
    public ImportQueues Queues { get; }

    public ImportWorkflow Workflow { get; }

    public IngestionApi Api { get; }

    public Monitoring Monitoring { get; }

    /// <summary>The functions' VPC, security groups and endpoints; null with context vpc=none.</summary>
    public NetworkIsolation? Network { get; }

    /// <summary>The stack's own CloudTrail trail; null unless context auditTrail=true.</summary>
    public AuditTrail? AuditTrail { get; }

    /// <summary>
    /// One endpoint per service a function calls (README: calls and endpoints), each admitting the
    /// actions the function roles hold on this stack's resources. A function calling a new service
    /// adds one line here (e.g. SQS: <c>network.AddInterfaceEndpoint("Sqs", "sqs", Allow([...], queueArn))</c>).
    /// </summary>
    private void AddEndpoints(NetworkIsolation network, string project)
    {
        network.AddGatewayEndpoint("S3Endpoint", "s3",
            EndpointPolicy.Allow(["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"], Storage.Bucket.ArnForObjects("*")),
            EndpointPolicy.Allow(["s3:ListBucket"], Storage.Bucket.BucketArn));
        network.AddGatewayEndpoint("DynamoDbEndpoint", "dynamodb",
            EndpointPolicy.Allow(["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"], Studies.Table.TableArn),
            EndpointPolicy.Allow(["dynamodb:Query"], $"{Studies.Table.TableArn}/index/{StudyTable.StatusIndexName}"));
        network.AddInterfaceEndpoint("HealthImagingEndpoint", "medical-imaging",
            EndpointPolicy.Allow(["medical-imaging:StartDICOMImportJob", "medical-imaging:GetDICOMImportJob"], Datastore.DatastoreArn));
        network.AddInterfaceEndpoint("StepFunctionsEndpoint", "states",
            EndpointPolicy.Allow(["states:StartExecution", "states:SendTaskSuccess"], ImportWorkflow.StateMachineArnFor(this, project)));
        network.AddInterfaceEndpoint("SqsEndpoint", "sqs",
            EndpointPolicy.Allow(ImportQueues.CalledFromFunctionActions, Queues.QueueArns));
    }

    private void GrantUpload(Role role)
    {
        GrantImportStart(role);
        Queues.GrantEnqueue(role);
        NagSuppressions.DefaultPolicyOf(role).SuppressNag(
            "AwsSolutions-IAM5",
            "Objects under one prefix each: the handler reads the files a client uploaded under uploads/ "
            + "(keys chosen by the client) and copies them to a per-study folder under imports/ (named at "
            + "run time). It cannot read imports/ or touch import-output/.",
            NagFinding.Resource(this, Storage.ObjectsArn(UploadStorage.UploadPrefix)),
            NagFinding.Resource(this, Storage.ObjectsArn(UploadStorage.ImportInputPrefix)));
    }

    private void GrantDispatcher(Role role)
    {
        GrantImportStart(role);
        // The resumable copy lists the study's folder under imports/ to skip finished copies.
        role.AddToPolicy(ListUnder("ListImportCopies", UploadStorage.ImportInputPrefix));
        // The sweep asks HealthImaging about jobs holding a slot.
        role.AddToPolicy(Allow("ReadImportJob", ["medical-imaging:GetDICOMImportJob"], Datastore.DatastoreArn));
        // The sweep finds studies stuck QUEUED through the status index (keys only, no PHI).
        role.AddToPolicy(Allow("FindStuckStudies", ["dynamodb:Query"], $"{Studies.Table.TableArn}/index/{StudyTable.StatusIndexName}"));
        Queues.ConnectDispatcher(ImportDispatcher.Function, role);
        NagSuppressions.DefaultPolicyOf(role).SuppressNag(
            "AwsSolutions-IAM5",
            "Objects under one prefix each: the dispatcher reads and checks the files a client uploaded under "
            + "uploads/ (keys chosen by the client) and copies them to a per-study folder under imports/ (named "
            + "at run time), which it may also list to resume a copy. It cannot touch import-output/.",
            NagFinding.Resource(this, Storage.ObjectsArn(UploadStorage.UploadPrefix)),
            NagFinding.Resource(this, Storage.ObjectsArn(UploadStorage.ImportInputPrefix)));
    }

    /// <summary>
    /// Reading a study's uploaded files, copying them for the import, recording the study, starting
    /// its import and its workflow: what the upload handler does inline and the dispatcher does from
    /// the queues. The same statements (and Sids) on both roles.
    /// </summary>
    private void GrantImportStart(Role role)
    {
        role.AddToPolicy(Allow("ReadUploadedFiles", ["s3:GetObject", "s3:GetObjectVersion"],
            Storage.ObjectsArn(UploadStorage.UploadPrefix)));
        role.AddToPolicy(ListUnder("ListUploadedFiles", UploadStorage.UploadPrefix));
        role.AddToPolicy(Allow("CopyToImportFolder", ["s3:PutObject"],
            Storage.ObjectsArn(UploadStorage.ImportInputPrefix)));
        role.AddToPolicy(Allow("WriteStudyRecords", ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
            Studies.Table.TableArn));
        role.AddToPolicy(Allow("StartImport", ["medical-imaging:StartDICOMImportJob"], Datastore.DatastoreArn));
        role.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "PassImportRole",
            Actions = ["iam:PassRole"],
            Resources = [Datastore.ImportRole.RoleArn],
            Conditions = new Dictionary<string, object>
            {
                ["StringEquals"] = new Dictionary<string, object> { ["iam:PassedToService"] = ImportDatastore.ServicePrincipal },
            },
        }));
        role.AddToPolicy(Allow("StartMonitoring", ["states:StartExecution"], Workflow.StateMachine.StateMachineArn));
    }

    private void GrantMonitor(Role role, string project)
    {
        role.AddToPolicy(Allow("ReadImportJob", ["medical-imaging:GetDICOMImportJob"], Datastore.DatastoreArn));
        role.AddToPolicy(Allow("ReadImportReports", ["s3:GetObject"], Storage.ObjectsArn(UploadStorage.ImportOutputPrefix)));
        role.AddToPolicy(ListUnder("ListImportReports", UploadStorage.ImportOutputPrefix));
        // PutItem: freeing a job slot rewrites the admission ledger item (study_id ADMISSION#LEDGER),
        // which is written whole under a version condition.
        role.AddToPolicy(Allow("UpdateStudyRecords", ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"], Studies.Table.TableArn));
        role.AddToPolicy(Allow("ResumeWorkflow", ["states:SendTaskSuccess"],
            ImportWorkflow.StateMachineArnFor(this, project)));
        NagSuppressions.DefaultPolicyOf(role).SuppressNag(
            "AwsSolutions-IAM5",
            "Read-only, objects under one prefix: the monitor reads the job output manifests HealthImaging "
            + "writes under import-output/<study_id>/<job folder>/, whose names it learns from the job.",
            NagFinding.Resource(this, Storage.ObjectsArn(UploadStorage.ImportOutputPrefix)));
    }

    private static PolicyStatement Allow(string sid, string[] actions, string resource) =>
        new(new PolicyStatementProps { Sid = sid, Actions = actions, Resources = [resource] });

    private PolicyStatement ListUnder(string sid, string prefix) => new(new PolicyStatementProps
    {
        Sid = sid,
        Actions = ["s3:ListBucket"],
        Resources = [Storage.Bucket.BucketArn],
        Conditions = new Dictionary<string, object>
        {
            ["StringLike"] = new Dictionary<string, object> { ["s3:prefix"] = prefix + "*" },
        },
    });

    private void Output(string id, string value, string description) =>
        new CfnOutput(this, id, new CfnOutputProps { Value = value, Description = description });
}

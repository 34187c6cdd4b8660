using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2;
using Amazon.S3;
using StrokeIngestion.Core.Admission;
using StrokeIngestion.Core.Observability;
using StrokeIngestion.Core.Settings;
using StrokeIngestion.Sandbox.Api;
using StrokeIngestion.Sandbox.Emulators;
using StrokeIngestion.Sandbox.Faults;
using StrokeIngestion.Sandbox.HealthImaging;
using StrokeIngestion.Sandbox.Iam;
using StrokeIngestion.Sandbox.Logs;
using StrokeIngestion.Sandbox.Queues;
using StrokeIngestion.Sandbox.Quotas;
using StrokeIngestion.Sandbox.StepFunctions;
using StrokeIngestion.Sandbox.Template;

namespace StrokeIngestion.Sandbox.Host;

/// <summary>
/// The whole pipeline on 127.0.0.1: s3rver and dynalite holding the bucket and table the
/// synthesized stack defines, the HealthImaging and Step Functions emulators (the latter
/// running the stack's own state machine definition), and the two functions' real Stream
/// handlers behind a local HTTP API. Disposing stops every process and listener.
/// </summary>
internal sealed class SandboxHost : IAsyncDisposable
{
    public const string UploadHandlerString = "StrokeIngestion.UploadHandler::StrokeIngestion.UploadHandler.Function::Handle";
    public const string ImportMonitorHandlerString = "StrokeIngestion.ImportMonitor::StrokeIngestion.ImportMonitor.Function::Handle";
    public const string ImportDispatcherHandlerString = "StrokeIngestion.ImportDispatcher::StrokeIngestion.ImportDispatcher.Function::Handle";

    private readonly List<IAsyncDisposable> _owned;

    private SandboxHost(SandboxOptions options, List<IAsyncDisposable> owned)
    {
        Options = options;
        _owned = owned;
    }

    public SandboxOptions Options { get; }

    public required SynthesizedTemplate Template { get; init; }

    public required Uri ApiBaseUrl { get; init; }

    public required Uri S3Endpoint { get; init; }

    public required Uri DynamoDbEndpoint { get; init; }

    public required Uri HealthImagingEndpoint { get; init; }

    public required Uri StepFunctionsEndpoint { get; init; }

    public required string BucketName { get; init; }

    public required string TableName { get; init; }

    public required string StateMachineArn { get; init; }

    public required HealthImagingEmulator HealthImaging { get; init; }

    /// <summary>The local HTTP API (its <see cref="LocalHttpApi.Faults"/> knob and counts).</summary>
    public required LocalHttpApi Api { get; init; }

    public required StepFunctionsEmulator StepFunctions { get; init; }

    public required IAmazonS3 S3 { get; init; }

    public required IAmazonDynamoDB DynamoDb { get; init; }

    /// <summary>
    /// How the state machine invokes the import monitor: set <see cref="FaultingLambda.Faults"/>
    /// to kill it at a rate (no faults unless <see cref="SandboxOptions.Faults"/> says so).
    /// </summary>
    public required FaultingLambda Monitor { get; init; }

    /// <summary>In front of s3rver for the functions when <see cref="SandboxOptions.Faults"/> is set; else null.</summary>
    public FaultInjectingProxy? S3Proxy { get; init; }

    /// <summary>In front of dynalite for the functions and the state machine's DynamoDB tasks when <see cref="SandboxOptions.Faults"/> is set; else null.</summary>
    public FaultInjectingProxy? DynamoDbProxy { get; init; }

    /// <summary>The backstop rule, locally: how many failed executions it handed to the monitor.</summary>
    public required WorkflowEndForwarder Backstop { get; init; }

    /// <summary>
    /// The import-ended rule, locally: HealthImaging's events to the monitor (set its
    /// <see cref="ImportJobEndedRule.Faults"/> to drop, duplicate or delay them).
    /// </summary>
    public required ImportJobEndedRule ImportEvents { get; init; }

    /// <summary>Every call IAM refused: the template's statements decide, per caller.</summary>
    public required IamDenials IamDenials { get; init; }

    public required IamCallCounts IamCalls { get; init; }

    /// <summary>The template's metric filters over the functions' log groups, and the alarms they feed.</summary>
    public required SandboxMetrics Metrics { get; init; }

    /// <summary>moto's SQS holding the template's queues, or null when the stack has none.</summary>
    public Uri? SqsEndpoint { get; init; }

    /// <summary>The event source mappings feeding the dispatcher (empty when the stack has none).</summary>
    public IReadOnlyList<SqsEventSourceMapping> QueueMappings { get; init; } = [];

    /// <summary>How the event source mappings invoke the dispatcher (its fault counts), or null without queues.</summary>
    public FaultingLambda? Dispatcher { get; init; }

    /// <summary>JSON lines both functions logged (what CloudWatch Logs would hold).</summary>
    public string LambdaLogPath => LambdaLogPathFor(Options);

    public string EnvironmentFilePath => Path.Combine(Options.StateDirectory, "env");

    public string EventLogPath => EventLogPathFor(Options);

    /// <summary>Starts everything; on failure, stops what was already started before rethrowing.</summary>
    public static async Task<SandboxHost> StartAsync(SandboxOptions options, TextWriter progress, CancellationToken cancellationToken)
    {
        var template = LoadTemplate(options);
        var owned = new List<IAsyncDisposable>();
        try
        {
            var host = await StartCoreAsync(options, template, owned, progress, cancellationToken);
            await host.WriteEnvironmentFileAsync(cancellationToken);
            return host;
        }
        catch
        {
            await DisposeAllAsync(owned);
            throw;
        }
    }

    /// <summary>The environment a shell needs to reach the sandbox with the AWS CLI and curl.</summary>
    public IReadOnlyDictionary<string, string> ClientEnvironment() => new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["AWS_ACCESS_KEY_ID"] = NodeEmulatorProcess.AccessKeyId,
        ["AWS_SECRET_ACCESS_KEY"] = NodeEmulatorProcess.SecretAccessKey,
        ["AWS_DEFAULT_REGION"] = SandboxOptions.Region,
        ["AWS_REGION"] = SandboxOptions.Region,

        // s3rver stores aws-chunked bodies verbatim; AWS CLI ≥ 2.23 and botocore ≥ 1.36 send
        // them with a checksum trailer by default. Only the checksums an operation requires.
        ["AWS_REQUEST_CHECKSUM_CALCULATION"] = "when_required",
        ["AWS_RESPONSE_CHECKSUM_VALIDATION"] = "when_required",
        ["API_URL"] = ApiBaseUrl.ToString().TrimEnd('/'),
        ["S3_ENDPOINT"] = S3Endpoint.ToString().TrimEnd('/'),
        ["DYNAMODB_ENDPOINT"] = DynamoDbEndpoint.ToString().TrimEnd('/'),
        ["STEPFUNCTIONS_ENDPOINT"] = StepFunctionsEndpoint.ToString().TrimEnd('/'),
        ["HEALTHIMAGING_ENDPOINT"] = HealthImagingEndpoint.ToString().TrimEnd('/'),
        ["BUCKET"] = BucketName,
        ["TABLE"] = TableName,
        ["STATE_MACHINE_ARN"] = StateMachineArn,
        ["DATASTORE_ID"] = Options.DatastoreId,
        ["SQS_ENDPOINT"] = SqsEndpoint?.ToString().TrimEnd('/') ?? string.Empty,
    };

    public ValueTask DisposeAsync() => DisposeAllAsync(_owned);

    private static async ValueTask DisposeAllAsync(List<IAsyncDisposable> owned)
    {
        // Last started, first stopped: the API goes before the emulators it calls.
        for (var i = owned.Count - 1; i >= 0; i--)
        {
            await owned[i].DisposeAsync();
        }

        owned.Clear();
    }

    private static string LambdaLogPathFor(SandboxOptions options) => Path.Combine(options.StateDirectory, "logs", "lambda.log");

    private static string EventLogPathFor(SandboxOptions options) => Path.Combine(options.StateDirectory, "logs", "events.jsonl");

    private static SynthesizedTemplate LoadTemplate(SandboxOptions options)
    {
        var first = SynthesizedTemplate.LoadFromCloudAssembly(options.CdkOutDirectory, options.StackName, new TemplateContext(SandboxOptions.Region, SandboxOptions.AccountId));
        var datastore = first.SingleResourceOfType(SynthesizedTemplate.DatastoreType);
        var overrides = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [$"{datastore.LogicalId}.DatastoreId"] = options.DatastoreId,
            [$"{datastore.LogicalId}.DatastoreArn"] = $"arn:aws:medical-imaging:{SandboxOptions.Region}:{SandboxOptions.AccountId}:datastore/{options.DatastoreId}",
        };
        return SynthesizedTemplate.LoadFromCloudAssembly(
            options.CdkOutDirectory,
            options.StackName,
            new TemplateContext(SandboxOptions.Region, SandboxOptions.AccountId, AttributeOverrides: overrides));
    }

    private static async Task<SandboxHost> StartCoreAsync(SandboxOptions options, SynthesizedTemplate template, List<IAsyncDisposable> owned, TextWriter progress, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.Combine(options.StateDirectory, "logs"));
        var lambdaLog = new StreamWriter(LambdaLogPathFor(options), append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)) { AutoFlush = true };
        owned.Add(lambdaLog);
        var lambdaLogFile = TextWriter.Synchronized(lambdaLog);
        var logs = new SandboxLogs();

        // The functions resolve credentials through the SDK's default chain, as in Lambda.
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", NodeEmulatorProcess.AccessKeyId);
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", NodeEmulatorProcess.SecretAccessKey);
        Environment.SetEnvironmentVariable("AWS_SESSION_TOKEN", null);

        var functions = template.LambdaFunctions();
        var uploadFunction = functions.SingleOrDefault(f => f.Handler == UploadHandlerString)
            ?? throw new TemplateResolutionException($"The template has no function with handler {UploadHandlerString}.");
        var monitorFunction = functions.SingleOrDefault(f => f.Handler == ImportMonitorHandlerString)
            ?? throw new TemplateResolutionException($"The template has no function with handler {ImportMonitorHandlerString}.");
        var bucketName = uploadFunction.Environment["UPLOAD_BUCKET_NAME"];
        var tableName = uploadFunction.Environment["STUDY_TABLE_NAME"];

        progress.WriteLine($"sandbox: stack {template.StackName}: bucket {bucketName}, table {tableName}");

        progress.WriteLine("sandbox: starting S3 (s3rver) and DynamoDB (dynalite) …");
        var s3Process = await NodeEmulatorProcess.StartS3Async(null, Port(options.S3Port), cancellationToken);
        owned.Add(s3Process);
        var dynamoProcess = await NodeEmulatorProcess.StartDynamoDbAsync(null, Port(options.DynamoDbPort), cancellationToken);
        owned.Add(dynamoProcess);
        var s3 = EmulatorResources.CreateS3Client(s3Process.Endpoint);
        owned.Add(new DisposeOnStop(s3));
        var dynamoDb = EmulatorResources.CreateDynamoDbClient(dynamoProcess.Endpoint);
        owned.Add(new DisposeOnStop(dynamoDb));
        await EmulatorResources.CreateBucketAsync(s3, bucketName, cancellationToken);
        await EmulatorResources.CreateTableAsync(dynamoDb, TableFromTemplate(template, tableName), cancellationToken);
        progress.WriteLine($"sandbox: S3 ready at {s3Process.Endpoint}, DynamoDB ready at {dynamoProcess.Endpoint}");

        var faults = options.Faults;
        faults?.Validate();
        FaultInjectingProxy? s3Proxy = null;
        FaultInjectingProxy? dynamoDbProxy = null;
        var functionDynamoDb = dynamoDb;
        if (faults is not null)
        {
            // Only the pipeline's own calls go through the proxies: the sandbox's setup and
            // read-back clients, and HealthImaging reading its input (AWS-internal), stay direct.
            s3Proxy = await FaultInjectingProxy.StartAsync(
                s3Process.Endpoint, FaultTarget.S3, new FaultProxyOptions { Seed = faults.Seed, Profile = faults.S3 }, cancellationToken);
            owned.Add(s3Proxy);
            dynamoDbProxy = await FaultInjectingProxy.StartAsync(
                dynamoProcess.Endpoint, FaultTarget.DynamoDb, new FaultProxyOptions { Seed = faults.Seed + 1, Profile = faults.DynamoDb }, cancellationToken);
            owned.Add(dynamoDbProxy);
            var faultedDynamoDb = EmulatorResources.CreateDynamoDbClient(dynamoDbProxy.Endpoint);
            owned.Add(new DisposeOnStop(faultedDynamoDb));
            functionDynamoDb = faultedDynamoDb;
            progress.WriteLine($"sandbox: fault proxies for the functions: S3 {s3Proxy.Endpoint}, DynamoDB {dynamoDbProxy.Endpoint}");
        }

        StepFunctionsEmulator? stepFunctionsForTokens = null;
        var iam = new SandboxIam(
            template,
            token => stepFunctionsForTokens?.TaskTokens.Open().FirstOrDefault(c => c.Token == token) is { } open
                ? SandboxIam.StateMachineOfExecution(open.ExecutionArn)
                : null,
            owned);

        // HealthImaging reads its input and writes its reports as the role it is handed; it is
        // not one of the pipeline's calls the fault proxies stand for, so it goes to S3 directly.
        var importRole = iam.ServiceRole(ServiceAccess.HealthImagingPrincipal);
        var importRoleS3 = EmulatorResources.CreateS3Client(
            await iam.GateAsync(importRole, "medical-imaging", FaultTarget.S3, s3Process.Endpoint, cancellationToken));
        owned.Add(new DisposeOnStop(importRoleS3));

        var healthImaging = new HealthImagingEmulator(
            options.HealthImagingQuotas(new HealthImagingEmulatorOptions
            {
                DatastoreId = options.DatastoreId,
                Region = SandboxOptions.Region,
                AccountId = SandboxOptions.AccountId,
                FaultSeed = (faults?.Seed ?? 0) + 2,
            }),
            importRoleS3,
            new DicomHeaderInspector());
        owned.Add(healthImaging);
        healthImaging.Faults = faults?.HealthImaging ?? HealthImagingFaults.None;
        var healthImagingEndpoint = await healthImaging.StartAsync(options.HealthImagingPort, cancellationToken);
        progress.WriteLine($"sandbox: HealthImaging emulator ready at {healthImagingEndpoint} (datastore {options.DatastoreId}; {healthImaging.Options.QuotaSummary()} on the sandbox's clock)");

        var stepFunctions = new StepFunctionsEmulator(new StepFunctionsEmulatorOptions
        {
            Region = SandboxOptions.Region,
            AccountId = SandboxOptions.AccountId,
            TimeScale = options.TimeScale,
            TimeoutScale = options.TimeoutScale,
            EventLogPath = EventLogPathFor(options),
            FaultSeed = (faults?.Seed ?? 0) + 3,
        });
        owned.Add(stepFunctions);
        stepFunctionsForTokens = stepFunctions;
        var stateMachineArn = uploadFunction.Environment["STATE_MACHINE_ARN"];
        var registered = stepFunctions.RegisterStateMachines(template);
        if (!registered.Contains(stateMachineArn))
        {
            throw new TemplateResolutionException($"The upload function starts {stateMachineArn}, which the template does not define.");
        }

        var stateMachine = template.StateMachines().Single(m => m.Arn == stateMachineArn);
        var stateMachineDynamoDb = EmulatorResources.CreateDynamoDbClient(await iam.GateAsync(
            iam.RoleOf(stateMachine.RoleArn, $"State machine {stateMachine.Name}"),
            stateMachine.Name,
            FaultTarget.DynamoDb,
            dynamoDbProxy?.Endpoint ?? dynamoProcess.Endpoint,
            cancellationToken));
        owned.Add(new DisposeOnStop(stateMachineDynamoDb));
        stepFunctions.UseDynamoDb(stateMachineDynamoDb);
        stepFunctions.AuthorizeTask = iam.StateMachineTasks(template.StateMachines());
        stepFunctions.Faults = faults?.StepFunctions ?? StepFunctionsFaults.None;
        var stepFunctionsEndpoint = await stepFunctions.StartAsync(options.StepFunctionsPort, cancellationToken);
        progress.WriteLine($"sandbox: Step Functions emulator ready at {stepFunctionsEndpoint} running {stateMachineArn}");

        var services = new ServiceEndpoints(
            s3Proxy?.Endpoint ?? s3Process.Endpoint,
            dynamoDbProxy?.Endpoint ?? dynamoProcess.Endpoint,
            healthImagingEndpoint,
            stepFunctionsEndpoint);
        var monitorEndpoints = await iam.GatesAsync(iam.RoleOf(monitorFunction.RoleArn, monitorFunction.Name), monitorFunction.Name, services, cancellationToken);
        var uploadEndpoints = await iam.GatesAsync(iam.RoleOf(uploadFunction.RoleArn, uploadFunction.Name), uploadFunction.Name, services, cancellationToken);
        progress.WriteLine($"sandbox: IAM enforces the template's {iam.Principals.Count} roles on every call of the functions, the state machine and HealthImaging");
        var monitorLog = FunctionLog(monitorFunction, logs, iam, lambdaLogFile, progress);
        var monitor = new ImportMonitor.Function(
            ImportMonitor.CompositionRoot.Create(new EnvironmentReader(FunctionEnvironment(monitorFunction, monitorEndpoints, options)), monitorLog),
            monitorLog);
        var invokeMonitor = LambdaRuntimeConsole.PerInvocation(monitor.Handle);
        var monitorInvoker = new FaultingLambda((input, _) => invokeMonitor(input), faults?.Monitor ?? LambdaFaults.None, (faults?.Seed ?? 0) + 4);
        stepFunctions.RegisterFunction(
            monitorFunction.Arn,
            monitorInvoker.InvokeAsync,
            TimeSpan.FromSeconds(monitorFunction.TimeoutSeconds ?? 60));
        var backstopRule = EventRuleDefinition.Find(template, "aws.states", monitorFunction.Arn).SingleOrDefault();
        var backstop = new WorkflowEndForwarder(
            backstopRule is null ? invokeMonitor : iam.AsRuleTarget(template, backstopRule.Name, monitorFunction, invokeMonitor),
            stateMachineArn,
            progress,
            TimeSpan.FromMilliseconds(100));
        owned.Add(backstop);
        stepFunctions.ExecutionClosed += (_, closed) => backstop.Forward(closed.Execution);
        var importEndedRule = EventRuleDefinition.Find(template, ImportJobEvent.Source, monitorFunction.Arn).SingleOrDefault();
        progress.WriteLine(importEndedRule is null
            ? "sandbox: the stack has no rule sending HealthImaging's events to the monitor; they are only logged"
            : $"sandbox: rule {importEndedRule.Name} sends HealthImaging's import-ended events to the monitor");
        var importEvents = ImportJobEndedRule.FromTemplate(
            importEndedRule,
            importEndedRule is null ? invokeMonitor : iam.AsRuleTarget(template, importEndedRule.Name, monitorFunction, invokeMonitor),
            stepFunctions.Events,
            faults?.ImportEvents ?? ImportEventFaults.None,
            (faults?.Seed ?? 0) + 6,
            progress,
            TimeSpan.FromMilliseconds(100));
        owned.Add(importEvents);
        healthImaging.ImportJobEnded += (_, ended) => importEvents.Publish(ended.Event);

        var lambdaConcurrency = new LambdaConcurrency(options.AccountConcurrency, functions);
        var queueing = await StartQueuesAsync(options, template, functions, iam, services, logs, lambdaLogFile, lambdaConcurrency, owned, progress, cancellationToken);
        Uri? uploadSqs = null;
        if (queueing.Endpoint is { } sqsUpstream)
        {
            uploadSqs = await iam.GateAsync(iam.RoleOf(uploadFunction.RoleArn, uploadFunction.Name), uploadFunction.Name, FaultTarget.Sqs, sqsUpstream, cancellationToken);
        }

        var uploadLog = FunctionLog(uploadFunction, logs, iam, lambdaLogFile, progress);
        var apiEndpoints = UploadHandler.CompositionRoot.CreateEndpoints(new EnvironmentReader(FunctionEnvironment(uploadFunction, uploadEndpoints, options, uploadSqs)), uploadLog);
        var upload = new UploadHandler.Function(apiEndpoints.Upload, uploadLog, apiEndpoints.Status);
        var api = new LocalHttpApi(LambdaRuntimeConsole.PerInvocation(upload.Handle), (faults?.Seed ?? 0) + 5)
        {
            Faults = faults?.Api ?? ApiFaults.None,
            RouteThrottle = StageThrottle.FromTemplate(template, LocalHttpApi.StageName).InRealTime(options.TimeScale),
            FunctionConcurrency = lambdaConcurrency.For(uploadFunction),
        };
        owned.Add(api);
        var apiBaseUrl = await api.StartAsync(options.ApiPort, cancellationToken);
        progress.WriteLine($"sandbox: HTTP API ready at {apiBaseUrl}/upload (as {LocalHttpApi.LocalPrincipalArn}; each route throttled at {api.RouteThrottle} on the sandbox's clock, {uploadFunction.Name} runs at most {api.FunctionConcurrency.Limit} at once)");

        return new SandboxHost(options, owned)
        {
            Template = template,
            ApiBaseUrl = apiBaseUrl,
            S3Endpoint = s3Process.Endpoint,
            DynamoDbEndpoint = dynamoProcess.Endpoint,
            HealthImagingEndpoint = healthImagingEndpoint,
            StepFunctionsEndpoint = stepFunctionsEndpoint,
            BucketName = bucketName,
            TableName = tableName,
            StateMachineArn = stateMachineArn,
            HealthImaging = healthImaging,
            StepFunctions = stepFunctions,
            S3 = s3,
            DynamoDb = dynamoDb,
            Monitor = monitorInvoker,
            Api = api,
            S3Proxy = s3Proxy,
            DynamoDbProxy = dynamoDbProxy,
            Backstop = backstop,
            ImportEvents = importEvents,
            IamDenials = iam.Denials,
            IamCalls = iam.Calls,
            Metrics = new SandboxMetrics(template, logs),
            SqsEndpoint = queueing.Endpoint,
            QueueMappings = queueing.Mappings,
            Dispatcher = queueing.Dispatcher,
        };
    }

    /// <summary>
    /// The stack's import queues in moto, the dispatcher behind its event source mappings (polled
    /// with the dispatcher's own role, as Lambda does) and its sweep schedule. Nothing when the
    /// stack has no queues.
    /// </summary>
    private static async Task<(Uri? Endpoint, IReadOnlyList<SqsEventSourceMapping> Mappings, FaultingLambda? Dispatcher)> StartQueuesAsync(
        SandboxOptions options,
        SynthesizedTemplate template,
        IReadOnlyList<SynthesizedFunction> functions,
        SandboxIam iam,
        ServiceEndpoints services,
        SandboxLogs logs,
        TextWriter lambdaLogFile,
        LambdaConcurrency lambdaConcurrency,
        List<IAsyncDisposable> owned,
        TextWriter progress,
        CancellationToken cancellationToken)
    {
        if (template.ResourcesOfType(SandboxQueues.QueueType).Count == 0)
        {
            progress.WriteLine("sandbox: the stack has no queues; imports start inside POST /upload");
            return (null, [], null);
        }

        progress.WriteLine("sandbox: starting SQS (moto) …");
        var sqsProcess = await NodeEmulatorProcess.StartSqsAsync(null, null, cancellationToken);
        owned.Add(sqsProcess);
        var sqs = EmulatorResources.CreateSqsClient(sqsProcess.Endpoint);
        owned.Add(new DisposeOnStop(sqs));
        var queues = await SandboxQueues.CreateFromTemplateAsync(sqs, template, options.TimeScale, cancellationToken);
        progress.WriteLine($"sandbox: SQS ready at {sqsProcess.Endpoint} with {string.Join(", ", queues.Select(q => q.Name))}");

        var dispatcherFunction = functions.SingleOrDefault(f => f.Handler == ImportDispatcherHandlerString);
        if (dispatcherFunction is null)
        {
            progress.WriteLine($"sandbox: the stack has queues but no function with handler {ImportDispatcherHandlerString}: nothing dispatches them");
            return (sqsProcess.Endpoint, [], null);
        }

        var role = iam.RoleOf(dispatcherFunction.RoleArn, dispatcherFunction.Name);
        var endpoints = await iam.GatesAsync(role, dispatcherFunction.Name, services, cancellationToken);
        var dispatcherSqs = await iam.GateAsync(role, dispatcherFunction.Name, FaultTarget.Sqs, sqsProcess.Endpoint, cancellationToken);
        var log = FunctionLog(dispatcherFunction, logs, iam, lambdaLogFile, progress);

        // Its refusals are held on the sandbox's clock, like every other wait.
        var built = ImportDispatcher.CompositionRoot.Create(
            new EnvironmentReader(FunctionEnvironment(dispatcherFunction, endpoints, options, dispatcherSqs)),
            log,
            DispatchBatch.DefaultHoldBudget * Math.Min(options.TimeScale, options.TimeoutScale),
            options.TimeScale);
        var dispatcher = new ImportDispatcher.Function(built.Batch, built.Reconciler, log, built.Sweeper);
        var invokeDispatcher = LambdaRuntimeConsole.PerInvocation(dispatcher.Handle);
        var faulting = new FaultingLambda((input, _) => invokeDispatcher(input), options.Faults?.Dispatcher ?? LambdaFaults.None, (options.Faults?.Seed ?? 0) + 7);
        Func<Stream, Task<Stream>> invoke = input => faulting.InvokeAsync(input, CancellationToken.None);

        // Lambda polls with the function's execution role: a role without sqs:ReceiveMessage gets nothing.
        var pollerSqs = EmulatorResources.CreateSqsClient(dispatcherSqs);
        owned.Add(new DisposeOnStop(pollerSqs));
        var mappings = new List<SqsEventSourceMapping>();
        foreach (var definition in EventSourceMappingDefinition.FromTemplate(template).Where(m => m.FunctionName == dispatcherFunction.Name))
        {
            var queue = queues.SingleOrDefault(q => q.Arn == definition.QueueArn)
                ?? throw new TemplateResolutionException($"{definition.LogicalId} reads {definition.QueueArn}, which the template does not define.");
            var mapping = SqsEventSourceMapping.Start(definition, pollerSqs, queue.Url, invoke, lambdaConcurrency.For(dispatcherFunction), progress);
            owned.Add(mapping);
            mappings.Add(mapping);
            progress.WriteLine($"sandbox: {queue.Name} feeds {dispatcherFunction.Name} (batch {definition.BatchSize}, {definition.MaximumConcurrency} at once)");
        }

        foreach (var (name, rate, input) in ScheduledRule.Find(template, dispatcherFunction.Arn))
        {
            var period = rate * options.TimeScale;
            owned.Add(ScheduledRule.Start(name, period, input, iam.AsRuleTarget(template, name, dispatcherFunction, invoke)));
            progress.WriteLine($"sandbox: rule {name} invokes {dispatcherFunction.Name} with {input} every {period.TotalSeconds:0.#} s");
        }

        return (sqsProcess.Endpoint, mappings, faulting);
    }

    /// <summary>
    /// The function's console as the managed runtime formats it under the function's configured
    /// log format: every line goes to its log group and to the combined lambda.log.
    /// </summary>
    private static StructuredLog FunctionLog(SynthesizedFunction function, SandboxLogs logs, SandboxIam iam, TextWriter file, TextWriter progress)
    {
        var format = LambdaRuntimeConsole.FormatFor(function.Environment, function.LogFormat);
        var mayWrite = iam.MayWriteLogs(function);
        progress.WriteLine(mayWrite
            ? $"sandbox: {function.Name} logs to {function.LogGroupName} ({function.LogFormat}; the runtime writes {format} lines)"
            : $"sandbox: {function.Name} may not write to {function.LogGroupName}: Lambda loses its lines (still in lambda.log)");
        var group = mayWrite ? logs.Group(function.LogGroupName) : null;
        return new StructuredLog(new LambdaRuntimeConsole(format, group, file, TimeProvider.System), TimeProvider.System);
    }

    /// <summary>The function's environment from the template, plus what the Lambda runtime and the sandbox add.</summary>
    /// <remarks>
    /// The functions run on real time, the sandbox's quotas on its clock: the admission rate the
    /// stack sets (<c>IMPORT_START_TPS</c>) is scaled to the same clock, so the functions pace
    /// StartDICOMImportJob exactly as fast as the emulator's quota allows.
    /// </remarks>
    private static Dictionary<string, string> FunctionEnvironment(SynthesizedFunction function, AwsEndpoints endpoints, SandboxOptions options, Uri? sqs = null)
    {
        var environment = new Dictionary<string, string>(function.Environment, StringComparer.Ordinal)
        {
            ["AWS_REGION"] = SandboxOptions.Region,
            ["AWS_ENDPOINT_URL_S3"] = $"{endpoints.S3}",
            ["AWS_ENDPOINT_URL_DYNAMODB"] = $"{endpoints.DynamoDb}",
            ["AWS_ENDPOINT_URL_MEDICAL_IMAGING"] = $"{endpoints.HealthImaging}",
            ["AWS_ENDPOINT_URL_SFN"] = $"{endpoints.StepFunctions}",
        };
        if (sqs is not null)
        {
            environment["AWS_ENDPOINT_URL_SQS"] = $"{sqs}";
        }

        if (environment.TryGetValue("IMPORT_START_TPS", out var tps)
            && double.TryParse(tps, NumberStyles.Float, CultureInfo.InvariantCulture, out var rate))
        {
            environment["IMPORT_START_TPS"] = (rate / options.TimeScale).ToString("R", CultureInfo.InvariantCulture);
        }

        return environment;
    }

    private static TableDefinition TableFromTemplate(SynthesizedTemplate template, string tableName)
    {
        foreach (var resource in template.ResourcesOfType(SynthesizedTemplate.DynamoDbTableType))
        {
            if (template.ResolveStringProperty(resource, "TableName") != tableName)
            {
                continue;
            }

            var types = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var attribute in template.ResolveProperty(resource, "AttributeDefinitions")?.AsArray() ?? [])
            {
                types[Text(attribute, "AttributeName")] = Text(attribute, "AttributeType");
            }

            var (partition, sort) = Keys(template.ResolveProperty(resource, "KeySchema"), types);
            var indexes = new List<IndexDefinition>();
            foreach (var index in template.ResolveProperty(resource, "GlobalSecondaryIndexes")?.AsArray() ?? [])
            {
                var (indexPartition, indexSort) = Keys(index?["KeySchema"], types);
                indexes.Add(new IndexDefinition(Text(index, "IndexName"), indexPartition, indexSort, index?["Projection"]?["ProjectionType"]?.GetValue<string>() ?? "ALL"));
            }

            return new TableDefinition(tableName, partition, sort, indexes);
        }

        throw new TemplateResolutionException($"The template defines no table named {tableName}.");

        static (KeyAttribute Partition, KeyAttribute? Sort) Keys(JsonNode? schema, Dictionary<string, string> types)
        {
            KeyAttribute? partition = null;
            KeyAttribute? sort = null;
            foreach (var key in schema?.AsArray() ?? [])
            {
                var name = Text(key, "AttributeName");
                var attribute = new KeyAttribute(name, types.GetValueOrDefault(name, "S"));
                if (Text(key, "KeyType") == "HASH")
                {
                    partition = attribute;
                }
                else
                {
                    sort = attribute;
                }
            }

            return (partition ?? throw new TemplateResolutionException("A key schema has no HASH key."), sort);
        }

        static string Text(JsonNode? node, string property) =>
            node?[property]?.GetValue<string>() ?? throw new TemplateResolutionException($"A table property lacks {property}.");
    }

    private async Task WriteEnvironmentFileAsync(CancellationToken cancellationToken)
    {
        var lines = ClientEnvironment().Select(pair => string.Create(CultureInfo.InvariantCulture, $"export {pair.Key}='{pair.Value}'"));
        await File.WriteAllLinesAsync(EnvironmentFilePath, lines, cancellationToken);
    }

    private static int? Port(int port) => port == 0 ? null : port;
}

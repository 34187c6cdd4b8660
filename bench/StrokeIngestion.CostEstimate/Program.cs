using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using StrokeIngestion.Sandbox.Template;

// Cost per 1,000 studies, from the synthesized template (function memory and architecture, the
// state machine's event window, poll interval and states per path) and measured or assumed durations.
// Usage: dotnet run --project bench/StrokeIngestion.CostEstimate -- [--cdk-out cdk.out]
//        [--import-minutes 5] [--study-mb 250] [--files 300] [--upload-ms 600] [--monitor-ms 120]
//        [--import-event arrives|lost] [--endpoint-kb-per-call 8]
//        [--prices bench/StrokeIngestion.CostEstimate/prices-us-east-1.json]
var options = new Dictionary<string, string>(StringComparer.Ordinal)
{
    ["--cdk-out"] = "cdk.out",
    ["--import-minutes"] = "5",
    ["--study-mb"] = "250",
    ["--files"] = "300",
    ["--upload-ms"] = "600",
    ["--monitor-ms"] = "120",
    ["--import-event"] = "arrives",
    ["--endpoint-kb-per-call"] = "8",
    ["--prices"] = Path.Combine(AppContext.BaseDirectory, "prices-us-east-1.json"),
};
for (var i = 0; i + 1 < args.Length; i += 2)
{
    if (!options.ContainsKey(args[i]))
    {
        Console.Error.WriteLine($"cost: unknown option {args[i]}");
        return 2;
    }

    options[args[i]] = args[i + 1];
}

double Number(string key) => double.Parse(options[key], CultureInfo.InvariantCulture);

var prices = JsonNode.Parse(File.ReadAllText(options["--prices"]))?.AsObject() ?? throw new InvalidDataException("prices file is empty");
double Price(string key) => prices[key]?.GetValue<double>() ?? throw new InvalidDataException($"prices file lacks {key}");

var datastoreOverride = new Dictionary<string, string>(StringComparer.Ordinal);
var probe = SynthesizedTemplate.LoadFromCloudAssembly(options["--cdk-out"]);
foreach (var datastore in probe.ResourcesOfType(SynthesizedTemplate.DatastoreType))
{
    datastoreOverride[$"{datastore.LogicalId}.DatastoreId"] = "0123456789abcdef0123456789abcdef";
    datastoreOverride[$"{datastore.LogicalId}.DatastoreArn"] = "arn:aws:medical-imaging:us-east-1:000000000000:datastore/0123456789abcdef0123456789abcdef";
}

var template = SynthesizedTemplate.LoadFromCloudAssembly(options["--cdk-out"], context: new TemplateContext(AttributeOverrides: datastoreOverride));
var functions = template.ResourcesOfType(SynthesizedTemplate.LambdaFunctionType)
    .ToDictionary(f => template.ResolveStringProperty(f, "Handler") ?? f.LogicalId, StringComparer.Ordinal);
(double MemoryGb, bool Arm) Function(string handler)
{
    var resource = functions[handler];
    var memory = template.ResolveProperty(resource, "MemorySize")?.GetValue<int>() ?? 128;
    var arm = template.ResolveProperty(resource, "Architectures")?.AsArray().Any(a => a?.GetValue<string>() == "arm64") ?? false;
    return (memory / 1024.0, arm);
}

var upload = Function("StrokeIngestion.UploadHandler::StrokeIngestion.UploadHandler.Function::Handle");
var monitor = Function("StrokeIngestion.ImportMonitor::StrokeIngestion.ImportMonitor.Function::Handle");

// The workflow from the definition: StartAt waits for HealthImaging's import-end event (a task
// token, TimeoutSeconds = the event window); the check then decides. Without the event, or for an
// import longer than the window, the Wait -> check -> Choice loop polls every Seconds.
var definition = JsonNode.Parse(template.StateMachines().Single().Definition)?.AsObject() ?? throw new InvalidDataException("no definition");
var states = definition["States"]?.AsObject() ?? throw new InvalidDataException("no States");
var startAt = definition["StartAt"]?.GetValue<string>() ?? throw new InvalidDataException("no StartAt");
var start = states[startAt] ?? throw new InvalidDataException($"no state {startAt}");
var awaitsEvent = start["Resource"]?.GetValue<string>()?.EndsWith(".waitForTaskToken", StringComparison.Ordinal) == true;
var eventWindowSeconds = awaitsEvent
    ? start["TimeoutSeconds"]?.GetValue<int>() ?? throw new InvalidDataException($"{startAt} waits for a token without TimeoutSeconds")
    : 0;

// The path of a study that ends READY with no poll: from StartAt, following Next and, at a Choice,
// the rule that tests for READY_FOR_ANALYSIS, to the Succeed state.
var readyPath = new List<string>();
for (var name = startAt; name is not null && readyPath.Count < states.Count; )
{
    readyPath.Add(name);
    var state = states[name];
    name = state?["Type"]?.GetValue<string>() switch
    {
        "Succeed" => null,
        "Choice" => state["Choices"]?.AsArray().FirstOrDefault(c => c?.ToJsonString().Contains("READY_FOR_ANALYSIS", StringComparison.Ordinal) == true)?["Next"]?.GetValue<string>(),
        _ => state?["Next"]?.GetValue<string>(),
    };
}

// The poll loop: follow Next from the Wait state until it comes back to it.
var wait = states.First(s => s.Value?["Type"]?.GetValue<string>() == "Wait");
var pollSeconds = wait.Value?["Seconds"]?.GetValue<int>() ?? throw new InvalidDataException("Wait has no Seconds");
var loop = new List<string> { wait.Key };
for (var name = wait.Value?["Next"]?.GetValue<string>(); name is not null && name != wait.Key; )
{
    loop.Add(name);
    var state = states[name];
    name = state?["Type"]?.GetValue<string>() == "Choice"
        ? state["Default"]?.GetValue<string>()
        : state?["Next"]?.GetValue<string>();
}

// How long each copy of a study stays in S3: the lifecycle rules of the bucket the upload reads.
var uploadBucketName = functions["StrokeIngestion.UploadHandler::StrokeIngestion.UploadHandler.Function::Handle"] is var uploadResource
    && template.ResolveProperty(uploadResource, "Environment")?["Variables"]?["UPLOAD_BUCKET_NAME"]?.GetValue<string>() is { } bucketFromEnvironment
    ? bucketFromEnvironment
    : throw new InvalidDataException("the upload function has no UPLOAD_BUCKET_NAME");
var bucket = template.ResourcesOfType(SynthesizedTemplate.S3BucketType).Single(b => template.ResolveStringProperty(b, "BucketName") == uploadBucketName);
double ExpiryDays(string prefix) =>
    template.ResolveProperty(bucket, "LifecycleConfiguration")?["Rules"]?.AsArray()
        .FirstOrDefault(r => r?["Prefix"]?.GetValue<string>() == prefix)?["ExpirationInDays"]?.GetValue<int>()
    ?? throw new InvalidDataException($"no lifecycle rule expires {prefix}");
var uploadDays = ExpiryDays("uploads/");
var importDays = ExpiryDays("imports/");

// Uploads move to S3 Glacier Instant Retrieval after a day when the rule says so: billed for at
// least its 90-day minimum, plus one lifecycle transition request per file.
var uploadArchive = template.ResolveProperty(bucket, "LifecycleConfiguration")?["Rules"]?.AsArray()
    .FirstOrDefault(r => r?["Prefix"]?.GetValue<string>() == "uploads/")?["Transitions"]?.AsArray()
    .FirstOrDefault(t => t?["StorageClass"]?.GetValue<string>() == "GLACIER_IR");
var uploadStandardDays = uploadArchive?["TransitionInDays"]?.GetValue<int>() is { } archiveAfter ? Math.Min(archiveAfter, uploadDays) : uploadDays;
var uploadArchiveDays = uploadArchive is null ? 0 : Math.Max(uploadDays - uploadStandardDays, Price("s3_glacier_ir_minimum_storage_days"));

var importSeconds = Number("--import-minutes") * 60;
var eventArrives = options["--import-event"] switch
{
    "arrives" => true,
    "lost" => false,
    _ => throw new ArgumentException("--import-event is arrives or lost"),
};

// Woken by the event (the import ends within the window): the ready path, one check. Otherwise
// the window runs out: one check then, and a poll per interval until the import has ended.
var woken = awaitsEvent && eventArrives && importSeconds <= eventWindowSeconds;
var fallbackPolls = !awaitsEvent
    ? Math.Max(1, (int)Math.Ceiling(importSeconds / pollSeconds))
    : woken ? 0 : Math.Max(0, (int)Math.Ceiling((importSeconds - eventWindowSeconds) / pollSeconds));
var checks = awaitsEvent ? 1 + fallbackPolls : fallbackPolls;
var transitions = awaitsEvent
    ? readyPath.Count + fallbackPolls * loop.Count
    : fallbackPolls * loop.Count + 2; // PublishStudyReady, StudyReady

// Monitor invocations: arming the wait, the event (when it comes) and each check.
var monitorInvocations = checks + (awaitsEvent ? 1 : 0) + (awaitsEvent && eventArrives ? 1 : 0);
var path = woken
    ? string.Join(" -> ", readyPath)
    : awaitsEvent
        ? $"{startAt} times out after {eventWindowSeconds} s, then {fallbackPolls} x ({string.Join(" -> ", loop)})"
        : $"{fallbackPolls} x ({string.Join(" -> ", loop)})";
var studies = 1000.0;
var studyGb = Number("--study-mb") / 1024;
var files = Number("--files");

var lines = new List<(string Service, string Basis, double Cost)>
{
    ("API Gateway (HTTP API)", "1 request per study", studies / 1e6 * Price("http_api_per_million_requests")),
    ("Lambda upload", $"{upload.MemoryGb:0.###} GB x {Number("--upload-ms")} ms, {(upload.Arm ? "arm64" : "x86_64")}",
        studies * (upload.MemoryGb * Number("--upload-ms") / 1000 * Price(upload.Arm ? "lambda_arm64_gb_second" : "lambda_x86_gb_second") + Price("lambda_per_million_requests") / 1e6)),
    ("Lambda monitor", $"{monitorInvocations} invocations ({checks} checks) x {monitor.MemoryGb:0.###} GB x {Number("--monitor-ms")} ms",
        studies * monitorInvocations * (monitor.MemoryGb * Number("--monitor-ms") / 1000 * Price(monitor.Arm ? "lambda_arm64_gb_second" : "lambda_x86_gb_second") + Price("lambda_per_million_requests") / 1e6)),
    ("Step Functions (standard)", $"{transitions} transitions: {path}",
        studies * transitions / 1000 * Price("step_functions_standard_per_1000_transitions")),
    ("DynamoDB (on-demand)", $"~{2 + monitorInvocations} writes of 2 WRU, {1 + checks} strongly consistent reads",
        studies * ((2 + monitorInvocations) * 2 / 1e6 * Price("dynamodb_on_demand_per_million_write_units") + (1 + checks) / 1e6 * Price("dynamodb_on_demand_per_million_read_units"))),
    ("S3 requests", $"{files} PUT + {files} COPY + {files} ranged GET + HEAD/LIST + manifest",
        studies * ((2 * files + 2) / 1000 * Price("s3_put_copy_list_per_1000") + (files + 2) / 1000 * Price("s3_get_per_1000"))),
    ("S3 storage", uploadArchive is null
            ? $"{studyGb:0.###} GB for {uploadDays} days (uploads/) + {importDays} days (imports/), from the lifecycle rules"
            : $"{studyGb:0.###} GB: uploads/ {uploadStandardDays} day(s) Standard + {uploadArchiveDays} days Glacier IR, imports/ {importDays} day(s), from the lifecycle rules",
        studies * studyGb * ((uploadStandardDays + importDays) / 30 * Price("s3_standard_gb_month") + uploadArchiveDays / 30 * Price("s3_glacier_ir_gb_month"))),
    ("S3 lifecycle transitions", uploadArchive is null ? "none" : $"{files} objects to Glacier IR",
        uploadArchive is null ? 0 : studies * files / 1000 * Price("s3_lifecycle_transition_glacier_ir_per_1000")),
    ("HealthImaging storage", $"{studyGb:0.###} GB x 1 month (30-day minimum; imports free)", studies * studyGb * Price("healthimaging_frequent_access_gb_month")),
    // HealthImaging's own import events reach the default bus free (AWS service events); the Study Ready event is a custom one.
    ("EventBridge", "1 Study Ready event per study (HealthImaging's events are free)", studies / 1e6 * Price("eventbridge_per_million_events")),
};

// Deployment options (context vpc and auditTrail), from the template: interface endpoints bill per
// AZ-hour and per GB they carry (gateway endpoints are free); the trail bills per data event.
var endpoints = template.ResourcesOfType("AWS::EC2::VPCEndpoint");
var interfaceEndpoints = endpoints.Where(e => e.Properties["VpcEndpointType"]?.GetValue<string>() == "Interface").ToList();
var endpointAzHours = interfaceEndpoints.Sum(e => e.Properties["SubnetIds"]?.AsArray().Count ?? 0) * Price("hours_per_month");
var endpointMonthly = endpointAzHours * Price("vpc_interface_endpoint_hour_per_az");
// Calls that go through an interface endpoint (HealthImaging, Step Functions): StartDICOMImportJob,
// StartExecution, one GetDICOMImportJob per check, SendTaskSuccess when the event wakes the wait.
// S3 and DynamoDB go through the free gateway endpoints.
var endpointCalls = 2 + checks + (awaitsEvent && eventArrives ? 1 : 0);
var endpointGb = studies * endpointCalls * Number("--endpoint-kb-per-call") / (1024.0 * 1024.0);
if (interfaceEndpoints.Count > 0)
{
    lines.Add(("VPC interface endpoints", string.Create(CultureInfo.InvariantCulture, $"{endpointCalls} calls x {Number("--endpoint-kb-per-call")} KB per study through {interfaceEndpoints.Count} endpoints (hourly charge below)"),
        endpointGb * Price("vpc_interface_endpoint_gb_processed")));
}

var trail = template.ResourcesOfType("AWS::CloudTrail::Trail").SingleOrDefault();
var selectedTypes = trail?.Properties["AdvancedEventSelectors"]?.AsArray()
    .SelectMany(s => s?["FieldSelectors"]?.AsArray() ?? [])
    .Where(f => f?["Field"]?.GetValue<string>() == "resources.type")
    .SelectMany(f => f?["Equals"]?.AsArray() ?? [])
    .Select(t => t?.GetValue<string>())
    .ToHashSet(StringComparer.Ordinal) ?? [];
// S3 object events per file: the client's PUT, the handler's HEAD, ranged GET and COPY, HealthImaging's
// GET of the copy; per study ~4 more (job reports written, the manifest read). HealthImaging: the
// import start and each status read, an upper bound (only data-plane calls on the datastore count).
var s3DataEvents = selectedTypes.Contains("AWS::S3::Object") ? 5 * files + 4 : 0;
var imagingDataEvents = selectedTypes.Contains("AWS::MedicalImaging::Datastore") ? 1 + checks : 0;
var dataEvents = s3DataEvents + imagingDataEvents;
if (trail is not null)
{
    lines.Add(("CloudTrail data events", string.Create(CultureInfo.InvariantCulture, $"{dataEvents:0} per study: {s3DataEvents:0} on study files, {imagingDataEvents} on the datastore"),
        studies * dataEvents / 100_000 * Price("cloudtrail_data_events_per_100k")));
    lines.Add(("CloudTrail copy in Logs", string.Create(CultureInfo.InvariantCulture, $"{dataEvents:0} events x ~1.5 KB per study copied to the trail's log group"),
        studies * dataEvents * 1.5 / (1024.0 * 1024.0) * Price("cloudwatch_logs_ingest_gb")));
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Cost per 1,000 studies — {prices["region"]} list prices as of {prices["as_of"]} ({prices["source"]})"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Assumptions: {Number("--import-minutes")}-minute import, {Number("--study-mb")} MB and {files} files per study; import-end event {(eventArrives ? "arrives" : "lost")}"));
Console.WriteLine(awaitsEvent
    ? string.Create(CultureInfo.InvariantCulture, $"Workflow: {startAt} waits up to {eventWindowSeconds} s for the import-end event, then polls every {pollSeconds} s ({string.Join(" -> ", loop)})")
    : string.Create(CultureInfo.InvariantCulture, $"Workflow: polls every {pollSeconds} s ({string.Join(" -> ", loop)})"));
Console.WriteLine();
foreach (var (service, basis, cost) in lines)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {service,-26} ${cost,9:0.0000}   {basis}"));
}

const double SeedTotal = 11.30;
var total = lines.Sum(l => l.Cost);
var stepFunctions = lines.Single(l => l.Service.StartsWith("Step Functions", StringComparison.Ordinal)).Cost;
var pipeline = total - lines.Where(l => l.Service.Contains("storage", StringComparison.Ordinal)).Sum(l => l.Cost);
Console.WriteLine();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {"Total",-26} ${total,9:0.0000}   (seed estimate ${SeedTotal:0.00}: {(total < SeedTotal ? "below" : "ABOVE")})"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {"Pipeline without storage",-26} ${pipeline,9:0.0000}"));

// Storage grows with the study's bytes, the rest does not: the largest study whose total stays
// below the seed's figure, with the same file count and retention.
var storagePerStudyGb = (total - pipeline) / studyGb;
var breakEvenMb = (SeedTotal - pipeline) / storagePerStudyGb * 1024;
Console.WriteLine(breakEvenMb > 0
    ? string.Create(CultureInfo.InvariantCulture, $"  Below ${SeedTotal:0.00} for studies up to {breakEvenMb:0} MB ({files} files; storage ${storagePerStudyGb / 1024:0.0000} per MB of study per 1,000 studies)")
    : string.Create(CultureInfo.InvariantCulture, $"  Never below ${SeedTotal:0.00} with {files} files: the pipeline without storage costs more"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  Step Functions goal <= $0.25: ${stepFunctions:0.0000} {(stepFunctions <= 0.25 ? "PASS" : "MISS")}"));
Console.WriteLine();
var trailMonthly = trail is null ? 0 : Price("kms_customer_managed_key_month");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Deployment options, fixed per month (not per study): vpc {(endpoints.Count > 0 ? "on" : "none")}, auditTrail {(trail is null ? "off" : "on")}"));
Console.WriteLine(interfaceEndpoints.Count > 0
    ? string.Create(CultureInfo.InvariantCulture, $"  {"VPC interface endpoints",-26} ${endpointMonthly,9:0.00}   {interfaceEndpoints.Count} endpoints, {endpointAzHours / Price("hours_per_month"):0} endpoint-AZs x {Price("hours_per_month")} h x ${Price("vpc_interface_endpoint_hour_per_az")}/h; data ${Price("vpc_interface_endpoint_gb_processed")}/GB (above); {endpoints.Count - interfaceEndpoints.Count} gateway endpoints free")
    : "  VPC endpoints: none (vpc=none)");
Console.WriteLine(trail is not null
    ? string.Create(CultureInfo.InvariantCulture, $"  {"Audit trail key (KMS)",-26} ${trailMonthly,9:0.00}   management events free as the account's first copy, ${Price("cloudtrail_management_events_additional_copy_per_100k"):0.00} per 100,000 if another trail already records them; data events ${Price("cloudtrail_data_events_per_100k"):0.00} per 100,000 (above)")
    : "  Audit trail: off");
Console.WriteLine(JsonSerializer.Serialize(new { total, step_functions = stepFunctions, transitions, checks, monitor_invocations = monitorInvocations, break_even_study_mb = breakEvenMb, endpoints_monthly = endpointMonthly, trail_data_events_per_study = dataEvents }));
return 0;

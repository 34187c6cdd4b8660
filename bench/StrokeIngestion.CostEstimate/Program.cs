using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using StrokeIngestion.Sandbox.Template;

// Cost per 1,000 studies, from the synthesized template (function memory and architecture,
// the state machine's poll interval and states per loop) and measured or assumed durations.
// Usage: dotnet run --project bench/StrokeIngestion.CostEstimate -- [--cdk-out cdk.out]
//        [--import-minutes 5] [--study-mb 250] [--files 300] [--upload-ms 600] [--monitor-ms 120]
//        [--prices bench/StrokeIngestion.CostEstimate/prices-us-east-1.json]
var options = new Dictionary<string, string>(StringComparer.Ordinal)
{
    ["--cdk-out"] = "cdk.out",
    ["--import-minutes"] = "5",
    ["--study-mb"] = "250",
    ["--files"] = "300",
    ["--upload-ms"] = "600",
    ["--monitor-ms"] = "120",
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

// The poll loop: follow Next from the Wait state until it comes back to it.
var definition = JsonNode.Parse(template.StateMachines().Single().Definition)?.AsObject() ?? throw new InvalidDataException("no definition");
var states = definition["States"]?.AsObject() ?? throw new InvalidDataException("no States");
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

var importSeconds = Number("--import-minutes") * 60;
var polls = Math.Max(1, (int)Math.Ceiling(importSeconds / pollSeconds));
const int FinishTransitions = 2; // PublishStudyReady, StudyReady
var transitions = polls * loop.Count + FinishTransitions;
var studies = 1000.0;
var studyGb = Number("--study-mb") / 1024;
var files = Number("--files");

var lines = new List<(string Service, string Basis, double Cost)>
{
    ("API Gateway (HTTP API)", "1 request per study", studies / 1e6 * Price("http_api_per_million_requests")),
    ("Lambda upload", $"{upload.MemoryGb:0.###} GB x {Number("--upload-ms")} ms, {(upload.Arm ? "arm64" : "x86_64")}",
        studies * (upload.MemoryGb * Number("--upload-ms") / 1000 * Price(upload.Arm ? "lambda_arm64_gb_second" : "lambda_x86_gb_second") + Price("lambda_per_million_requests") / 1e6)),
    ("Lambda monitor", $"{polls} polls x {monitor.MemoryGb:0.###} GB x {Number("--monitor-ms")} ms",
        studies * polls * (monitor.MemoryGb * Number("--monitor-ms") / 1000 * Price(monitor.Arm ? "lambda_arm64_gb_second" : "lambda_x86_gb_second") + Price("lambda_per_million_requests") / 1e6)),
    ("Step Functions (standard)", $"{transitions} transitions ({polls} loops x {loop.Count} states + {FinishTransitions})",
        studies * transitions / 1000 * Price("step_functions_standard_per_1000_transitions")),
    ("DynamoDB (on-demand)", $"~{2 + polls} writes of 2 WRU, {1 + polls} strongly consistent reads",
        studies * ((2 + polls) * 2 / 1e6 * Price("dynamodb_on_demand_per_million_write_units") + (1 + polls) / 1e6 * Price("dynamodb_on_demand_per_million_read_units"))),
    ("S3 requests", $"{files} PUT + {files} COPY + {files} ranged GET + HEAD/LIST + manifest",
        studies * ((2 * files + 2) / 1000 * Price("s3_put_copy_list_per_1000") + (files + 2) / 1000 * Price("s3_get_per_1000"))),
    ("S3 storage", $"{studyGb:0.###} GB for {uploadDays} days (uploads/) + {importDays} days (imports/), from the lifecycle rules",
        studies * studyGb * (uploadDays + importDays) / 30 * Price("s3_standard_gb_month")),
    ("HealthImaging storage", $"{studyGb:0.###} GB x 1 month (30-day minimum; imports free)", studies * studyGb * Price("healthimaging_frequent_access_gb_month")),
    ("EventBridge", "1 Study Ready event per study", studies / 1e6 * Price("eventbridge_per_million_events")),
};

Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Cost per 1,000 studies — {prices["region"]} list prices as of {prices["as_of"]} ({prices["source"]})"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Assumptions: {Number("--import-minutes")}-minute import, {Number("--study-mb")} MB and {files} files per study; poll every {pollSeconds} s, loop = {string.Join(" -> ", loop)}"));
Console.WriteLine();
foreach (var (service, basis, cost) in lines)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {service,-26} ${cost,9:0.0000}   {basis}"));
}

var total = lines.Sum(l => l.Cost);
var stepFunctions = lines.Single(l => l.Service.StartsWith("Step Functions", StringComparison.Ordinal)).Cost;
var pipeline = total - lines.Where(l => l.Service.Contains("storage", StringComparison.Ordinal)).Sum(l => l.Cost);
Console.WriteLine();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {"Total",-26} ${total,9:0.0000}   (seed estimate $11.30: {(total < 11.30 ? "below" : "ABOVE")})"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {"Pipeline without storage",-26} ${pipeline,9:0.0000}"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  Step Functions goal <= $0.25: ${stepFunctions:0.0000} {(stepFunctions <= 0.25 ? "PASS" : "MISS")}"));
Console.WriteLine(JsonSerializer.Serialize(new { total, step_functions = stepFunctions, transitions, polls }));
return 0;

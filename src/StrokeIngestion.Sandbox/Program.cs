using System.Globalization;
using System.Runtime.InteropServices;
using StrokeIngestion.Sandbox.Demo;
using StrokeIngestion.Sandbox.Host;
using StrokeIngestion.Sandbox.Proof;

// The local sandbox: the Phase 1 pipeline on 127.0.0.1, built from the synthesized stack.
// Usage: see Usage below, or README "Run it locally".
const string Usage = """
    usage: sandbox [--demo] [--deadline SECONDS] [--cdk-out DIR] [--stack NAME] [--state-dir DIR]
                   [--time-scale FACTOR] [--import-seconds SECONDS] [--import-seconds-per-file SECONDS]
                   [--healthimaging-start-tps TPS] [--healthimaging-start-burst N] [--healthimaging-max-jobs N]
                   [--account-concurrency N] [--fault-rate R] [--fault-seed N]
                   [--api-port N] [--s3-port N] [--dynamodb-port N] [--healthimaging-port N] [--sfn-port N]
      --demo            ingest a generated brain CT, follow it to READY_FOR_ANALYSIS, then stop
      --deadline        with --demo: give up (exit 1) after this many seconds (default 120)
      --time-scale      how long a second of stack time lasts (default 0.1: the 30 s poll takes 3 s, a 20 s
                        import 2 s, 1 StartDICOMImportJob per second becomes 10 per second); counts are not scaled
      --import-seconds  an emulated import's fixed run time in stack time (default 20)
      --import-seconds-per-file  what each input file adds to it (default 0.1)
      --healthimaging-start-tps  StartDICOMImportJob's rate before 429 ThrottlingException (default 1)
      --healthimaging-start-burst  its burst (default 2)
      --healthimaging-max-jobs  import jobs running at once before 402 ServiceQuotaExceededException (default 100)
      --account-concurrency  Lambda concurrent executions in the account; functions without reserved
                        concurrency share what reservations leave (default 1000)
      --fault-rate      throttle/5xx that share of the pipeline's calls to S3, DynamoDB, HealthImaging, Step Functions
                        and the monitor, and slow down as many (fault proxies in front of s3rver and dynalite)
           sandbox prove-faults|load …  the proof runs (sandbox prove-faults --help)
    """;

if (ProofCommand.Handles(args))
{
    using var cancelProof = new CancellationTokenSource();
    Console.CancelKeyPress += (_, e) =>
    {
        e.Cancel = true;
        cancelProof.Cancel();
    };
    using var proofTerminate = StopOnTerminate(cancelProof);
    return await ProofCommand.RunAsync(args, cancelProof.Token);
}

var options = new SandboxOptions();
double? faultRate = null;
var faultSeed = 1;
var demo = false;
var deadline = TimeSpan.FromSeconds(120);
for (var i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
    int NextPort() => int.TryParse(Next(), NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 0 and <= 65535
        ? port
        : throw new ArgumentException($"{args[i - 1]} needs a port number.");
    double NextNumber() => double.TryParse(Next(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= 0 && double.IsFinite(value)
        ? value
        : throw new ArgumentException($"{args[i - 1]} needs a non-negative number.");
    double NextPositiveNumber() => double.TryParse(Next(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value > 0 && double.IsFinite(value)
        ? value
        : throw new ArgumentException($"{args[i - 1]} needs a number greater than 0.");
    int NextCount() => int.TryParse(Next(), NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count >= 1
        ? count
        : throw new ArgumentException($"{args[i - 1]} needs a whole number of at least 1.");
    try
    {
        switch (args[i])
        {
            case "--demo": demo = true; break;
            case "--deadline": deadline = TimeSpan.FromSeconds(NextNumber()); break;
            case "--cdk-out": options = options with { CdkOutDirectory = Next() }; break;
            case "--stack": options = options with { StackName = Next() }; break;
            case "--state-dir": options = options with { StateDirectory = Next() }; break;
            case "--time-scale": options = options with { TimeScale = NextNumber() }; break;
            case "--import-seconds": options = options with { ImportTime = TimeSpan.FromSeconds(NextNumber()) }; break;
            case "--import-seconds-per-file": options = options with { ImportTimePerFile = TimeSpan.FromSeconds(NextNumber()) }; break;
            case "--healthimaging-start-tps": options = options with { HealthImagingStartRate = options.HealthImagingStartRate with { RatePerSecond = NextPositiveNumber() } }; break;
            case "--healthimaging-start-burst": options = options with { HealthImagingStartRate = options.HealthImagingStartRate with { Burst = NextCount() } }; break;
            case "--healthimaging-max-jobs": options = options with { HealthImagingMaxJobs = NextCount() }; break;
            case "--account-concurrency": options = options with { AccountConcurrency = NextCount() }; break;
            case "--api-port": options = options with { ApiPort = NextPort() }; break;
            case "--s3-port": options = options with { S3Port = NextPort() }; break;
            case "--dynamodb-port": options = options with { DynamoDbPort = NextPort() }; break;
            case "--healthimaging-port": options = options with { HealthImagingPort = NextPort() }; break;
            case "--sfn-port": options = options with { StepFunctionsPort = NextPort() }; break;
            case "--fault-rate": faultRate = NextNumber() is var rate and <= 1 ? rate : throw new ArgumentException("--fault-rate needs a share between 0 and 1."); break;
            case "--fault-seed": faultSeed = int.TryParse(Next(), NumberStyles.None, CultureInfo.InvariantCulture, out var seed) ? seed : throw new ArgumentException("--fault-seed needs a whole number."); break;
            case "-h" or "--help": Console.WriteLine(Usage); return 0;
            default: throw new ArgumentException($"unknown option {args[i]}");
        }
    }
    catch (ArgumentException ex)
    {
        Console.Error.WriteLine($"sandbox: {ex.Message}");
        Console.Error.WriteLine(Usage);
        return 2;
    }
}

if (faultRate is { } injected)
{
    options = options with { Faults = SandboxFaults.Uniform(injected, TimeSpan.FromMilliseconds(50), faultSeed) };
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

// A sandbox started in the background (`./sandbox.sh &`, a script) never sees Ctrl-C: shells
// ignore SIGINT for background jobs. `kill` (SIGTERM) stops it just as cleanly.
using var terminate = StopOnTerminate(stop);

if (!File.Exists(Path.Combine(options.CdkOutDirectory, "manifest.json")))
{
    Console.Error.WriteLine($"sandbox: no cloud assembly in {options.CdkOutDirectory}; run `npx cdk synth` first (./sandbox.sh does).");
    return 2;
}

SandboxHost host;
try
{
    host = await SandboxHost.StartAsync(options, Console.Out, stop.Token);
}
catch (Exception ex) when (ex is not OperationCanceledException)
{
    Console.Error.WriteLine($"sandbox: could not start: {ex.Message}");
    return 1;
}

await using (host)
{
    var executionArnPrefix = host.StateMachineArn.Replace(":stateMachine:", ":execution:", StringComparison.Ordinal);
    Console.WriteLine($$$"""

        sandbox: ready. Endpoints and dummy credentials are in {{{Path.GetFullPath(host.EnvironmentFilePath)}}}
        sandbox: function logs: {{{Path.GetFullPath(host.LambdaLogPath)}}}; Phase 2 events: {{{Path.GetFullPath(host.EventLogPath)}}}

        Try it (in another shell):
          source {{{Path.GetFullPath(host.EnvironmentFilePath)}}}
          aws --endpoint-url "$S3_ENDPOINT" s3 cp brain_scan.dcm s3://$BUCKET/uploads/
          curl -X POST "$API_URL/upload" -H 'Content-Type: application/json' \
            -d '{"patient_id": "P123456", "study_description": "Brain CT - Suspected Stroke", "file_key": "uploads/brain_scan.dcm"}'
          aws --endpoint-url "$DYNAMODB_ENDPOINT" dynamodb get-item --table-name "$TABLE" --key '{"study_id": {"S": "STUDY-…"}}'
          aws --endpoint-url "$STEPFUNCTIONS_ENDPOINT" stepfunctions describe-execution \
            --execution-arn "{{{executionArnPrefix}}}:stroke-analysis-STUDY-…"
        """);

    if (demo)
    {
        var ok = await DemoRun.RunAsync(host, Console.Out, deadline, stop.Token);
        Console.WriteLine(ok ? "demo: READY_FOR_ANALYSIS — the pipeline works end to end." : "demo: FAILED — the study did not reach READY_FOR_ANALYSIS in time.");
        Console.WriteLine("sandbox: stopping …");
        return ok ? 0 : 1;
    }

    Console.WriteLine("sandbox: press Ctrl-C to stop.");
    try
    {
        await Task.Delay(Timeout.Infinite, stop.Token);
    }
    catch (OperationCanceledException)
    {
        Console.WriteLine("sandbox: stopping …");
    }
}

Console.WriteLine("sandbox: stopped; nothing is left listening.");
return 0;

// Like Ctrl-C: cancel the runtime's immediate exit and let the host stop what it started.
static PosixSignalRegistration StopOnTerminate(CancellationTokenSource stop) =>
    PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
    {
        context.Cancel = true;
        stop.Cancel();
    });

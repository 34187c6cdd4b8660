using System.Globalization;
using StrokeIngestion.Sandbox.Host;

namespace StrokeIngestion.Sandbox.Proof;

/// <summary>
/// <c>sandbox prove-faults …</c> and <c>sandbox load …</c>: run a proof, print its report,
/// exit 0 only when it passed (1 when it did not, 2 for bad arguments or a missing cloud assembly).
/// </summary>
internal static class ProofCommand
{
    public const string Usage = """
        usage: sandbox prove-faults [--uploads N] [--fault-rate R] [--max-latency-ms MS] [--failed-imports N]
                                    [--kill-monitor R] [--monitor-timeouts R]
                                    [--concurrency N] [--seed N] [--deadline SECONDS] [--time-scale F] [--cdk-out DIR]
               sandbox load [--uploads N] [--over SECONDS] [--urgent-share F] [--attempts N]
                            [--time-scale F] [--deadline SECONDS] [--seed N] [--cdk-out DIR]
          prove-faults  N distinct studies (default 200) under throttling, 5xx and slow responses on S3, DynamoDB,
                        HealthImaging, Step Functions and the import monitor (default rate 0.25 each)
          --kill-monitor       instead: only the monitor fails — R of its invocations: half Lambda.ServiceException
                               (retried), a quarter crash before running, a quarter crash after running (caught)
          --monitor-timeouts   instead: R of the monitor's invocations hang until its timeout (60 s, scaled to 3 s)
          load          3 urgent uploads one after another on the idle sandbox, then N uploads (default 500) arriving
                        evenly over --over seconds of stack time (default 60; 0: all at once), a share of them urgent
                        (--urgent-share, default 0.1), from clients that give up after --attempts (default 3) and honour
                        Retry-After; no faults. --time-scale (default 0.5 here) scales waits, quotas and timeouts;
                        --deadline (default: the arrival window + 300 s) counts from the first upload of the load.
                        Fails on any refused upload, a lost or doubled study, a study not terminal by the deadline,
                        or urgent time to import start p99 more than 5 s above the idle one's.
        """;

    public static bool Handles(string[] args) => args.Length > 0 && args[0] is "prove-faults" or "load";

    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var command = args[0];
        var faultRun = new FaultRunOptions();
        var loadRun = new LoadRunOptions();
        var sandbox = new SandboxOptions { StateDirectory = Path.Combine(".sandbox", command) };
        try
        {
            for (var i = 1; i < args.Length; i++)
            {
                var name = args[i];
                string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value.");
                int NextInt() => int.TryParse(Next(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : throw new ArgumentException($"{name} needs a whole number.");
                double NextNumber() => double.TryParse(Next(), NumberStyles.Float, CultureInfo.InvariantCulture, out var x) && x >= 0 && double.IsFinite(x) ? x : throw new ArgumentException($"{name} needs a non-negative number.");
                switch (name)
                {
                    case "--uploads":
                        var uploads = NextInt();
                        if (command == "load" && uploads < 1)
                        {
                            throw new ArgumentException("--uploads needs a whole number of at least 1.");
                        }

                        faultRun = faultRun with { Uploads = uploads };
                        loadRun = loadRun with { Uploads = uploads };
                        break;
                    case "--deadline":
                        var deadline = TimeSpan.FromSeconds(NextNumber());
                        faultRun = faultRun with { Deadline = deadline };
                        loadRun = loadRun with { Deadline = deadline };
                        break;
                    case "--seed":
                        var seed = NextInt();
                        faultRun = faultRun with { Seed = seed };
                        loadRun = loadRun with { Seed = seed };
                        break;
                    case "--time-scale":
                        var scale = NextNumber();
                        if (scale == 0)
                        {
                            throw new ArgumentException("--time-scale needs a number greater than 0.");
                        }

                        faultRun = faultRun with { TimeScale = scale };
                        loadRun = loadRun with { TimeScale = scale };
                        break;
                    case "--over" when command == "load": loadRun = loadRun with { Over = TimeSpan.FromSeconds(NextNumber()) }; break;
                    case "--urgent-share" when command == "load":
                        var share = NextNumber();
                        loadRun = share <= 1 ? loadRun with { UrgentShare = share } : throw new ArgumentException("--urgent-share needs a share between 0 and 1.");
                        break;
                    case "--attempts" when command == "load":
                        var attempts = NextInt();
                        loadRun = attempts >= 1 ? loadRun with { Attempts = attempts } : throw new ArgumentException("--attempts needs a whole number of at least 1.");
                        break;
                    case "--fault-rate": faultRun = faultRun with { FaultRate = NextNumber() }; break;
                    case "--max-latency-ms": faultRun = faultRun with { MaxLatency = TimeSpan.FromMilliseconds(NextNumber()) }; break;
                    case "--failed-imports": faultRun = faultRun with { FailedImports = NextInt() }; break;
                    case "--concurrency": faultRun = faultRun with { Concurrency = NextInt() }; break;
                    case "--kill-monitor": faultRun = faultRun with { Faults = FaultRunOptions.KillMonitor(NextNumber(), faultRun.Seed) }; break;
                    case "--monitor-timeouts": faultRun = faultRun with { Faults = FaultRunOptions.MonitorTimeouts(NextNumber(), faultRun.Seed), TimeoutScale = 0.05 }; break;
                    case "--cdk-out": sandbox = sandbox with { CdkOutDirectory = Next() }; break;
                    case "-h" or "--help": Console.WriteLine(Usage); return 0;
                    default: throw new ArgumentException($"unknown option {name}");
                }
            }

            if (faultRun.FaultRate > 1)
            {
                throw new ArgumentException("--fault-rate is a share of calls, between 0 and 1.");
            }
        }
        catch (ArgumentException ex)
        {
            await Console.Error.WriteLineAsync($"sandbox {command}: {ex.Message}");
            await Console.Error.WriteLineAsync(Usage);
            return 2;
        }

        if (!File.Exists(Path.Combine(sandbox.CdkOutDirectory, "manifest.json")))
        {
            await Console.Error.WriteLineAsync($"sandbox {command}: no cloud assembly in {sandbox.CdkOutDirectory}; run `npx cdk synth` first (the scripts do).");
            return 2;
        }

        if (command == "load")
        {
            var load = await LoadRun.RunAsync(loadRun, sandbox, Console.Out, cancellationToken);
            load.Print(Console.Out);
            return load.Passed ? 0 : 1;
        }

        var report = await FaultRun.RunAsync(faultRun, sandbox, Console.Out, cancellationToken);
        report.Print(Console.Out);
        return report.Passed ? 0 : 1;
    }
}

using BenchmarkDotNet.Running;
using StrokeIngestion.Benchmarks;

// `--quick` picks the short in-process job; every other argument goes to BenchmarkDotNet
// (e.g. `--filter *Upload*`). With no filter every benchmark runs instead of a prompt.
var quick = args.Contains("--quick", StringComparer.Ordinal);
var forwarded = args.Where(arg => arg != "--quick").ToList();
if (!forwarded.Contains("--filter", StringComparer.Ordinal))
{
    forwarded.AddRange(["--filter", "*"]);
}

var summaries = BenchmarkSwitcher
    .FromAssembly(typeof(GoalReport).Assembly)
    .Run([.. forwarded], BenchmarkConfig.Create(quick));
return GoalReport.Print(summaries, Console.Out) == 0 ? 0 : 1;

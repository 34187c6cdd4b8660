using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;

namespace StrokeIngestion.Benchmarks;

/// <summary>The two ways to run: a full run (a process per benchmark) or <c>--quick</c>.</summary>
internal static class BenchmarkConfig
{
    /// <summary>
    /// Quick: in this process (no generated project to build, no process per benchmark),
    /// 3 warm-up and 5 measured iterations of ~200 ms: about a minute on 2 cores, with
    /// medians stable to a few per cent. Full: BenchmarkDotNet's defaults.
    /// </summary>
    public static IConfig Create(bool quick)
    {
        var job = quick
            ? Job.Default
                .WithToolchain(InProcessEmitToolchain.Instance)
                .WithLaunchCount(1)
                .WithWarmupCount(3)
                .WithIterationCount(5)
                .WithIterationTime(TimeInterval.FromMilliseconds(200))
                .WithId("Quick")
            : Job.Default.WithId("Full");

        return ManualConfig.Create(DefaultConfig.Instance)
            .AddJob(job)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumn(StatisticColumn.Median)
            .WithOptions(ConfigOptions.JoinSummary);
    }
}

using System.Globalization;
using System.Reflection;
using BenchmarkDotNet.Reports;

namespace StrokeIngestion.Benchmarks;

/// <summary>The table the issue asks for: median time and bytes allocated per operation, judged against each benchmark's <see cref="GoalAttribute"/>.</summary>
internal static class GoalReport
{
    /// <summary>Prints the table; returns the number of benchmarks that missed a goal or produced no result.</summary>
    public static int Print(IEnumerable<Summary> summaries, TextWriter output)
    {
        var rows = summaries
            .SelectMany(summary => summary.Reports.Select(report => Row.From(summary, report)))
            .ToList();
        var nameWidth = Math.Max(9, rows.Count == 0 ? 0 : rows.Max(row => row.Name.Length));

        output.WriteLine();
        output.WriteLine("Results (median per operation; allocated bytes per operation)");
        output.WriteLine($"{"Benchmark".PadRight(nameWidth)} | {"Median",12} | {"Allocated",12} | {"Goal",18} | Verdict");
        output.WriteLine($"{new string('-', nameWidth)}-|-{new string('-', 12)}-|-{new string('-', 12)}-|-{new string('-', 18)}-|--------");
        foreach (var row in rows)
        {
            output.WriteLine($"{row.Name.PadRight(nameWidth)} | {row.MedianText,12} | {row.AllocatedText,12} | {row.GoalText,18} | {row.Verdict}");
        }

        var failed = rows.Count(row => row.Verdict is "FAIL" or "NO RESULT");
        output.WriteLine(failed == 0 ? "All goals met." : $"{failed} benchmark(s) missed a goal or produced no result.");
        return failed;
    }

    private sealed record Row(string Name, double? MedianNanoseconds, long? AllocatedBytes, GoalAttribute? Goal)
    {
        public string MedianText => MedianNanoseconds is { } ns ? FormatTime(ns) : "-";

        public string AllocatedText => AllocatedBytes is { } bytes ? FormatBytes(bytes) : "-";

        public string GoalText => Goal is null
            ? "(none)"
            : string.Create(CultureInfo.InvariantCulture, $"<= {Goal.MaxMilliseconds} ms, {Goal.MaxKilobytes} KB");

        public string Verdict => (MedianNanoseconds, AllocatedBytes, Goal) switch
        {
            (null, _, _) or (_, null, _) => "NO RESULT",
            (_, _, null) => "-",
            ({ } ns, { } bytes, { } goal) => ns <= goal.MaxMilliseconds * 1_000_000 && bytes <= goal.MaxKilobytes * 1024L ? "PASS" : "FAIL",
        };

        public static Row From(Summary summary, BenchmarkReport report)
        {
            var benchmark = report.BenchmarkCase;
            var parameters = benchmark.HasParameters ? $" {benchmark.Parameters.DisplayInfo}" : string.Empty;
            var name = $"{benchmark.Descriptor.Type.Name}: {benchmark.Descriptor.WorkloadMethodDisplayInfo}{parameters}";
            var goal = benchmark.Descriptor.WorkloadMethod.GetCustomAttribute<GoalAttribute>();
            long? allocated = report.Success ? report.GcStats.GetBytesAllocatedPerOperation(benchmark) : null;
            return new Row(name, report.ResultStatistics?.Median, allocated, goal);
        }

        private static string FormatTime(double ns) => ns switch
        {
            >= 1_000_000 => string.Create(CultureInfo.InvariantCulture, $"{ns / 1_000_000:0.000} ms"),
            >= 1_000 => string.Create(CultureInfo.InvariantCulture, $"{ns / 1_000:0.00} us"),
            _ => string.Create(CultureInfo.InvariantCulture, $"{ns:0.0} ns"),
        };

        private static string FormatBytes(long bytes) => bytes >= 1024
            ? string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.00} KB")
            : string.Create(CultureInfo.InvariantCulture, $"{bytes} B");
    }
}

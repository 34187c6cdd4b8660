using System.Diagnostics;

namespace StrokeIngestion.Testing;

/// <summary>
/// Locates external tools some tests need (dcmdump, node packages, the AWS CLI). When a
/// tool is missing the test is skipped with a message naming it — unless
/// STROKE_REQUIRE_TOOLS=1 (CI sets it), where a missing tool fails the test instead.
/// </summary>
internal static class ExternalTool
{
    public static bool Required => Environment.GetEnvironmentVariable("STROKE_REQUIRE_TOOLS") == "1";

    /// <summary>The repository root (the folder holding StrokeIngestion.sln).</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>Absolute path of an executable on PATH or at an absolute path; skips or fails when absent.</summary>
    public static string Require(string executable, string installHint)
    {
        var path = Find(executable);
        if (path is not null)
        {
            return path;
        }

        var message = $"'{executable}' is not installed ({installHint}).";
        if (Required)
        {
            throw new InvalidOperationException(message + " STROKE_REQUIRE_TOOLS=1 makes this a failure.");
        }

        Skip.If(true, message);
        throw new UnreachableException();
    }

    /// <summary>A binary from the repository's node_modules/.bin (installed by `npm ci`).</summary>
    public static string RequireNodeBin(string name) =>
        Require(Path.Combine(RepoRoot, "node_modules", ".bin", name), "run `npm ci` at the repository root");

    private static string? Find(string executable)
    {
        if (Path.IsPathRooted(executable))
        {
            return File.Exists(executable) ? executable : null;
        }

        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator))
        {
            var candidate = Path.Combine(dir, executable);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "StrokeIngestion.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("StrokeIngestion.sln not found above " + AppContext.BaseDirectory);
    }
}

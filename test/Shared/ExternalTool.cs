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

    /// <summary>
    /// The first AWS CLI on PATH that runs (any version: v2 at /usr/local/bin on GitHub's
    /// runners, Debian's at /usr/bin, a pip-installed v1); the same search as
    /// scripts/aws-cli.sh. Skips or fails when there is none.
    /// </summary>
    public static string RequireAwsCli()
    {
        var path = WorkingAwsCli.Value;
        if (path is not null)
        {
            return path;
        }

        return Require("aws", "no working AWS CLI on PATH: install AWS CLI v2, or `apt-get install awscli` on Debian");
    }

    /// <summary>The first <c>aws</c> in <paramref name="searchPath"/> whose <c>--version</c> succeeds, or null.</summary>
    public static string? FindWorkingAwsCli(string searchPath) =>
        searchPath.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "aws"))
            .FirstOrDefault(candidate => File.Exists(candidate) && Runs(candidate, "--version"));

    /// <summary>
    /// A Python 3 interpreter that can import every module in <paramref name="modules"/>
    /// (e.g. boto3); skips or fails naming the missing module otherwise.
    /// </summary>
    public static string RequirePython(params string[] modules)
    {
        var python = Require("python3", "install Python 3");
        foreach (var module in modules)
        {
            if (!Runs(python, "-c", $"import {module}"))
            {
                var message = $"Python module '{module}' is not importable by {python} (pip install {module}).";
                if (Required)
                {
                    throw new InvalidOperationException(message + " STROKE_REQUIRE_TOOLS=1 makes this a failure.");
                }

                Skip.If(true, message);
            }
        }

        return python;
    }

    private static readonly Lazy<string?> WorkingAwsCli =
        new(() => FindWorkingAwsCli(Environment.GetEnvironmentVariable("PATH") ?? string.Empty));

    private static bool Runs(string executable, params string[] arguments)
    {
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            using var process = Process.Start(start);
            if (process is null)
            {
                return false;
            }

            _ = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
            {
                process.Kill(entireProcessTree: true);
                return false;
            }

            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
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

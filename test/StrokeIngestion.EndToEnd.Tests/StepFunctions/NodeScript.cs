using System.Diagnostics;
using StrokeIngestion.Testing;

namespace StrokeIngestion.EndToEnd.Tests.StepFunctions;

/// <summary>Runs a script from the test output's js/ folder with the repository's node_modules.</summary>
internal static class NodeScript
{
    public static async Task<(int ExitCode, string StandardOutput, string StandardError)> RunAsync(
        string relativeScriptPath,
        IEnumerable<string> arguments,
        TimeSpan timeout)
    {
        var node = ExternalTool.Require("node", "install Node.js 20+");
        var script = Path.Combine(AppContext.BaseDirectory, "js", relativeScriptPath);
        var startInfo = new ProcessStartInfo(node)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(script) ?? AppContext.BaseDirectory,
        };
        startInfo.ArgumentList.Add(script);
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        // ESM resolves bare imports by walking up from the script, which reaches the repository's
        // node_modules; NODE_PATH covers CommonJS scripts run from elsewhere.
        startInfo.Environment["NODE_PATH"] = Path.Combine(ExternalTool.RepoRoot, "node_modules");
        startInfo.Environment["JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"] = "20";

        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException("node did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var guard = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(guard.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"node {relativeScriptPath} did not finish within {timeout}. stderr: {await stderr}");
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Skips (or fails under STROKE_REQUIRE_TOOLS=1) when an npm package is not installed.</summary>
    public static void RequirePackage(string packageName) =>
        ExternalTool.Require(
            Path.Combine(ExternalTool.RepoRoot, "node_modules", packageName, "package.json"),
            "run `npm ci` at the repository root");
}

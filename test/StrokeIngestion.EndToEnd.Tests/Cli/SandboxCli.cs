using System.Diagnostics;

namespace StrokeIngestion.EndToEnd.Tests.Cli;

/// <summary>Runs the built sandbox with arguments, as a user's shell would, for flag checks that stop before anything starts.</summary>
internal static class SandboxCli
{
    /// <returns>The exit code and what the sandbox wrote to standard error.</returns>
    public static async Task<(int ExitCode, string Error)> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "StrokeIngestion.Sandbox.dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = await process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        await stdout;
        return (process.ExitCode, stderr);
    }
}

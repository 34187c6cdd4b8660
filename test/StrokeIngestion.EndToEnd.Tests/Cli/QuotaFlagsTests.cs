using System.Diagnostics;

namespace StrokeIngestion.EndToEnd.Tests.Cli;

/// <summary>The sandbox's quota flags: a bad value stops it before anything starts, naming the flag.</summary>
public sealed class QuotaFlagsTests
{
    [Theory]
    [InlineData("--healthimaging-start-tps", "0", "a number greater than 0")]
    [InlineData("--healthimaging-start-tps", "fast", "a number greater than 0")]
    [InlineData("--healthimaging-start-burst", "1.5", "a whole number of at least 1")]
    [InlineData("--healthimaging-max-jobs", "0", "a whole number of at least 1")]
    [InlineData("--account-concurrency", "-3", "a whole number of at least 1")]
    [InlineData("--import-seconds", "-1", "a non-negative number")]
    [InlineData("--import-seconds-per-file", "NaN", "a non-negative number")]
    public async Task Sandbox_WhenAQuotaFlagHasABadValue_ShouldExit2NamingTheFlag(string flag, string value, string expected)
    {
        // Arrange
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "StrokeIngestion.Sandbox.dll"));
        start.ArgumentList.Add(flag);
        start.ArgumentList.Add(value);

        // Act
        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = await process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        await stdout;

        // Assert
        Assert.Equal(2, process.ExitCode);
        Assert.StartsWith($"sandbox: {flag} needs {expected}.", stderr, StringComparison.Ordinal);
    }
}

using System.Diagnostics;

namespace StrokeIngestion.EndToEnd.Tests.Cli;

/// <summary>The load verb's flags: a bad value exits 2 before anything starts, naming the flag.</summary>
public sealed class LoadFlagsTests
{
    [Theory]
    [InlineData("--uploads", "0", "a whole number of at least 1")]
    [InlineData("--over", "-5", "a non-negative number")]
    [InlineData("--urgent-share", "1.5", "a share between 0 and 1")]
    [InlineData("--attempts", "0", "a whole number of at least 1")]
    [InlineData("--attempts", "three", "a whole number")]
    [InlineData("--time-scale", "0", "a number greater than 0")]
    [InlineData("--deadline", "Infinity", "a non-negative number")]
    public async Task Load_WhenAFlagHasABadValue_ShouldExit2NamingTheFlag(string flag, string value, string expected)
    {
        // Arrange
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "StrokeIngestion.Sandbox.dll"));
        start.ArgumentList.Add("load");
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
        Assert.StartsWith($"sandbox load: {flag} needs {expected}.", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProveFaults_WhenGivenALoadOnlyFlag_ShouldExit2()
    {
        // Arrange
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "StrokeIngestion.Sandbox.dll"));
        start.ArgumentList.Add("prove-faults");
        start.ArgumentList.Add("--over");
        start.ArgumentList.Add("60");

        // Act
        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = await process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        await stdout;

        // Assert
        Assert.Equal(2, process.ExitCode);
        Assert.StartsWith("sandbox prove-faults: unknown option --over", stderr, StringComparison.Ordinal);
    }
}

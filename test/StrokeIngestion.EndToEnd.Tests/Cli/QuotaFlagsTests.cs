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
        // Act
        var (exitCode, stderr) = await SandboxCli.RunAsync(flag, value);

        // Assert
        Assert.Equal(2, exitCode);
        Assert.StartsWith($"sandbox: {flag} needs {expected}.", stderr, StringComparison.Ordinal);
    }
}

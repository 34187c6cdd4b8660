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
        // Act
        var (exitCode, stderr) = await SandboxCli.RunAsync("load", flag, value);

        // Assert
        Assert.Equal(2, exitCode);
        Assert.StartsWith($"sandbox load: {flag} needs {expected}.", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProveFaults_WhenGivenALoadOnlyFlag_ShouldExit2()
    {
        // Act
        var (exitCode, stderr) = await SandboxCli.RunAsync("prove-faults", "--over", "60");

        // Assert
        Assert.Equal(2, exitCode);
        Assert.StartsWith("sandbox prove-faults: unknown option --over", stderr, StringComparison.Ordinal);
    }
}

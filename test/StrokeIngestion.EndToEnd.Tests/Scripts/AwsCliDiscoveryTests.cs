using System.Diagnostics;
using StrokeIngestion.Testing;

namespace StrokeIngestion.EndToEnd.Tests.Scripts;

/// <summary>
/// GitHub's ubuntu-24.04 runner has AWS CLI v2 at /usr/local/bin/aws and no awscli apt package;
/// this machine has Debian's at /usr/bin/aws behind a pyenv shim. Prerequisites and tests must
/// find whichever works, and install Debian's only when none does.
/// </summary>
public sealed class AwsCliDiscoveryTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("stroke-aws-cli-");

    public void Dispose() => _root.Delete(recursive: true);

    [Fact]
    public void FindWorkingAwsCli_WhenOnlyABrokenShimAndAV2ElsewhereAreOnPath_ShouldChooseTheV2()
    {
        var shim = FakeAws("shims", works: false);
        var v2 = FakeAws("local-bin", works: true);

        var found = ExternalTool.FindWorkingAwsCli(string.Join(Path.PathSeparator, shim, v2));

        Assert.Equal(Path.Combine(v2, "aws"), found);
    }

    [Fact]
    public void FindWorkingAwsCli_WhenNoAwsOnPathWorks_ShouldReturnNull()
    {
        Assert.Null(ExternalTool.FindWorkingAwsCli(FakeAws("shims", works: false)));
    }

    [SkippableFact]
    public async Task FindAws_WhenOnlyABrokenShimAndAV2ElsewhereAreOnPath_ShouldPrintTheV2()
    {
        var bash = ExternalTool.Require("/bin/bash", "apt-get install bash");
        var shim = FakeAws("shims", works: false);
        var v2 = FakeAws("local-bin", works: true);

        var result = await RunAsync(bash, ["-c", ". scripts/aws-cli.sh && find_aws"], $"{shim}:{v2}");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(Path.Combine(v2, "aws"), result.Output.Trim());
    }

    [SkippableFact]
    public async Task Prerequisites_WhenAWorkingAwsIsOnPathButNotInUsrBin_ShouldInstallNoAwscli()
    {
        var bash = ExternalTool.Require("/bin/bash", "apt-get install bash");
        var tools = SystemToolsWithoutAws();
        var v2 = FakeAws("local-bin", works: true);

        var result = await RunAsync(bash, ["scripts/prerequisites.sh"], $"{v2}:{tools}");

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.False(File.Exists(Path.Combine(_root.FullName, "apt-get.log")), "apt-get ran: " + result.Output);
    }

    [SkippableFact]
    public async Task Prerequisites_WhenNoAwsOnPathWorks_ShouldInstallDebiansAwscli()
    {
        var bash = ExternalTool.Require("/bin/bash", "apt-get install bash");
        var tools = SystemToolsWithoutAws();
        var shim = FakeAws("shims", works: false);

        var result = await RunAsync(bash, ["scripts/prerequisites.sh"], $"{shim}:{tools}");

        Assert.True(result.ExitCode == 0, result.Output);
        var aptLog = await File.ReadAllTextAsync(Path.Combine(_root.FullName, "apt-get.log"));
        Assert.Contains("install", aptLog, StringComparison.Ordinal);
        Assert.Contains("awscli", aptLog, StringComparison.Ordinal);
    }

    /// <summary>A folder with an <c>aws</c> that prints a v2 version, or fails like a pyenv shim without awscli.</summary>
    private string FakeAws(string name, bool works)
    {
        var dir = _root.CreateSubdirectory(name);
        var script = works
            ? "#!/bin/sh\necho 'aws-cli/2.23.11 Python/3.12.6 Linux/6.8.0 exe/x86_64.ubuntu.24'\n"
            : "#!/bin/sh\necho 'pyenv: aws: command not found' >&2\nexit 127\n";
        WriteExecutable(Path.Combine(dir.FullName, "aws"), script);
        return dir.FullName;
    }

    /// <summary>
    /// Every executable of /usr/bin except aws (so neither /usr/bin nor /bin need be on PATH),
    /// with apt-get and sudo replaced by recorders: the test never installs anything.
    /// </summary>
    private string SystemToolsWithoutAws()
    {
        var dir = _root.CreateSubdirectory("system-tools");
        foreach (var file in Directory.EnumerateFiles("/usr/bin"))
        {
            var name = Path.GetFileName(file);
            if (name is not ("aws" or "apt-get" or "sudo"))
            {
                File.CreateSymbolicLink(Path.Combine(dir.FullName, name), file);
            }
        }

        var log = Path.Combine(_root.FullName, "apt-get.log");
        WriteExecutable(Path.Combine(dir.FullName, "apt-get"), $"#!/bin/sh\necho \"$@\" >> '{log}'\n");
        WriteExecutable(Path.Combine(dir.FullName, "sudo"), "#!/bin/sh\nexec \"$@\"\n");
        return dir.FullName;
    }

    private static void WriteExecutable(string path, string text)
    {
        File.WriteAllText(path, text);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string executable, string[] arguments, string path)
    {
        var start = new ProcessStartInfo(executable)
        {
            WorkingDirectory = ExternalTool.RepoRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["PATH"] = path;
        start.Environment.Remove("AWS_CLI");
        using var process = Process.Start(start) ?? throw new InvalidOperationException(executable + " did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await errors);
    }
}

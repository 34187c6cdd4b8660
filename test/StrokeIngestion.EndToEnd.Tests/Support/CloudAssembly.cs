using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using StrokeIngestion.Testing;

namespace StrokeIngestion.EndToEnd.Tests.Support;

/// <summary>
/// The repository's cloud assembly (cdk.out), synthesized when missing or older than the CDK app. A lock file in the
/// temporary folder, named after the repository, keeps two test processes (or classes) from
/// running <c>cdk synth</c> into the same folder at once.
/// </summary>
internal static class CloudAssembly
{
    private static readonly TimeSpan SynthTimeout = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan LockPollInterval = TimeSpan.FromMilliseconds(500);

    public static async Task<string> EnsureAsync(CancellationToken cancellationToken)
    {
        var cdkOut = Path.Combine(ExternalTool.RepoRoot, "cdk.out");
        if (Exists(cdkOut))
        {
            return cdkOut;
        }

        var cdk = ExternalTool.RequireNodeBin("cdk");
        await using var gate = await AcquireLockAsync(cancellationToken);
        if (Exists(cdkOut))
        {
            // Another process synthesized while this one waited for the lock.
            return cdkOut;
        }

        await SynthesizeAsync(cdk, cdkOut, cancellationToken);
        return cdkOut;
    }

    /// <summary>A manifest newer than every source of the CDK app: the sandbox runs the template it describes.</summary>
    private static bool Exists(string cdkOut)
    {
        var manifest = new FileInfo(Path.Combine(cdkOut, "manifest.json"));
        if (!manifest.Exists)
        {
            return false;
        }

        var separator = Path.DirectorySeparatorChar;
        var app = Path.Combine(ExternalTool.RepoRoot, "src", "StrokeIngestion.Infrastructure");
        var sources = Directory.EnumerateFiles(app, "*.cs*", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{separator}bin{separator}", StringComparison.Ordinal) && !f.Contains($"{separator}obj{separator}", StringComparison.Ordinal))
            .Append(Path.Combine(ExternalTool.RepoRoot, "cdk.json"));
        return sources.All(f => File.GetLastWriteTimeUtc(f) <= manifest.LastWriteTimeUtc);
    }

    private static async Task<FileStream> AcquireLockAsync(CancellationToken cancellationToken)
    {
        var name = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(ExternalTool.RepoRoot)))[..16];
        var path = Path.Combine(Path.GetTempPath(), $"strokeingestion-cdk-synth-{name}.lock");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(SynthTimeout);
        while (true)
        {
            try
            {
                // FileShare.None takes an exclusive lock on the file (flock on Unix).
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                await Task.Delay(LockPollInterval, timeout.Token);
            }
        }
    }

    private static async Task SynthesizeAsync(string cdk, string cdkOut, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(cdk)
        {
            WorkingDirectory = ExternalTool.RepoRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("synth");
        start.ArgumentList.Add("--quiet");
        start.Environment["JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"] = "20";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";

        using var process = Process.Start(start) ?? throw new InvalidOperationException("cdk did not start.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(SynthTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            throw new TimeoutException($"cdk synth did not finish within {SynthTimeout}.");
        }

        var log = await output + await errors;
        if (process.ExitCode != 0 || !Exists(cdkOut))
        {
            throw new InvalidOperationException($"cdk synth exited {process.ExitCode} without a cloud assembly.\n{(log.Length <= 4000 ? log : log[^4000..])}");
        }
    }
}

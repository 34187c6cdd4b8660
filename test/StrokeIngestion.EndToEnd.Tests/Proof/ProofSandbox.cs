using System.Diagnostics;
using StrokeIngestion.Sandbox.Host;
using StrokeIngestion.Testing;

namespace StrokeIngestion.EndToEnd.Tests.Proof;

/// <summary>The proof runs one at a time, after the other tests: each loads the 2-core machine on its own.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProofRuns
{
    public const string Name = "Proof runs";
}

/// <summary>
/// What a proof run needs: the node emulators (skips without them unless STROKE_REQUIRE_TOOLS=1),
/// a cloud assembly no older than the CDK app (synthesized once per test run when it is),
/// and a state directory of its own.
/// </summary>
internal static class ProofSandbox
{
    private static readonly TimeSpan SynthTimeout = TimeSpan.FromMinutes(5);
    private static readonly SemaphoreSlim SynthGate = new(1, 1);

    private static string CdkOut => Path.Combine(ExternalTool.RepoRoot, "cdk.out");

    public static async Task<SandboxOptions> PrepareAsync()
    {
        ExternalTool.RequireNodeBin("s3rver");
        ExternalTool.RequireNodeBin("dynalite");
        var cdk = ExternalTool.RequireNodeBin("cdk");
        await EnsureCloudAssemblyAsync(cdk);
        return new SandboxOptions
        {
            CdkOutDirectory = CdkOut,
            StateDirectory = Directory.CreateTempSubdirectory("proof-sandbox-").FullName,
        };
    }

    public static void Cleanup(SandboxOptions options)
    {
        try
        {
            Directory.Delete(options.StateDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A log file still held open by a straggler: the temp folder is cleaned up later anyway.
        }
    }

    private static async Task EnsureCloudAssemblyAsync(string cdk)
    {
        await SynthGate.WaitAsync();
        try
        {
            if (IsCurrent())
            {
                return;
            }

            var start = new ProcessStartInfo(cdk, ["synth", "--quiet"])
            {
                WorkingDirectory = ExternalTool.RepoRoot,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            start.Environment["JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"] = "20";
            start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
            using var process = Process.Start(start) ?? throw new InvalidOperationException("cdk synth did not start.");
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(SynthTimeout);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"cdk synth took longer than {SynthTimeout.TotalMinutes} minutes.");
            }

            var errors = await stderr;
            await stdout;
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"cdk synth failed ({process.ExitCode}): {errors[Math.Max(0, errors.Length - 2000)..]}");
            }
        }
        finally
        {
            SynthGate.Release();
        }
    }

    /// <summary>A manifest newer than every source of the CDK app (the sandbox runs the template it describes).</summary>
    private static bool IsCurrent()
    {
        var manifest = new FileInfo(Path.Combine(CdkOut, "manifest.json"));
        if (!manifest.Exists)
        {
            return false;
        }

        var app = Path.Combine(ExternalTool.RepoRoot, "src", "StrokeIngestion.Infrastructure");
        var sources = Directory.EnumerateFiles(app, "*.cs*", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Append(Path.Combine(ExternalTool.RepoRoot, "cdk.json"));
        return sources.All(f => File.GetLastWriteTimeUtc(f) <= manifest.LastWriteTimeUtc);
    }
}

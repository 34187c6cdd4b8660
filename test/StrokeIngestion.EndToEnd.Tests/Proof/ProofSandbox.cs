using StrokeIngestion.EndToEnd.Tests.Support;
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
    public static async Task<SandboxOptions> PrepareAsync()
    {
        ExternalTool.RequireNodeBin("s3rver");
        ExternalTool.RequireNodeBin("dynalite");
        var cdkOut = await CloudAssembly.EnsureAsync(CancellationToken.None);
        return new SandboxOptions
        {
            CdkOutDirectory = cdkOut,
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
}

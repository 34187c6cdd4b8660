using System.Text.Json.Nodes;
using StrokeIngestion.Infrastructure.Tests.Support;
using StrokeIngestion.Testing;

namespace StrokeIngestion.Infrastructure.Tests;

/// <summary>
/// What a developer or CI job does on a fresh checkout: <c>npx cdk synth</c> runs cdk.json's
/// "build" (publishing both functions) and then the app. Takes one to three minutes.
/// </summary>
public sealed class CdkCliSynthTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(10);

    // What the managed runtime needs to load a framework-dependent handler assembly.
    private static readonly string[] BundleFileSuffixes = [".dll", ".runtimeconfig.json", ".deps.json"];

    [SkippableFact]
    public async Task CdkSynth_WhenRunOnACleanCheckout_ShouldPublishEveryFunctionAndWriteTheTemplate()
    {
        var cdk = ExternalTool.RequireNodeBin("cdk");
        var git = ExternalTool.Require("git", "apt-get install git");
        var tree = Directory.CreateTempSubdirectory("stroke-cdk-cli-");
        var nodeModules = Path.Combine(tree.FullName, "node_modules");
        try
        {
            await CopyTrackedFilesAsync(git, tree.FullName);
            Directory.CreateSymbolicLink(nodeModules, Path.Combine(ExternalTool.RepoRoot, "node_modules"));

            var result = await ProcessRunner.RunAsync(
                cdk,
                ["synth", "--quiet", "--no-notices"],
                tree.FullName,
                Timeout,
                new Dictionary<string, string>
                {
                    ["JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"] = "20",
                    ["CDK_DISABLE_CLI_TELEMETRY"] = "true",
                });

            Assert.True(result.ExitCode == 0, $"cdk synth failed:{Environment.NewLine}{result.Output}");
            var cdkOut = Path.Combine(tree.FullName, "cdk.out");
            var templateFile = Path.Combine(cdkOut, "stroke-detection-phase1.template.json");
            Assert.True(File.Exists(templateFile), "No template in cdk.out: " + string.Join(", ", Directory.GetFiles(cdkOut)));
            var template = JsonNode.Parse(await File.ReadAllTextAsync(templateFile))?.AsObject() ?? [];

            var bundles = (template["Resources"]?.AsObject() ?? [])
                .Where(r => r.Value?["Type"]?.GetValue<string>() == "AWS::Lambda::Function")
                .Select(r => (
                    Assembly: r.Value?["Properties"]?["Handler"]?.GetValue<string>().Split("::")[0] ?? string.Empty,
                    Directory: Path.Combine(cdkOut, r.Value?["Metadata"]?["aws:asset:path"]?.GetValue<string>() ?? string.Empty)))
                .ToList();

            Assert.Equal(
                ["StrokeIngestion.ImportDispatcher", "StrokeIngestion.ImportMonitor", "StrokeIngestion.UploadHandler"],
                bundles.Select(b => b.Assembly).Order(StringComparer.Ordinal));
            Assert.All(bundles, bundle =>
            {
                foreach (var file in BundleFileSuffixes)
                {
                    var path = Path.Combine(bundle.Directory, bundle.Assembly + file);
                    Assert.True(File.Exists(path), $"{path} is missing from the bundle");
                }
            });
        }
        finally
        {
            // Remove the link first so that deleting the tree can never reach the shared node_modules.
            if (Directory.Exists(nodeModules))
            {
                Directory.Delete(nodeModules);
            }

            tree.Delete(recursive: true);
        }
    }

    private static async Task CopyTrackedFilesAsync(string git, string destination)
    {
        var root = ExternalTool.RepoRoot;
        var listing = await ProcessRunner.RunAsync(git, ["-C", root, "ls-files", "--cached"], root, TimeSpan.FromMinutes(1));
        Assert.True(listing.ExitCode == 0, listing.Output);

        foreach (var relative in listing.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var source = Path.Combine(root, relative);
            // Staged deletions and the node_modules link are not files to copy.
            if (!File.Exists(source))
            {
                continue;
            }

            var target = Path.Combine(destination, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target) ?? destination);
            File.Copy(source, target);
        }
    }
}

using System.Text.RegularExpressions;
using Amazon.CDK;
using StrokeIngestion.Infrastructure.Tests.Support;
using StrokeIngestion.Testing;

namespace StrokeIngestion.Infrastructure.Tests;

/// <summary>
/// cfn-lint (AWS's own template linter, with per-region resource schemas) over the template
/// synthesized for every HealthImaging region and the environment-agnostic one: 0 errors.
/// </summary>
[Collection(SynthesizedStacks.Name)]
public sealed partial class CfnLintTests(DefaultStackFixture stack)
{
    /// <summary>The version this project's templates were checked with; another major version fails the test.</summary>
    public const string PinnedVersion = "1.51";

    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    [SkippableFact]
    public async Task Template_ForEveryHealthImagingRegion_ShouldHaveNoCfnLintErrors()
    {
        var cfnLint = await RequirePinnedCfnLintAsync();
        var folder = Directory.CreateTempSubdirectory("stroke-cfn-lint-");
        try
        {
            var templates = HealthImagingRegions.All.Select(region => SynthesizeFor(region, folder.FullName)).ToList();
            var agnostic = Path.Combine(folder.FullName, "agnostic.template.json");
            await File.WriteAllTextAsync(agnostic, stack.Json.ToJsonString());
            templates.Add(agnostic);

            var result = await ProcessRunner.RunAsync(
                cfnLint,
                ["--format", "parseable", "--regions", .. HealthImagingRegions.All, "--", .. templates],
                folder.FullName,
                Timeout);

            // Exit status is a bit mask: 2 errors, 4 warnings, 8 informational; 1 a crash.
            var errors = result.Output.Split('\n').Where(line => ErrorLine().IsMatch(line)).ToList();
            Assert.True(errors.Count == 0 && (result.ExitCode & 3) == 0, $"cfn-lint exited {result.ExitCode}:{System.Environment.NewLine}{result.Output}");
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [SkippableFact]
    public async Task Template_InARegionWithoutHealthImaging_ShouldBeWhatCfnLintRejects()
    {
        // Proves the check above can fail: the same template is an error where the type does not exist.
        var cfnLint = await RequirePinnedCfnLintAsync();
        var folder = Directory.CreateTempSubdirectory("stroke-cfn-lint-");
        try
        {
            var template = Path.Combine(folder.FullName, "agnostic.template.json");
            await File.WriteAllTextAsync(template, stack.Json.ToJsonString());

            var result = await ProcessRunner.RunAsync(cfnLint, ["--format", "parseable", "--regions", "eu-central-1", "--", template], folder.FullName, Timeout);

            Assert.Contains("E3006", result.Output, StringComparison.Ordinal);
            Assert.Contains("AWS::HealthImaging::Datastore", result.Output, StringComparison.Ordinal);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [SkippableFact]
    public async Task HealthImagingRegions_ShouldEqualTheRegionsWhereCfnLintKnowsTheDatastore()
    {
        await RequirePinnedCfnLintAsync();
        var python = ExternalTool.RequirePython("botocore", "cfnlint");
        var script = Path.Combine(ExternalTool.RepoRoot, "test", "reference", "healthimaging_regions.py");

        var result = await ProcessRunner.RunAsync(python, [script], ExternalTool.RepoRoot, Timeout);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Equal(
            HealthImagingRegions.All.Order(StringComparer.Ordinal),
            result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Order(StringComparer.Ordinal));
    }

    private static async Task<string> RequirePinnedCfnLintAsync()
    {
        var cfnLint = ExternalTool.Require("cfn-lint", $"pip install 'cfn-lint=={PinnedVersion}.*'");
        var result = await ProcessRunner.RunAsync(cfnLint, ["--version"], Path.GetTempPath(), Timeout);
        var version = VersionText().Match(result.Output);
        Assert.True(version.Success, "cfn-lint --version printed: " + result.Output);
        Assert.True(
            version.Groups["major"].Value == PinnedVersion.Split('.')[0],
            $"cfn-lint {version.Value} is installed; these tests are pinned to {PinnedVersion}.x (another major version changes the rules).");
        return cfnLint;
    }

    /// <summary>The stack for one region, as `cdk synth` writes it when the CLI resolves that region.</summary>
    private static string SynthesizeFor(string region, string folder)
    {
        var outdir = Path.Combine(folder, region);
        var bundle = Directory.CreateDirectory(Path.Combine(folder, "bundle")).FullName;
        var context = CdkJson.Context();
        context[StackConfig.UploadHandlerAssetKey] = context[StackConfig.ImportMonitorAssetKey] = context[StackConfig.ImportDispatcherAssetKey] = bundle;
        var app = new App(new AppProps { Context = context, Outdir = outdir });
        var config = StackConfig.FromContext(key => app.Node.TryGetContext(key), folder);
        var regional = new IngestionStack(app, config.StackName, config, new StackProps
        {
            Env = new Amazon.CDK.Environment { Account = "123456789012", Region = region },
        });
        var assembly = app.Synth();
        var template = Path.Combine(folder, region + ".template.json");
        File.Copy(Path.Combine(assembly.Directory, regional.TemplateFile), template);
        return template;
    }

    [GeneratedRegex(@":E\d{4}:")]
    private static partial Regex ErrorLine();

    [GeneratedRegex(@"(?<major>\d+)\.\d+\.\d+")]
    private static partial Regex VersionText();
}

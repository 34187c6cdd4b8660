using System.Text.Json;
using StrokeIngestion.Infrastructure.Tests.Support;
using StrokeIngestion.Testing;

namespace StrokeIngestion.Infrastructure.Tests;

public sealed class ProgramTests
{
    [SkippableFact]
    public async Task Main_WhenProjectNameIsInvalid_ShouldExitWithAMessageNamingTheContextKey()
    {
        var (result, templates) = await RunAppAsync(_ => new Dictionary<string, string> { ["projectName"] = "Stroke_AI" });

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Context 'projectName'", result.Output, StringComparison.Ordinal);
        Assert.Contains("Stroke_AI", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Output, StringComparison.Ordinal);
        Assert.Equal(0, templates);
    }

    [SkippableTheory]
    [InlineData("private")]
    [InlineData("vpc-12345")]
    public async Task Main_WhenVpcIsAnUnknownModeOrMalformedId_ShouldRefuseToSynthesizeWithOneLine(string vpc)
    {
        // Bundles that exist, so that the vpc line is the only problem.
        var (result, templates) = await RunAppAsync(output => new Dictionary<string, string>
        {
            ["vpc"] = vpc,
            ["uploadHandlerAsset"] = output,
            ["importMonitorAsset"] = output,
            ["importDispatcherAsset"] = output,
        });

        Assert.Equal(1, result.ExitCode);
        var problems = result.Output.Split('\n').Where(l => l.TrimStart().StartsWith("- ", StringComparison.Ordinal)).ToList();
        Assert.Equal($"Context 'vpc' must be 'none', 'create' or an existing VPC id (vpc- and 8 or 17 hex digits); got '{vpc}'.", Assert.Single(problems).Trim()[2..]);
        Assert.DoesNotContain("   at ", result.Output, StringComparison.Ordinal);
        Assert.Equal(0, templates);
    }

    /// <summary>Runs the CDK app the way the CLI does; answers its result and how many templates it wrote.</summary>
    private static async Task<(ProcessResult Result, int Templates)> RunAppAsync(Func<string, Dictionary<string, string>> context)
    {
        var dotnet = ExternalTool.Require("dotnet", "install the .NET SDK");
        var app = Path.Combine(AppContext.BaseDirectory, "StrokeIngestion.Infrastructure.dll");
        var output = Directory.CreateTempSubdirectory("stroke-cdk-app-");
        try
        {
            // How the CDK CLI hands context and the output folder to the app.
            var environment = new Dictionary<string, string>
            {
                ["CDK_CONTEXT_JSON"] = JsonSerializer.Serialize(context(output.FullName)),
                ["CDK_OUTDIR"] = output.FullName,
                ["JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"] = "20",
            };

            var result = await ProcessRunner.RunAsync(dotnet, [app], output.FullName, TimeSpan.FromMinutes(2), environment);
            return (result, output.GetFiles("*.template.json").Length);
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }

    [SkippableTheory]
    [InlineData("eu-central-1")]
    [InlineData("cn-north-1")]
    public async Task Main_WhenTheRegionHasNoHealthImaging_ShouldRefuseWithOneLineListingTheRegions(string region)
    {
        var result = await RunAppAsync(region);

        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.Contains($"not offered in {region}", line, StringComparison.Ordinal);
        Assert.Contains("us-east-1, us-west-2, eu-west-1, eu-west-2, ap-southeast-2", line, StringComparison.Ordinal);
        Assert.Empty(result.Templates);
    }

    [SkippableFact]
    public async Task Main_WhenTheRegionOffersHealthImaging_ShouldWriteTheTemplateForThatRegion()
    {
        var result = await RunAppAsync("eu-west-2");

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Single(result.Templates);
    }

    private static async Task<(int ExitCode, string Output, string[] Templates)> RunAppAsync(string region)
    {
        var dotnet = ExternalTool.Require("dotnet", "install the .NET SDK");
        var app = Path.Combine(AppContext.BaseDirectory, "StrokeIngestion.Infrastructure.dll");
        var output = Directory.CreateTempSubdirectory("stroke-cdk-app-");
        try
        {
            // cdk.json's context (feature flags included), as the CLI would pass it.
            var context = CdkJson.Context();
            context["uploadHandlerAsset"] = context["importMonitorAsset"] = context["importDispatcherAsset"] = output.CreateSubdirectory("bundles").FullName;
            var environment = new Dictionary<string, string>
            {
                ["CDK_CONTEXT_JSON"] = JsonSerializer.Serialize(context),
                ["CDK_OUTDIR"] = output.FullName,
                ["CDK_DEFAULT_REGION"] = region,
                ["CDK_DEFAULT_ACCOUNT"] = "123456789012",
                ["JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"] = "20",
            };

            var result = await ProcessRunner.RunAsync(dotnet, [app], output.FullName, TimeSpan.FromMinutes(2), environment);
            var templates = output.GetFiles("*.template.json").Select(f => f.Name).ToArray();
            return (result.ExitCode, result.Output, templates);
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }
}

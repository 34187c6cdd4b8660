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
}

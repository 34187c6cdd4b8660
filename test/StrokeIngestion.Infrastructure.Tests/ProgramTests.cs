using System.Text.Json;
using StrokeIngestion.Infrastructure.Tests.Support;
using StrokeIngestion.Testing;

namespace StrokeIngestion.Infrastructure.Tests;

public sealed class ProgramTests
{
    [SkippableFact]
    public async Task Main_WhenProjectNameIsInvalid_ShouldExitWithAMessageNamingTheContextKey()
    {
        var dotnet = ExternalTool.Require("dotnet", "install the .NET SDK");
        var app = Path.Combine(AppContext.BaseDirectory, "StrokeIngestion.Infrastructure.dll");
        var output = Directory.CreateTempSubdirectory("stroke-cdk-app-");
        try
        {
            // How the CDK CLI hands context and the output folder to the app.
            var environment = new Dictionary<string, string>
            {
                ["CDK_CONTEXT_JSON"] = JsonSerializer.Serialize(new Dictionary<string, string> { ["projectName"] = "Stroke_AI" }),
                ["CDK_OUTDIR"] = output.FullName,
                ["JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"] = "20",
            };

            var result = await ProcessRunner.RunAsync(dotnet, [app], output.FullName, TimeSpan.FromMinutes(2), environment);

            Assert.Equal(1, result.ExitCode);
            Assert.Contains("Context 'projectName'", result.Output, StringComparison.Ordinal);
            Assert.Contains("Stroke_AI", result.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", result.Output, StringComparison.Ordinal);
            Assert.Empty(output.GetFiles("*.template.json"));
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }

    [SkippableTheory]
    [InlineData("private")]
    [InlineData("vpc-12345")]
    public async Task Main_WhenVpcIsAnUnknownModeOrMalformedId_ShouldRefuseToSynthesizeWithOneLine(string vpc)
    {
        var dotnet = ExternalTool.Require("dotnet", "install the .NET SDK");
        var app = Path.Combine(AppContext.BaseDirectory, "StrokeIngestion.Infrastructure.dll");
        var output = Directory.CreateTempSubdirectory("stroke-cdk-app-");
        try
        {
            var environment = new Dictionary<string, string>
            {
                ["CDK_CONTEXT_JSON"] = JsonSerializer.Serialize(new Dictionary<string, string>
                {
                    ["vpc"] = vpc,
                    // Bundles that exist, so that the vpc line is the only problem.
                    ["uploadHandlerAsset"] = output.FullName,
                    ["importMonitorAsset"] = output.FullName,
                }),
                ["CDK_OUTDIR"] = output.FullName,
                ["JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"] = "20",
            };

            var result = await ProcessRunner.RunAsync(dotnet, [app], output.FullName, TimeSpan.FromMinutes(2), environment);

            Assert.Equal(1, result.ExitCode);
            var problems = result.Output.Split('\n').Where(l => l.TrimStart().StartsWith("- ", StringComparison.Ordinal)).ToList();
            Assert.Equal($"Context 'vpc' must be 'none', 'create' or an existing VPC id (vpc- and 8 or 17 hex digits); got '{vpc}'.", Assert.Single(problems).Trim()[2..]);
            Assert.DoesNotContain("   at ", result.Output, StringComparison.Ordinal);
            Assert.Empty(output.GetFiles("*.template.json"));
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }
}

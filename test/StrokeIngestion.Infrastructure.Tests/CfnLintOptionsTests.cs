using System.Text.Json.Nodes;
using StrokeIngestion.Infrastructure.Tests.Support;
using StrokeIngestion.Testing;

namespace StrokeIngestion.Infrastructure.Tests;

/// <summary>
/// cfn-lint (AWS's CloudFormation linter: resource schemas, property values, references) over the
/// synthesized template of each deployment option.
/// </summary>
[Collection(SynthesizedStacks.Name)]
public sealed class CfnLintOptionsTests(
    DefaultStackFixture stack,
    IsolatedStackFixture isolated,
    ExistingVpcStackFixture existingVpc)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    // W3005: CDK writes DependsOn on a function's (or state machine's) role beside the GetAtt of
    // its ARN, so that the role's policy exists before the resource; cfn-lint calls the role half
    // redundant. Anything else cfn-lint reports is new and must be looked at.
    private static readonly HashSet<string> AcceptedWarnings = ["W3005"];

    [SkippableTheory]
    [InlineData("default")]
    [InlineData("vpc=create auditTrail=true")]
    [InlineData("vpc=<existing id>")]
    public async Task Template_WhenLintedByCfnLint_ShouldHaveNoErrorsAndOnlyTheKnownWarning(string configuration)
    {
        var fixture = configuration switch
        {
            "default" => (StackFixture)stack,
            "vpc=create auditTrail=true" => isolated,
            _ => existingVpc,
        };

        var findings = await LintAsync(fixture.Json);

        var errors = findings.Where(f => f.Level == "Error").ToList();
        Assert.True(errors.Count == 0, "cfn-lint errors:" + Environment.NewLine + string.Join(Environment.NewLine, errors));
        Assert.All(findings, f => Assert.True(AcceptedWarnings.Contains(f.Rule), "New cfn-lint finding: " + f));
    }

    private static async Task<List<Finding>> LintAsync(JsonObject template)
    {
        var cfnLint = ExternalTool.Require("cfn-lint", "the machine image ships cfn-lint 1.51 with Python 3.11; elsewhere `pipx install cfn-lint`");
        var directory = Directory.CreateTempSubdirectory("stroke-cfn-lint-");
        try
        {
            var file = Path.Combine(directory.FullName, "stroke-detection-phase1.template.json");
            await File.WriteAllTextAsync(file, template.ToJsonString());

            // HealthImaging's regions: the stack deploys only there.
            var result = await ProcessRunner.RunAsync(
                cfnLint,
                ["--format", "json", "--regions", "us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2", "--", file],
                directory.FullName,
                Timeout);

            // Exit code: a bit mask of error (2), warning (4) and informational (8) findings; 1 = could not run.
            Assert.True(result.ExitCode is >= 0 and < 16 && (result.ExitCode & 1) == 0, "cfn-lint could not run:" + Environment.NewLine + result.Output);
            var json = result.Output[result.Output.IndexOf('[', StringComparison.Ordinal)..];
            return (JsonNode.Parse(json)?.AsArray() ?? [])
                .Select(f => new Finding(
                    f?["Rule"]?["Id"]?.GetValue<string>() ?? string.Empty,
                    f?["Level"]?.GetValue<string>() ?? string.Empty,
                    f?["Message"]?.GetValue<string>() ?? string.Empty))
                .ToList();
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private sealed record Finding(string Rule, string Level, string Message);
}

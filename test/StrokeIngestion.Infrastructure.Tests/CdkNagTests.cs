using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using StrokeIngestion.Infrastructure.Constructs;
using StrokeIngestion.Infrastructure.Tests.Support;
using StrokeIngestion.Testing;

namespace StrokeIngestion.Infrastructure.Tests;

/// <summary>
/// cdk-nag's AwsSolutions and HIPAA.Security packs over the synthesized template, through the
/// script CI runs (scripts/cdk-nag/check.mjs), and the suppressions the constructs write.
/// </summary>
[Collection(SynthesizedStacks.Name)]
public sealed partial class CdkNagTests(
    DefaultStackFixture stack,
    CustomizedStackFixture customized,
    IsolatedStackFixture isolated,
    ExistingVpcStackFixture existingVpc)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    // Rules that report one finding per wildcard or managed policy: a blanket suppression of
    // these would also hide the next wildcard someone adds.
    private static readonly HashSet<string> GranularRules = ["AwsSolutions-IAM4", "AwsSolutions-IAM5"];

    [SkippableTheory]
    [InlineData("default")]
    [InlineData("customized")]
    [InlineData("vpc=create auditTrail=true")]
    [InlineData("vpc=<existing id>")]
    public async Task Template_WhenCheckedByCdkNag_ShouldHaveNoErrorsWarningsOrUnusedSuppressions(string configuration)
    {
        var fixture = Fixture(configuration);

        var result = await CheckAsync(fixture.Json);

        Assert.True(result.ExitCode == 0, $"cdk-nag reported errors:{Environment.NewLine}{result.Output}");
        Assert.Contains("cdk-nag: 0 errors, 0 warnings, ", result.Output, StringComparison.Ordinal);
        Assert.Empty(result.Findings("errors"));
        Assert.Empty(result.Findings("warnings"));
        Assert.Empty(result.Findings("unusedSuppressions"));
        Assert.NotEmpty(result.Findings("suppressed"));
    }

    [SkippableFact]
    public async Task Template_WithoutItsSuppressions_ShouldFailWithExactlyTheFindingsTheyCovered()
    {
        var bare = stack.Json.DeepClone().AsObject();
        foreach (var (_, resource) in bare["Resources"]?.AsObject() ?? [])
        {
            resource?["Metadata"]?.AsObject().Remove(NagSuppressions.MetadataKey);
        }

        var suppressed = await CheckAsync(stack.Json);
        var result = await CheckAsync(bare);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(
            Keys(suppressed.Findings("suppressed")),
            Keys(result.Findings("errors").Concat(result.Findings("warnings"))));
    }

    [Theory]
    [InlineData("default")]
    [InlineData("customized")]
    [InlineData("vpc=create auditTrail=true")]
    [InlineData("vpc=<existing id>")]
    public void Suppressions_ShouldEachNameARuleAndGiveAReasonAReviewerCanWeigh(string configuration)
    {
        var fixture = Fixture(configuration);

        var rules = fixture.Resources
            .SelectMany(r => (r.Value?["Metadata"]?[NagSuppressions.MetadataKey]?[NagSuppressions.RulesKey]?.AsArray() ?? [])
                .Select(rule => (Resource: r.Key, Rule: rule?.AsObject() ?? [])))
            .ToList();

        Assert.NotEmpty(rules);
        Assert.All(rules, s =>
        {
            var id = s.Rule["id"]?.GetValue<string>() ?? string.Empty;
            var reason = s.Rule["reason"]?.GetValue<string>() ?? string.Empty;
            Assert.Matches(RuleId(), id);
            Assert.True(reason.Length >= 40, $"{s.Resource} {id}: reason too short to weigh: '{reason}'");
            Assert.Null(s.Rule["is_reason_encoded"]);
            if (GranularRules.Contains(id))
            {
                var appliesTo = PolicyStatements.Strings(s.Rule["applies_to"]).ToList();
                Assert.True(appliesTo.Count > 0, $"{s.Resource} {id} must name the findings it accepts (applies_to).");
                Assert.All(appliesTo, finding => Assert.Matches("^(Resource|Action|Policy)::.+", finding));
            }
        });
    }

    [SkippableFact]
    public async Task Template_WithAVpc_ShouldPassLambdaInsideVpcWithoutItsSuppression()
    {
        var result = await CheckAsync(isolated.Json);

        Assert.DoesNotContain(result.Findings("suppressed"), f => f?["rule"]?.ToString() == "HIPAA.Security-LambdaInsideVPC");
        Assert.Contains(result.Findings("suppressed"), f => f?["rule"]?.ToString() == "HIPAA.Security-VPCDefaultSecurityGroupClosed");
    }

    private StackFixture Fixture(string configuration) => configuration switch
    {
        "default" => stack,
        "customized" => customized,
        "vpc=create auditTrail=true" => isolated,
        "vpc=<existing id>" => existingVpc,
        _ => throw new ArgumentOutOfRangeException(nameof(configuration), configuration, "no such fixture"),
    };

    [GeneratedRegex(@"^(AwsSolutions|HIPAA\.Security)-[A-Za-z0-9]+$")]
    private static partial Regex RuleId();

    private static List<string> Keys(IEnumerable<JsonNode?> findings) =>
        findings
            .Select(f => $"{f?["rule"]} {f?["resource"]} {f?["finding"]}")
            .Order(StringComparer.Ordinal)
            .ToList();

    private static async Task<CheckResult> CheckAsync(JsonObject template)
    {
        var node = ExternalTool.Require("node", "install Node.js 20");
        ExternalTool.Require(
            Path.Combine(ExternalTool.RepoRoot, "node_modules", "cdk-nag", "package.json"),
            "run `npm ci` at the repository root");
        var script = Path.Combine(ExternalTool.RepoRoot, "scripts", "cdk-nag", "check.mjs");
        var directory = Directory.CreateTempSubdirectory("stroke-cdk-nag-");
        try
        {
            var templateFile = Path.Combine(directory.FullName, "stroke-detection-phase1.template.json");
            var findingsFile = Path.Combine(directory.FullName, "findings.json");
            await File.WriteAllTextAsync(templateFile, template.ToJsonString());

            var result = await ProcessRunner.RunAsync(
                node,
                [script, templateFile, "--json", findingsFile],
                ExternalTool.RepoRoot,
                Timeout);

            Assert.True(result.ExitCode is 0 or 1, $"The cdk-nag check could not run:{Environment.NewLine}{result.Output}");
            var findings = JsonNode.Parse(await File.ReadAllTextAsync(findingsFile))?.AsObject() ?? [];
            return new CheckResult(result.ExitCode, result.Output, findings);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private sealed record CheckResult(int ExitCode, string Output, JsonObject Json)
    {
        public JsonArray Findings(string kind) => Json[kind]?.AsArray() ?? [];
    }
}

using StrokeIngestion.Infrastructure.Tests.Support;
using StrokeIngestion.Testing;

namespace StrokeIngestion.Infrastructure.Tests.Constructs;

[Collection(SynthesizedStacks.Name)]
public sealed class ImportWorkflowAslTests(DefaultStackFixture stack)
{
    [SkippableFact]
    public async Task Definition_WhenCheckedByAslValidator_ShouldBeValidAmazonStatesLanguage()
    {
        var validator = ExternalTool.RequireNodeBin("asl-validator");
        var definition = WorkflowDefinition.Read(stack, TemplateTokens.PlausibleValues(stack.Json));
        var file = Path.Combine(Path.GetTempPath(), $"stroke-asl-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, definition.ToJsonString());
        try
        {
            var result = await ProcessRunner.RunAsync(validator, ["--json-path", file], Path.GetTempPath(), TimeSpan.FromMinutes(1));

            Assert.True(result.ExitCode == 0, $"asl-validator rejected the definition:{Environment.NewLine}{result.Output}");
            Assert.Contains("is valid", result.Output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }
}

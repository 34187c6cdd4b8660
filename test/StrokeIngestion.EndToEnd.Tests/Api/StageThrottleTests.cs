using StrokeIngestion.Sandbox.Api;
using StrokeIngestion.Sandbox.Template;

namespace StrokeIngestion.EndToEnd.Tests.Api;

public sealed class StageThrottleTests
{
    [Fact]
    public void FromTemplate_WhenTheStageSetsDefaultRouteThrottling_ShouldReadRateAndBurst()
    {
        var template = Template("""{"StageName":"prod","DefaultRouteSettings":{"ThrottlingRateLimit":20,"ThrottlingBurstLimit":50}}""");

        var limit = StageThrottle.FromTemplate(template, "prod");

        Assert.Equal(20, limit.RatePerSecond);
        Assert.Equal(50, limit.Burst);
    }

    [Fact]
    public void FromTemplate_WhenTheStageSetsNoThrottling_ShouldBeUnlimited()
    {
        var template = Template("""{"StageName":"prod"}""");

        Assert.True(StageThrottle.FromTemplate(template, "prod").IsUnlimited);
    }

    [Fact]
    public void FromTemplate_WhenTheStageIsMissing_ShouldNameIt()
    {
        var template = Template("""{"StageName":"dev"}""");

        var error = Assert.Throws<TemplateResolutionException>(() => StageThrottle.FromTemplate(template, "prod"));

        Assert.Contains("'prod'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromTemplate_WhenOnlyTheRateIsSet_ShouldRefuseTheTemplate()
    {
        var template = Template("""{"StageName":"prod","DefaultRouteSettings":{"ThrottlingRateLimit":20}}""");

        Assert.Throws<TemplateResolutionException>(() => StageThrottle.FromTemplate(template, "prod"));
    }

    private static SynthesizedTemplate Template(string stageProperties) => SynthesizedTemplate.Parse(
        """{"Resources":{"Stage":{"Type":"AWS::ApiGatewayV2::Stage","Properties":""" + stageProperties + "}}}",
        stackName: "test-stack");
}

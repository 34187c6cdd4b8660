using System.Text.Json.Nodes;
using StrokeIngestion.Sandbox.Quotas;
using StrokeIngestion.Sandbox.Template;

namespace StrokeIngestion.Sandbox.Api;

/// <summary>
/// The throttle an HTTP API stage puts on its routes: <c>AWS::ApiGatewayV2::Stage</c>
/// <c>DefaultRouteSettings.ThrottlingRateLimit</c> / <c>ThrottlingBurstLimit</c>, in requests per
/// second of stack time.
/// </summary>
internal static class StageThrottle
{
    public const string StageType = "AWS::ApiGatewayV2::Stage";

    /// <summary>
    /// The default route throttle of the stage named <paramref name="stageName"/>;
    /// <see cref="RateLimit.Unlimited"/> when the stage sets none (the account's 10,000 RPS is
    /// not modelled). Throws <see cref="TemplateResolutionException"/> when the template has no
    /// such stage or sets only half of the pair.
    /// </summary>
    public static RateLimit FromTemplate(SynthesizedTemplate template, string stageName)
    {
        ArgumentNullException.ThrowIfNull(template);
        var stage = template.ResourcesOfType(StageType).FirstOrDefault(s => template.ResolveStringProperty(s, "StageName") == stageName)
            ?? throw new TemplateResolutionException($"The template has no {StageType} named '{stageName}'.");
        var settings = template.ResolveProperty(stage, "DefaultRouteSettings") as JsonObject;
        var rate = Number(settings?["ThrottlingRateLimit"]);
        var burst = Number(settings?["ThrottlingBurstLimit"]);
        if (rate is null && burst is null)
        {
            return RateLimit.Unlimited;
        }

        if (rate is not { } r || burst is not { } b)
        {
            throw new TemplateResolutionException($"Stage '{stageName}' sets only one of ThrottlingRateLimit and ThrottlingBurstLimit.");
        }

        var limit = new RateLimit(r, (int)b);
        limit.Validate($"Stage '{stageName}' DefaultRouteSettings");
        return limit;
    }

    private static double? Number(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<double>(out var number) ? number : null;
}

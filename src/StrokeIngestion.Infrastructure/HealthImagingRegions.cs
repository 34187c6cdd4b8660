namespace StrokeIngestion.Infrastructure;

/// <summary>
/// The regions where AWS HealthImaging is offered. Elsewhere CloudFormation rejects
/// <c>AWS::HealthImaging::Datastore</c> only once the deploy has started creating resources,
/// so the app refuses such a region at synth instead.
/// </summary>
/// <remarks>
/// Source: the service's endpoints page (docs.aws.amazon.com/general/latest/gr/healthimaging.html)
/// and cfn-lint 1.51's per-region resource schemas, which agree; a test compares this list with
/// cfn-lint's whenever cfn-lint is installed. Update it when HealthImaging opens a region.
/// </remarks>
internal static class HealthImagingRegions
{
    public static IReadOnlyList<string> All { get; } = ["us-east-1", "us-west-2", "eu-west-1", "eu-west-2", "ap-southeast-2"];

    /// <summary>
    /// One line saying why <paramref name="region"/> cannot hold the stack, or null when it can.
    /// A null region (an environment-agnostic template) is allowed: the CDK CLI resolves the
    /// region on every deploy, where this check runs again.
    /// </summary>
    public static string? Refusal(string? region) =>
        string.IsNullOrWhiteSpace(region) || All.Contains(region, StringComparer.Ordinal)
            ? null
            : $"AWS HealthImaging is not offered in {region}; deploy to one of: {string.Join(", ", All)} (set AWS_REGION or the profile's region).";
}

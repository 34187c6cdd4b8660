using System.Text.Json;
using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Constructs;

namespace StrokeIngestion.Infrastructure.Constructs;

/// <summary>
/// cdk-nag suppressions, written as CloudFormation metadata on the resource a finding is about, in
/// the form cdk-nag 2.x reads (<c>Metadata.cdk_nag.rules_to_suppress[] = { id, reason, applies_to? }</c>).
/// The check CI runs over the synthesized template (scripts/cdk-nag/check.mjs) honours them, and a
/// reviewer reads each reason in the construct that owns the resource.
/// </summary>
internal static class NagSuppressions
{
    public const string MetadataKey = "cdk_nag";
    public const string RulesKey = "rules_to_suppress";

    /// <summary>Long enough to say what is accepted and why; cdk-nag itself only asks for 10 characters.</summary>
    public const int MinimumReasonLength = 40;

    /// <summary>
    /// Suppresses <paramref name="ruleId"/> on the CloudFormation resource behind
    /// <paramref name="construct"/>, keeping suppressions added earlier.
    /// </summary>
    /// <param name="appliesTo">
    /// For granular rules (e.g. <c>AwsSolutions-IAM5</c>), the findings suppressed, as cdk-nag names
    /// them (see <see cref="NagFinding"/>); none suppresses every finding of the rule.
    /// </param>
    public static void SuppressNag(this IConstruct construct, string ruleId, string reason, params string[] appliesTo)
    {
        ArgumentNullException.ThrowIfNull(construct);
        ArgumentException.ThrowIfNullOrWhiteSpace(ruleId);
        ArgumentNullException.ThrowIfNull(reason);
        ArgumentNullException.ThrowIfNull(appliesTo);
        if (ruleId.Contains('[', StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{ruleId}' names a finding; pass the finding in appliesTo.", nameof(ruleId));
        }

        if (reason.Trim().Length < MinimumReasonLength)
        {
            throw new ArgumentException($"The reason for suppressing {ruleId} must say why in at least {MinimumReasonLength} characters.", nameof(reason));
        }

        // cdk-nag base64-encodes reasons outside Latin-1; plain ASCII keeps them readable in the template.
        if (reason.Any(c => c > '~' || c < ' '))
        {
            throw new ArgumentException($"The reason for suppressing {ruleId} must be printable ASCII.", nameof(reason));
        }

        if (appliesTo.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException("appliesTo entries must name findings.", nameof(appliesTo));
        }

        var resource = construct as CfnResource
            ?? construct.Node.DefaultChild as CfnResource
            ?? throw new ArgumentException($"{construct.Node.Path} has no CloudFormation resource to suppress {ruleId} on.", nameof(construct));

        var rule = new Dictionary<string, object> { ["id"] = ruleId, ["reason"] = reason };
        if (appliesTo.Length > 0)
        {
            rule["applies_to"] = appliesTo;
        }

        resource.AddMetadata(MetadataKey, new Dictionary<string, object>
        {
            [RulesKey] = ExistingRules(resource).Append(rule).ToArray(),
        });
    }

    /// <summary>
    /// The policy CDK puts a role's <c>AddToPolicy</c> and grant statements in. Policy findings
    /// (wildcards, inline policies) are reported on it, not on the role.
    /// </summary>
    public static IConstruct DefaultPolicyOf(IRole role)
    {
        ArgumentNullException.ThrowIfNull(role);
        return role.Node.TryFindChild("DefaultPolicy")
            ?? throw new InvalidOperationException($"{role.Node.Path} has no default policy yet: suppress after granting.");
    }

    // Metadata set through jsii comes back as Dictionary<string, object> and object[].
    private static List<object> ExistingRules(CfnResource resource) =>
        resource.GetMetadata(MetadataKey) is IDictionary<string, object> metadata
        && metadata.TryGetValue(RulesKey, out var rules)
        && rules is System.Collections.IEnumerable existing
            ? existing.Cast<object>().ToList()
            : [];
}

/// <summary>
/// Finding ids of granular cdk-nag rules, spelled the way cdk-nag 2.38 spells them: CloudFormation
/// references flattened to text (<c>{"Fn::GetAtt":["Bucket","Arn"]}</c> becomes <c>&lt;Bucket.Arn&gt;</c>,
/// <c>{"Ref":"X"}</c> becomes <c>&lt;X&gt;</c>, <c>Fn::Join</c> joins its parts).
/// </summary>
internal static class NagFinding
{
    /// <summary>A statement allowing its actions on every resource.</summary>
    public const string AnyResource = "Resource::*";

    /// <summary>
    /// The finding for a wildcard resource, from the ARN (usually a token) used in the statement.
    /// Resolved now, so call it once the logical ids the ARN refers to are final; a check that
    /// reports unused suppressions catches one that no longer matches.
    /// </summary>
    public static string Resource(IConstruct scope, string arn)
    {
        ArgumentNullException.ThrowIfNull(scope);
        return "Resource::" + Flatten(Stack.Of(scope).Resolve(arn));
    }

    /// <summary>A wildcard action, e.g. <c>s3:Get*</c>.</summary>
    public static string Action(string action) => "Action::" + action;

    private static string Flatten(object? node) => node switch
    {
        null => string.Empty,
        // Fn::Sub's ${X} reads as <X>, like references.
        string text => text.Replace("${", "<", StringComparison.Ordinal).Replace("}", ">", StringComparison.Ordinal),
        IDictionary<string, object> { Count: 1 } join when join.TryGetValue("Fn::Join", out var args) && args is object[] { Length: 2 } parts =>
            string.Join(Flatten(parts[0]), ((parts[1] as System.Collections.IEnumerable)?.Cast<object>() ?? []).Select(Flatten)),
        IDictionary<string, object> { Count: 1 } sub when sub.TryGetValue("Fn::Sub", out var template) => Flatten(template),
        IDictionary<string, object> { Count: 1 } getAtt when getAtt.TryGetValue("Fn::GetAtt", out var args) && args is object[] { Length: 2 } parts =>
            $"<{Flatten(parts[0])}.{Flatten(parts[1])}>",
        IDictionary<string, object> { Count: 1 } reference when reference.TryGetValue("Ref", out var name) => $"<{Flatten(name)}>",
        _ => JsonSerializer.Serialize(node),
    };
}

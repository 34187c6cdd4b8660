using System.Text.Json.Nodes;
using StrokeIngestion.Sandbox.Template;

namespace StrokeIngestion.Sandbox.Iam;

/// <summary>
/// A role of the synthesized stack as the sandbox's callers use it: its ARN, the identity a
/// session of it shows in an AccessDenied message, the identity-based statements attached to
/// it (inline policies and every <c>AWS::IAM::Policy</c> or <c>AWS::IAM::ManagedPolicy</c> of
/// the template naming it), and the services its trust policy lets assume it.
/// </summary>
internal sealed class IamPrincipal
{
    private readonly IReadOnlyList<(string Service, PolicyStatement Statement)> _trust;

    private IamPrincipal(string logicalId, string roleArn, string roleName, IReadOnlyList<PolicyStatement> statements, IReadOnlyList<(string, PolicyStatement)> trust)
    {
        LogicalId = logicalId;
        RoleArn = roleArn;
        RoleName = roleName;
        Statements = statements;
        _trust = trust;
    }

    public string LogicalId { get; }

    public string RoleArn { get; }

    public string RoleName { get; }

    public IReadOnlyList<PolicyStatement> Statements { get; }

    /// <summary>The services named as principals in the trust policy.</summary>
    public IEnumerable<string> TrustedServices => _trust.Select(t => t.Service).Distinct(StringComparer.Ordinal);

    /// <summary>Every role in the template with its statements resolved.</summary>
    public static IReadOnlyList<IamPrincipal> AllFromTemplate(SynthesizedTemplate template)
    {
        ArgumentNullException.ThrowIfNull(template);
        return template.ResourcesOfType(SynthesizedTemplate.IamRoleType).Select(role => FromRole(template, role)).ToList();
    }

    /// <summary>The role whose ARN is <paramref name="roleArn"/>.</summary>
    public static IamPrincipal ForRoleArn(IReadOnlyList<IamPrincipal> principals, string roleArn, string whose) =>
        principals.SingleOrDefault(p => p.RoleArn == roleArn)
        ?? throw new TemplateResolutionException($"{whose} uses role {roleArn}, which the template does not define.");

    /// <summary>What IAM decides for a call made with a session of this role.</summary>
    public AccessDecision Authorize(AccessRequest request) => PolicyEvaluator.Evaluate(Statements, request);

    /// <summary>Whether <paramref name="service"/> may assume this role for a request carrying <paramref name="context"/> (aws:SourceArn, aws:SourceAccount).</summary>
    public bool MayBeAssumedBy(string service, IReadOnlyDictionary<string, string> context) =>
        PolicyEvaluator.Evaluate(
            _trust.Where(t => t.Service == service).Select(t => t.Statement),
            new AccessRequest("sts:AssumeRole", RoleArn, context)) == AccessDecision.Allowed;

    /// <summary>The caller IAM names in an AccessDenied message.</summary>
    public string SessionArn(string sessionName) =>
        RoleArn.Replace(":iam::", ":sts::", StringComparison.Ordinal).Replace(":role/", ":assumed-role/", StringComparison.Ordinal) + "/" + sessionName;

    private static IamPrincipal FromRole(SynthesizedTemplate template, TemplateResource role)
    {
        var roleName = template.Ref(role.LogicalId);
        var where = $"Role {role.LogicalId}";
        var statements = new List<PolicyStatement>();
        foreach (var inline in template.ResolveProperty(role, "Policies")?.AsArray() ?? [])
        {
            statements.AddRange(PolicyStatement.ParseDocument(inline?["PolicyDocument"], where));
        }

        foreach (var policy in template.Resources.Where(r => r.Type is "AWS::IAM::Policy" or "AWS::IAM::ManagedPolicy"))
        {
            var roles = template.ResolveProperty(policy, "Roles")?.AsArray().Select(r => r?.GetValue<string>()) ?? [];
            if (roles.Contains(roleName))
            {
                statements.AddRange(PolicyStatement.ParseDocument(template.ResolveProperty(policy, "PolicyDocument"), $"Policy {policy.LogicalId}"));
            }
        }

        var trust = new List<(string, PolicyStatement)>();
        if (template.ResolveProperty(role, "AssumeRolePolicyDocument") is JsonObject trustDocument)
        {
            var raw = trustDocument["Statement"] as JsonArray ?? [];
            var parsed = PolicyStatement.ParseDocument(trustDocument, where + " trust policy");
            for (var i = 0; i < parsed.Count; i++)
            {
                // Trust statements name no resource: the role itself is the resource.
                var statement = parsed[i] with { Resources = ["*"], NotResource = false };
                foreach (var service in Services(raw[i]?["Principal"]?["Service"]))
                {
                    trust.Add((service, statement));
                }
            }
        }

        return new IamPrincipal(role.LogicalId, template.GetAtt(role.LogicalId, "Arn"), roleName, statements, trust);
    }

    private static IEnumerable<string> Services(JsonNode? node) => node switch
    {
        JsonArray array => array.Select(n => n?.GetValue<string>() ?? string.Empty),
        JsonValue value => [value.GetValue<string>()],
        _ => [],
    };
}

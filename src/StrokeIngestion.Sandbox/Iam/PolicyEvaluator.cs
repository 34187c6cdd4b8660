using System.Text.RegularExpressions;

namespace StrokeIngestion.Sandbox.Iam;

/// <summary>
/// IAM's evaluation of identity-based statements for one request: an explicit Deny wins,
/// then any Allow, else the call is implicitly denied. Actions match case-insensitively,
/// resources case-sensitively, both with <c>*</c> and <c>?</c> wildcards. Conditions: every
/// operator of a statement must hold, every key of an operator must hold, and a key holds
/// when any of its values matches. The operators are IAM's string, ARN, Bool and Null ones
/// (each with <c>IfExists</c>); an operator outside them is refused loudly rather than guessed.
/// </summary>
internal static class PolicyEvaluator
{
    public static AccessDecision Evaluate(IEnumerable<PolicyStatement> statements, AccessRequest request)
    {
        ArgumentNullException.ThrowIfNull(statements);
        ArgumentNullException.ThrowIfNull(request);
        var allowed = false;
        foreach (var statement in statements)
        {
            if (!Applies(statement, request))
            {
                continue;
            }

            if (statement.Effect == PolicyEffect.Deny)
            {
                return AccessDecision.ExplicitDeny;
            }

            allowed = true;
        }

        return allowed ? AccessDecision.Allowed : AccessDecision.ImplicitDeny;
    }

    private static bool Applies(PolicyStatement statement, AccessRequest request)
    {
        var actionListed = statement.Actions.Any(a => Wildcard(a, request.Action, ignoreCase: true));
        var resourceListed = statement.Resources.Any(r => Wildcard(r, request.Resource, ignoreCase: false));
        return actionListed != statement.NotAction
            && resourceListed != statement.NotResource
            && statement.Conditions.All(c => Holds(c, request.Context));
    }

    private static bool Holds(PolicyCondition condition, IReadOnlyDictionary<string, string> context)
    {
        var op = condition.Operator;
        var ifExists = op.EndsWith("IfExists", StringComparison.Ordinal);
        if (ifExists)
        {
            op = op[..^"IfExists".Length];
        }

        var present = context.TryGetValue(condition.Key, out var actual);
        if (op == "Null")
        {
            // "Null": "true" asks for the key to be absent, "false" for it to be there.
            return condition.Values.Any(v => string.Equals(v, "true", StringComparison.OrdinalIgnoreCase) != present);
        }

        var negated = op.Contains("Not", StringComparison.Ordinal);
        if (!present || actual is null)
        {
            // IAM: an absent key fails a positive operator and satisfies a negated one; IfExists lets it pass.
            return ifExists || negated;
        }

        Func<string, bool> matches = op switch
        {
            "StringEquals" or "StringNotEquals" or "ArnEquals" or "ArnNotEquals" => v => string.Equals(v, actual, StringComparison.Ordinal),
            "StringEqualsIgnoreCase" or "StringNotEqualsIgnoreCase" => v => string.Equals(v, actual, StringComparison.OrdinalIgnoreCase),
            "StringLike" or "StringNotLike" or "ArnLike" or "ArnNotLike" => v => Wildcard(v, actual, ignoreCase: false),
            "Bool" => v => string.Equals(v, actual, StringComparison.OrdinalIgnoreCase),
            _ => throw new NotSupportedException($"The sandbox does not evaluate the IAM condition operator '{condition.Operator}'."),
        };
        var any = condition.Values.Any(matches);
        return negated ? !any : any;
    }

    /// <summary>IAM's glob: <c>*</c> any run of characters (also <c>/</c> and <c>:</c>), <c>?</c> exactly one.</summary>
    internal static bool Wildcard(string pattern, string value, bool ignoreCase)
    {
        if (pattern == "*")
        {
            return true;
        }

        if (!pattern.Contains('*', StringComparison.Ordinal) && !pattern.Contains('?', StringComparison.Ordinal))
        {
            return string.Equals(pattern, value, ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);
        }

        var regex = "^" + Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$";
        var options = RegexOptions.Singleline | RegexOptions.CultureInvariant | (ignoreCase ? RegexOptions.IgnoreCase : RegexOptions.None);
        return Regex.IsMatch(value, regex, options, TimeSpan.FromSeconds(1));
    }
}

namespace StrokeIngestion.Sandbox.Iam;

/// <summary>
/// What one call asks of IAM: an action on a resource ARN, with the request's condition keys
/// (<c>s3:prefix</c>, <c>iam:PassedToService</c>, <c>aws:SourceArn</c>, …); a key absent
/// from <see cref="Context"/> is absent from the request.
/// </summary>
internal sealed record AccessRequest(string Action, string Resource, IReadOnlyDictionary<string, string> Context)
{
    public static readonly IReadOnlyDictionary<string, string> NoContext = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    public AccessRequest(string action, string resource)
        : this(action, resource, NoContext)
    {
    }
}

/// <summary>What IAM decides: only an Allow without any matching Deny lets a call through.</summary>
internal enum AccessDecision
{
    Allowed,

    /// <summary>No statement allows the call.</summary>
    ImplicitDeny,

    /// <summary>A statement denies it (whatever else allows it).</summary>
    ExplicitDeny,
}

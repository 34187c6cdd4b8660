using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Http;
using StrokeIngestion.Sandbox.Faults;

namespace StrokeIngestion.Sandbox.Iam;

/// <summary>One call IAM refused in the sandbox: who, what, on what, and in which service's words.</summary>
/// <param name="MissingKey">S3's 403 for a read of a missing key by a caller who may not list the bucket.</param>
/// <param name="PolicyKind">Whose policy refused: the caller's role ("identity-based") or the resource's ("resource-based").</param>
internal sealed record IamDenial(string Caller, FaultTarget Service, string Operation, AccessRequest Request, AccessDecision Decision, bool MissingKey = false, string PolicyKind = "identity-based")
{
    public string Message => AccessDeniedResponses.Message(Caller, Request, Decision, PolicyKind);
}

/// <summary>Every refusal of a sandbox run, in order.</summary>
internal sealed class IamDenials
{
    private readonly ConcurrentQueue<IamDenial> _denials = new();

    public IReadOnlyList<IamDenial> All => [.. _denials];

    public void Add(IamDenial denial) => _denials.Enqueue(denial);
}

/// <summary>
/// IAM in front of one service for one caller (a function's execution role, the state
/// machine's role, the role HealthImaging assumes): every request is authorized against the
/// role's statements in the synthesized template and refused the way the service refuses.
/// S3 object reads also get S3's rule for a missing key: 404 only for a caller allowed
/// <c>s3:ListBucket</c> on the bucket without a prefix condition, 403 for everyone else.
/// </summary>
internal sealed class IamGate : IProxyGate
{
    // Bodies of the JSON APIs are small; S3 bodies (objects) are never read here.
    private const int MaxJsonBody = 1024 * 1024;

    private readonly IamPrincipal _principal;
    private readonly string _caller;
    private readonly FaultTarget _service;
    private readonly IamScope _scope;
    private readonly IamDenials _denials;
    private readonly Func<string, IamPrincipal?> _roleByArn;

    /// <param name="roleByArn">Finds a role of the template (for the trust policy of a role passed to HealthImaging).</param>
    public IamGate(IamPrincipal principal, string sessionName, FaultTarget service, IamScope scope, IamDenials denials, Func<string, IamPrincipal?> roleByArn)
    {
        _principal = principal;
        _caller = principal.SessionArn(sessionName);
        _service = service;
        _scope = scope;
        _denials = denials;
        _roleByArn = roleByArn;
    }

    public async Task<FaultResponse?> AdmitAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var body = _service == FaultTarget.S3 ? string.Empty : await ReadBodyAsync(context.Request, cancellationToken);
        var call = ServiceAccess.For(_service, context.Request, body, _scope);
        foreach (var request in call.Requests)
        {
            var decision = _principal.Authorize(request);
            if (decision != AccessDecision.Allowed)
            {
                return Deny(call.Operation, request, decision);
            }
        }

        return PassedRoleRefusal(call);
    }

    public FaultResponse? Reanswer(HttpContext context, int upstreamStatus)
    {
        if (upstreamStatus != StatusCodes.Status404NotFound || _service != FaultTarget.S3)
        {
            return null;
        }

        var call = ServiceAccess.For(_service, context.Request, string.Empty, _scope);
        if (call.ReadsObjectOfBucket is not { } bucketArn
            || _principal.Authorize(new AccessRequest("s3:ListBucket", bucketArn)) == AccessDecision.Allowed)
        {
            return null;
        }

        // S3 does not tell a caller who may not list the bucket whether the key exists.
        return Deny(call.Operation, call.Requests[0], AccessDecision.ImplicitDeny, s3MissingKey: true);
    }

    private FaultResponse? PassedRoleRefusal(IamCall call)
    {
        // HealthImaging assumes the role it is handed, for this datastore, in this account:
        // the role's trust policy must let it (confused-deputy conditions included).
        var passed = call.Requests.FirstOrDefault(r => r.Action == "iam:PassRole");
        var datastore = call.Requests.FirstOrDefault(r => r.Action.StartsWith("medical-imaging:", StringComparison.Ordinal));
        if (passed is null || datastore is null)
        {
            return null;
        }

        var role = _roleByArn(passed.Resource);
        var context = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["aws:SourceArn"] = datastore.Resource,
            ["aws:SourceAccount"] = _scope.AccountId,
        };
        if (role is not null && role.MayBeAssumedBy(ServiceAccess.HealthImagingPrincipal, context))
        {
            return null;
        }

        var assume = new AccessRequest("sts:AssumeRole", passed.Resource, context);
        _denials.Add(new IamDenial(ServiceAccess.HealthImagingPrincipal, _service, call.Operation, assume, AccessDecision.ImplicitDeny));
        return AccessDeniedResponses.For(_service, ServiceAccess.HealthImagingPrincipal, assume, AccessDecision.ImplicitDeny);
    }

    private FaultResponse Deny(string operation, AccessRequest request, AccessDecision decision, bool s3MissingKey = false)
    {
        _denials.Add(new IamDenial(_caller, _service, operation, request, decision, s3MissingKey));

        // A read of a missing key without ListBucket gets S3's plain message, no policy detail.
        return s3MissingKey
            ? FaultResponses.S3Error(403, "AccessDenied", "Access Denied")
            : AccessDeniedResponses.For(_service, _caller, request, decision);
    }

    private static async Task<string> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength is null or 0 or > MaxJsonBody)
        {
            return string.Empty;
        }

        request.EnableBuffering();
        using var reader = new StreamReader(request.Body, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, leaveOpen: true);
        var body = await reader.ReadToEndAsync(cancellationToken);
        request.Body.Position = 0;
        return body;
    }
}

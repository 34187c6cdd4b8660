using Microsoft.AspNetCore.Http;

namespace StrokeIngestion.Sandbox.Faults;

/// <summary>
/// Decides, in a <see cref="FaultInjectingProxy"/>, whether a request reaches the upstream at
/// all and whether the upstream's status stands (IAM: see <c>Iam/IamGate</c>).
/// </summary>
internal interface IProxyGate
{
    /// <summary>The answer instead of forwarding, or null to forward. May read the body (it is rewound).</summary>
    Task<FaultResponse?> AdmitAsync(HttpContext context, CancellationToken cancellationToken);

    /// <summary>The answer instead of the upstream's, given its status; null keeps the upstream's.</summary>
    FaultResponse? Reanswer(HttpContext context, int upstreamStatus);
}

using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using StrokeIngestion.Sandbox.Faults;

namespace StrokeIngestion.Sandbox.Iam;

/// <summary>
/// The calls IAM let through in a sandbox run, by service and operation (<c>S3 CopyObject</c>),
/// over every caller: what the pipeline actually asked of each service, for figures such as
/// "copies per file". Refused calls are in <see cref="IamDenials"/> instead. Thread-safe.
/// </summary>
internal sealed class IamCallCounts
{
    private readonly ConcurrentDictionary<(FaultTarget Service, string Operation), int> _allowed = new();

    /// <summary>Calls of <paramref name="operation"/> on <paramref name="service"/> that IAM allowed.</summary>
    public int Allowed(FaultTarget service, string operation) => _allowed.GetValueOrDefault((service, operation));

    internal void RecordAllowed(FaultTarget service, string operation) => _allowed.AddOrUpdate((service, operation), 1, (_, n) => n + 1);
}

/// <summary>Counts, in <see cref="IamCallCounts"/>, every request the wrapped IAM gate lets through.</summary>
internal sealed class CountingIamGate(IProxyGate gate, FaultTarget service, IamCallCounts counts) : IProxyGate
{
    public async Task<FaultResponse?> AdmitAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var refusal = await gate.AdmitAsync(context, cancellationToken);
        if (refusal is null)
        {
            counts.RecordAllowed(service, FaultOperations.Classify(service, context.Request));
        }

        return refusal;
    }

    public FaultResponse? Reanswer(HttpContext context, int upstreamStatus) => gate.Reanswer(context, upstreamStatus);
}

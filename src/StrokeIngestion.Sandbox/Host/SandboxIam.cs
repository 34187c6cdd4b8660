using StrokeIngestion.Core.Settings;
using StrokeIngestion.Sandbox.Faults;
using StrokeIngestion.Sandbox.Iam;
using StrokeIngestion.Sandbox.Template;

namespace StrokeIngestion.Sandbox.Host;

/// <summary>Where the four services the functions call answer.</summary>
internal sealed record ServiceEndpoints(Uri S3, Uri DynamoDb, Uri HealthImaging, Uri StepFunctions);

/// <summary>
/// IAM for the sandbox: the template's roles, and one IAM gate per caller and service in
/// front of the emulators. A caller is told apart by the endpoint it is given (each function,
/// the state machine and HealthImaging get their own), so no credentials need to differ.
/// </summary>
internal sealed class SandboxIam
{
    private readonly List<IAsyncDisposable> _owned;

    public SandboxIam(SynthesizedTemplate template, Func<string, string?> taskTokenStateMachine, List<IAsyncDisposable> owned)
    {
        Principals = IamPrincipal.AllFromTemplate(template);
        Scope = new IamScope(template.Context.Region, template.Context.AccountId, taskTokenStateMachine);
        _owned = owned;
    }

    public IReadOnlyList<IamPrincipal> Principals { get; }

    public IamScope Scope { get; }

    /// <summary>Every call refused so far.</summary>
    public IamDenials Denials { get; } = new();

    /// <summary>The role a function, state machine or rule target runs as.</summary>
    public IamPrincipal RoleOf(string? roleArn, string whose) =>
        IamPrincipal.ForRoleArn(Principals, roleArn ?? throw new TemplateResolutionException($"{whose} has no role."), whose);

    /// <summary>The one role the template lets <paramref name="service"/> assume.</summary>
    public IamPrincipal ServiceRole(string service) =>
        Principals.SingleOrDefault(p => p.TrustedServices.Contains(service))
        ?? throw new TemplateResolutionException($"The template has no single role that {service} may assume.");

    /// <summary>Starts an IAM gate on 127.0.0.1 for <paramref name="principal"/> in front of <paramref name="upstream"/>.</summary>
    public async Task<Uri> GateAsync(IamPrincipal principal, string sessionName, FaultTarget service, Uri upstream, CancellationToken cancellationToken)
    {
        var gate = new IamGate(principal, sessionName, service, Scope, Denials, arn => Principals.FirstOrDefault(p => p.RoleArn == arn));
        var proxy = await FaultInjectingProxy.StartAsync(upstream, service, new FaultProxyOptions { Gate = gate }, cancellationToken);
        _owned.Add(proxy);
        return proxy.Endpoint;
    }

    /// <summary>The four endpoints of one caller, each behind its own gate.</summary>
    public async Task<AwsEndpoints> GatesAsync(IamPrincipal principal, string sessionName, ServiceEndpoints upstream, CancellationToken cancellationToken) => new(
        await GateAsync(principal, sessionName, FaultTarget.S3, upstream.S3, cancellationToken),
        await GateAsync(principal, sessionName, FaultTarget.DynamoDb, upstream.DynamoDb, cancellationToken),
        await GateAsync(principal, sessionName, FaultTarget.HealthImaging, upstream.HealthImaging, cancellationToken),
        await GateAsync(principal, sessionName, FaultTarget.StepFunctions, upstream.StepFunctions, cancellationToken));

    /// <summary>The state machine an open task token belongs to.</summary>
    public static string? StateMachineOfExecution(string executionArn)
    {
        // arn:aws:states:<region>:<account>:execution:<state machine>:<execution>
        var parts = executionArn.Split(':');
        return parts.Length == 8 && parts[5] == "execution"
            ? string.Join(':', parts[..5]) + ":stateMachine:" + parts[6]
            : null;
    }
}

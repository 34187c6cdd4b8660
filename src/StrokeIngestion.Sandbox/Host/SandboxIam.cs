using System.Text.Json.Nodes;
using StrokeIngestion.Core.Settings;
using StrokeIngestion.Sandbox.Faults;
using StrokeIngestion.Sandbox.Iam;
using StrokeIngestion.Sandbox.StepFunctions.Asl;
using StrokeIngestion.Sandbox.StepFunctions.Tasks;
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
    private const string EventsPrincipal = "events.amazonaws.com";

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

    public IamCallCounts Calls { get; } = new();

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
        var proxy = await FaultInjectingProxy.StartAsync(upstream, service, new FaultProxyOptions { Gate = new CountingIamGate(gate, service, Calls) }, cancellationToken);
        _owned.Add(proxy);
        return proxy.Endpoint;
    }

    /// <summary>The four endpoints of one caller, each behind its own gate.</summary>
    public async Task<AwsEndpoints> GatesAsync(IamPrincipal principal, string sessionName, ServiceEndpoints upstream, CancellationToken cancellationToken) => new(
        await GateAsync(principal, sessionName, FaultTarget.S3, upstream.S3, cancellationToken),
        await GateAsync(principal, sessionName, FaultTarget.DynamoDb, upstream.DynamoDb, cancellationToken),
        await GateAsync(principal, sessionName, FaultTarget.HealthImaging, upstream.HealthImaging, cancellationToken),
        await GateAsync(principal, sessionName, FaultTarget.StepFunctions, upstream.StepFunctions, cancellationToken));

    /// <summary>
    /// What a state machine's Task may do under its role: invoke the function, put the events.
    /// (Its DynamoDB tasks go through a gate like any other DynamoDB caller.) A refusal fails the
    /// attempt with the integration's error, the AccessDenied message as its cause.
    /// </summary>
    public Func<TaskInvocation, StatesErrorException?> StateMachineTasks(IReadOnlyList<SynthesizedStateMachine> machines) => invocation =>
    {
        var machine = machines.FirstOrDefault(m => m.Arn == StateMachineOfExecution(invocation.ExecutionArn));
        if (machine is null)
        {
            return null;
        }

        var (service, error, requests) = invocation.Resource.Kind switch
        {
            TaskResourceKind.LambdaInvoke or TaskResourceKind.LambdaFunctionArn =>
                (FaultTarget.Lambda, "Lambda.AWSLambdaException", new[] { new AccessRequest("lambda:InvokeFunction", FunctionArn(invocation)) }),
            TaskResourceKind.DynamoDbGetItem or TaskResourceKind.DynamoDbUpdateItem => (FaultTarget.DynamoDb, string.Empty, []),
            _ => (FaultTarget.EventBridge, "EventBridge.AmazonEventBridgeException", EventBuses(invocation).Select(bus => new AccessRequest("events:PutEvents", bus)).ToArray()),
        };
        var role = RoleOf(machine.RoleArn, $"State machine {machine.Name}");
        foreach (var request in requests)
        {
            var decision = role.Authorize(request);
            if (decision != AccessDecision.Allowed)
            {
                var caller = role.SessionArn(machine.Name);
                Denials.Add(new IamDenial(caller, service, invocation.StateName, request, decision));
                return new StatesErrorException(error, AccessDeniedResponses.Message(caller, request, decision) + " (Status Code: 403; Error Code: AccessDeniedException)");
            }
        }

        return null;
    };

    /// <summary>
    /// Whether EventBridge may invoke <paramref name="function"/> for the rule <paramref name="ruleName"/>:
    /// the function's resource policy (an <c>AWS::Lambda::Permission</c>) must name events.amazonaws.com
    /// and, when it says so, this rule as the source.
    /// </summary>
    public Func<Stream, Task<Stream>> AsRuleTarget(SynthesizedTemplate template, string ruleName, SynthesizedFunction function, Func<Stream, Task<Stream>> invoke)
    {
        var ruleArn = $"arn:aws:events:{Scope.Region}:{Scope.AccountId}:rule/{ruleName}";
        var allowed = template.ResourcesOfType("AWS::Lambda::Permission").Any(permission =>
            template.ResolveStringProperty(permission, "FunctionName") is { } name && (name == function.Arn || name == function.Name)
            && template.ResolveStringProperty(permission, "Principal") == EventsPrincipal
            && template.ResolveStringProperty(permission, "Action") is "lambda:InvokeFunction" or "lambda:*"
            && (template.ResolveStringProperty(permission, "SourceArn") is not { } source || PolicyEvaluator.Wildcard(source, ruleArn, ignoreCase: false))
            && (template.ResolveStringProperty(permission, "SourceAccount") is not { } account || account == Scope.AccountId));
        if (allowed)
        {
            return invoke;
        }

        var request = new AccessRequest("lambda:InvokeFunction", function.Arn, new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["aws:SourceArn"] = ruleArn });
        var denial = new IamDenial(EventsPrincipal, FaultTarget.Lambda, ruleName, request, AccessDecision.ImplicitDeny, PolicyKind: "resource-based");
        return _ =>
        {
            Denials.Add(denial);
            throw new UnauthorizedAccessException(denial.Message);
        };
    }

    /// <summary>
    /// Whether Lambda, writing a function's output with its execution role, may create a stream
    /// in the function's log group and put events into it; a refusal is recorded once.
    /// </summary>
    public bool MayWriteLogs(SynthesizedFunction function)
    {
        var role = RoleOf(function.RoleArn, function.Name);
        var group = $"arn:aws:logs:{Scope.Region}:{Scope.AccountId}:log-group:{function.LogGroupName}";
        foreach (var request in new[]
        {
            new AccessRequest("logs:CreateLogStream", $"{group}:log-stream:"),
            new AccessRequest("logs:PutLogEvents", $"{group}:log-stream:sandbox"),
        })
        {
            var decision = role.Authorize(request);
            if (decision != AccessDecision.Allowed)
            {
                Denials.Add(new IamDenial(role.SessionArn(function.Name), FaultTarget.CloudWatchLogs, "write logs", request, decision));
                return false;
            }
        }

        return true;
    }

    /// <summary>The state machine an execution (and so its open task tokens) belongs to.</summary>
    public static string? StateMachineOfExecution(string executionArn)
    {
        // arn:aws:states:<region>:<account>:execution:<state machine>:<execution>
        var parts = executionArn.Split(':');
        return parts.Length == 8 && parts[5] == "execution"
            ? string.Join(':', parts[..5]) + ":stateMachine:" + parts[6]
            : null;
    }

    private string FunctionArn(TaskInvocation invocation)
    {
        var name = invocation.Resource.Kind == TaskResourceKind.LambdaFunctionArn
            ? invocation.Resource.Arn
            : (invocation.Parameters as JsonObject)?["FunctionName"]?.GetValue<string>() ?? string.Empty;
        return name.StartsWith("arn:", StringComparison.Ordinal)
            ? name
            : $"arn:aws:lambda:{Scope.Region}:{Scope.AccountId}:function:{name}";
    }

    private IEnumerable<string> EventBuses(TaskInvocation invocation) =>
        ((invocation.Parameters as JsonObject)?["Entries"] as JsonArray ?? [])
            .Select(entry => entry?["EventBusName"]?.GetValue<string>() ?? "default")
            .Select(bus => bus.StartsWith("arn:", StringComparison.Ordinal) ? bus : $"arn:aws:events:{Scope.Region}:{Scope.AccountId}:event-bus/{bus}")
            .Distinct(StringComparer.Ordinal);
}

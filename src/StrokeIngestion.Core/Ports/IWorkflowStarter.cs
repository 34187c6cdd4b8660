namespace StrokeIngestion.Core.Ports;

/// <summary>The outcome of starting the monitoring workflow.</summary>
/// <param name="ExecutionArn">The execution's ARN.</param>
/// <param name="AlreadyExisted">True when an execution of that name had already been started (and closed, or had other input).</param>
public sealed record WorkflowStart(string ExecutionArn, bool AlreadyExisted);

/// <summary>
/// Starts the import-monitoring state machine. Execution names are unique per state
/// machine, which makes starting idempotent. Failures surface as <see cref="Errors.DependencyException"/>.
/// </summary>
public interface IWorkflowStarter
{
    Task<WorkflowStart> StartAsync(string executionName, string inputJson, CancellationToken cancellationToken);
}

namespace StrokeIngestion.Core.Ports;

/// <summary>
/// Resumes a workflow state that waits for a task token (Step Functions' callback pattern).
/// Failures other than a stale token surface as <see cref="Errors.DependencyException"/>.
/// </summary>
public interface IWorkflowCallback
{
    /// <summary>
    /// Reports the waiting task as succeeded with an empty output (<c>{}</c>), so the workflow
    /// moves on at once. Repeating it for a token already used is harmless.
    /// </summary>
    /// <returns>
    /// True when the task was resumed; false when the token is stale: the task no longer
    /// waits (already resumed, timed out, its execution ended).
    /// </returns>
    /// <exception cref="Errors.DependencyException">
    /// Code <c>InvalidToken</c>: Step Functions does not recognise the token at all (a defect, not a
    /// late wake-up); the workflow it belonged to still ends by polling.
    /// </exception>
    /// <exception cref="Errors.TransientDependencyException">Throttled, a server fault, a timeout or a broken connection.</exception>
    Task<bool> TryResumeAsync(string taskToken, CancellationToken cancellationToken);
}

using StrokeIngestion.Core.Domain;

namespace StrokeIngestion.Core.Monitoring;

/// <summary>
/// The workflow's AwaitImportEnd state: the loop state plus the task token Step Functions
/// waits on. <see cref="TaskToken"/> resumes the execution: it is never logged.
/// </summary>
public sealed record ArmRequest(StudyId StudyId, string DatastoreId, string ImportJobId, int Attempt, string TaskToken);

/// <summary>What arming did.</summary>
/// <param name="Armed">
/// True when the token was stored for the import event to resume; false when the workflow was
/// resumed at once instead (the event had already come, or there is no such study).
/// </param>
public sealed record ArmOutcome(StudyId StudyId, bool Armed);

/// <summary>
/// HealthImaging's <c>Import Job Completed</c> / <c>Import Job Failed</c> event, as the
/// import-job-ended rule forwards it. Values are as received: unchecked.
/// </summary>
public sealed record ImportJobEndEvent(string DatastoreId, string JobId, string JobName, string JobStatus);

/// <summary>What an import event did.</summary>
/// <param name="StudyId">The study the job name points at; null when it points at none (another tool's import).</param>
/// <param name="WokeWorkflow">True when a waiting workflow was resumed.</param>
public sealed record ImportEventOutcome(StudyId? StudyId, bool WokeWorkflow);

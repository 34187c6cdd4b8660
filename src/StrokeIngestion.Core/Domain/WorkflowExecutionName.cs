using System.Diagnostics.CodeAnalysis;

namespace StrokeIngestion.Core.Domain;

/// <summary>
/// Names of monitoring-workflow executions: <c>stroke-analysis-&lt;study_id&gt;</c>. One
/// execution per study (Step Functions keeps names unique per state machine for 90 days),
/// which is what makes starting the workflow idempotent.
/// </summary>
public static class WorkflowExecutionName
{
    public const string Prefix = "stroke-analysis-";

    public static string For(StudyId studyId) => Prefix + studyId.Value;

    /// <summary>The study id inside an execution name; false for any other name.</summary>
    public static bool TryParseStudyId(string? executionName, [NotNullWhen(true)] out StudyId? studyId)
    {
        studyId = null;
        return executionName is not null
            && executionName.StartsWith(Prefix, StringComparison.Ordinal)
            && StudyId.TryParse(executionName[Prefix.Length..], out studyId);
    }
}

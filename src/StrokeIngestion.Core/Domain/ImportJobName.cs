using System.Diagnostics.CodeAnalysis;

namespace StrokeIngestion.Core.Domain;

/// <summary>
/// Names of the HealthImaging import jobs the upload handler starts: <c>stroke-&lt;study_id&gt;</c>.
/// HealthImaging repeats the name in its import events, which is how an event finds its study.
/// </summary>
public static class ImportJobName
{
    public const string Prefix = "stroke-";

    public static string For(StudyId studyId) => Prefix + studyId.Value;

    /// <summary>The study id inside a job name; false for any other name (another tool's import, say).</summary>
    public static bool TryParseStudyId(string? jobName, [NotNullWhen(true)] out StudyId? studyId)
    {
        studyId = null;
        return jobName is not null
            && jobName.StartsWith(Prefix, StringComparison.Ordinal)
            && StudyId.TryParse(jobName[Prefix.Length..], out studyId);
    }
}

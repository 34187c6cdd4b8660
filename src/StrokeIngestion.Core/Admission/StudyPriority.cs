namespace StrokeIngestion.Core.Admission;

/// <summary>How urgently a study's import must start. Urgent (a code-stroke CT) is the default.</summary>
public enum StudyPriority
{
    Urgent,
    Routine,
}

/// <summary>The wire form of <see cref="StudyPriority"/>: the request field, the study attribute and the queue message all use it.</summary>
public static class StudyPriorities
{
    public const string UrgentValue = "urgent";
    public const string RoutineValue = "routine";

    /// <summary>Exactly <c>urgent</c> or <c>routine</c> (lower case); anything else is refused.</summary>
    public static bool TryParse(string? value, out StudyPriority priority)
    {
        switch (value)
        {
            case UrgentValue:
                priority = StudyPriority.Urgent;
                return true;
            case RoutineValue:
                priority = StudyPriority.Routine;
                return true;
            default:
                priority = StudyPriority.Urgent;
                return false;
        }
    }

    public static string ToWire(this StudyPriority priority) =>
        priority == StudyPriority.Routine ? RoutineValue : UrgentValue;
}

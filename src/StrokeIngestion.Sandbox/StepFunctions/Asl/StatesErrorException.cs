namespace StrokeIngestion.Sandbox.StepFunctions.Asl;

/// <summary>
/// A named Step Functions error (the <c>Error</c>/<c>Cause</c> pair that Retry and Catch match
/// on). Task integrations raise it for failures; an in-process Lambda invoker may throw it to
/// simulate a service-side error such as <c>Lambda.ServiceException</c>.
/// </summary>
internal sealed class StatesErrorException : Exception
{
    public StatesErrorException(string error, string cause, Exception? innerException = null)
        : base($"{error}: {cause}", innerException)
    {
        Error = error;
        Cause = cause;
    }

    public StatesErrorException()
        : this(StatesErrors.TaskFailed, string.Empty)
    {
    }

    public StatesErrorException(string message)
        : this(StatesErrors.TaskFailed, message)
    {
    }

    public StatesErrorException(string message, Exception innerException)
        : this(StatesErrors.TaskFailed, message, innerException)
    {
    }

    public string Error { get; }

    public string Cause { get; }
}

/// <summary>The predefined error names of the Amazon States Language the interpreter uses.</summary>
internal static class StatesErrors
{
    public const string All = "States.ALL";
    public const string TaskFailed = "States.TaskFailed";
    public const string Timeout = "States.Timeout";
    public const string Runtime = "States.Runtime";
    public const string NoChoiceMatched = "States.NoChoiceMatched";

    /// <summary>
    /// Whether a Retry/Catch <c>ErrorEquals</c> entry matches an error. <c>States.ALL</c> matches
    /// everything and <c>States.TaskFailed</c> everything but <c>States.Timeout</c>; neither
    /// matches <c>States.Runtime</c>, which AWS never lets a state machine retry or catch.
    /// </summary>
    public static bool Matches(string errorEquals, string error)
    {
        if (error == Runtime)
        {
            return false;
        }

        return errorEquals switch
        {
            All => true,
            TaskFailed => error != Timeout,
            _ => errorEquals == error,
        };
    }
}

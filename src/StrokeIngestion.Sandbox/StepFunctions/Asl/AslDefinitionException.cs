namespace StrokeIngestion.Sandbox.StepFunctions.Asl;

/// <summary>
/// The definition uses something the sandbox interpreter does not implement (a state type, a
/// field, a Task resource, a JSONPath form) or is invalid. Raised when the state machine is
/// registered, naming the state and the field, so an unsupported definition never half-runs.
/// </summary>
internal sealed class AslDefinitionException : Exception
{
    public AslDefinitionException(string message)
        : base(message)
    {
    }

    public AslDefinitionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public AslDefinitionException()
    {
    }
}

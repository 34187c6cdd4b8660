namespace StrokeIngestion.Core.Monitoring;

/// <summary>
/// The monitor's input does not follow the state machine or backstop contract (not JSON,
/// a missing or malformed field, an unknown execution status). Not retryable: the same
/// input fails the same way. Messages name the field, never its value.
/// </summary>
public sealed class InvalidMonitorInputException : Exception
{
    public InvalidMonitorInputException()
    {
    }

    public InvalidMonitorInputException(string message)
        : base(message)
    {
    }

    public InvalidMonitorInputException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

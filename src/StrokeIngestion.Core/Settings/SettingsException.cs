namespace StrokeIngestion.Core.Settings;

/// <summary>Configuration is missing or invalid; thrown at start-up, naming the variable.</summary>
public sealed class SettingsException : Exception
{
    public SettingsException(string variable, string problem)
        : base($"Environment variable {variable} {problem}.")
    {
        Variable = variable;
    }

    public string Variable { get; }
}

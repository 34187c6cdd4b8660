namespace StrokeIngestion.Sandbox.Template;

/// <summary>
/// The template asks for something the sandbox cannot resolve (an unsupported intrinsic, a
/// missing resource or attribute). Raised at load/registration time so a sandbox never runs
/// with a half-resolved definition.
/// </summary>
internal sealed class TemplateResolutionException : Exception
{
    public TemplateResolutionException(string message)
        : base(message)
    {
    }

    public TemplateResolutionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public TemplateResolutionException()
    {
    }
}

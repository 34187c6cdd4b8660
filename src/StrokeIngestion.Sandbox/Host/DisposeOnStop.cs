namespace StrokeIngestion.Sandbox.Host;

/// <summary>Lets a synchronous disposable (an SDK client) take its place in the host's stop order.</summary>
internal sealed class DisposeOnStop(IDisposable inner) : IAsyncDisposable
{
    public ValueTask DisposeAsync()
    {
        inner.Dispose();
        return ValueTask.CompletedTask;
    }
}

using StrokeIngestion.Sandbox.Emulators;

namespace StrokeIngestion.EndToEnd.Tests.Support;

/// <summary>
/// An npm emulator process and a client for it, started by the first test that asks (so a
/// missing tool skips that test, not the class) and stopped with its process tree on dispose.
/// </summary>
internal sealed class LazyEmulator<TClient>(Func<Task<NodeEmulatorProcess>> start, Func<Uri, TClient> connect)
    where TClient : IDisposable
{
    private readonly Lock _startGate = new();
    private Task<(NodeEmulatorProcess Process, TClient Client)>? _starting;

    public async Task<TClient> ClientAsync()
    {
        lock (_startGate)
        {
            _starting ??= LaunchAsync();
        }

        return (await _starting).Client;
    }

    /// <summary>Stops the process and disposes the client, if they were started.</summary>
    public async Task StopAsync()
    {
        if (_starting is { IsCompletedSuccessfully: true })
        {
            var (process, client) = await _starting;
            client.Dispose();
            await process.DisposeAsync();
        }
    }

    private async Task<(NodeEmulatorProcess, TClient)> LaunchAsync()
    {
        var process = await start();
        return (process, connect(process.Endpoint));
    }
}

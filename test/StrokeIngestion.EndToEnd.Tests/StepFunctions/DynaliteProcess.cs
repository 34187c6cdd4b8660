using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using StrokeIngestion.Testing;

namespace StrokeIngestion.EndToEnd.Tests.StepFunctions;

/// <summary>
/// dynalite (a DynamoDB emulator from npm) on a free 127.0.0.1 port, started on first use and
/// killed with its process tree when the test class is done.
/// </summary>
public sealed class DynaliteProcess : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Process? _process;
    private AmazonDynamoDBClient? _client;

    /// <summary>A client for the running dynalite; skips the test when dynalite is not installed.</summary>
    public async Task<IAmazonDynamoDB> ClientAsync()
    {
        var dynalite = ExternalTool.RequireNodeBin("dynalite");
        await _gate.WaitAsync();
        try
        {
            if (_client is not null)
            {
                return _client;
            }

            var port = FreePort();
            var startInfo = new ProcessStartInfo(dynalite)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in new[] { "--host", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--createTableMs", "0" })
            {
                startInfo.ArgumentList.Add(argument);
            }

            _process = Process.Start(startInfo) ?? throw new InvalidOperationException("dynalite did not start.");
            using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            while (await _process.StandardOutput.ReadLineAsync(guard.Token) is { } line)
            {
                if (line.Contains("listening", StringComparison.OrdinalIgnoreCase))
                {
                    _client = new AmazonDynamoDBClient(
                        new BasicAWSCredentials("sandbox", "sandbox"),
                        new AmazonDynamoDBConfig
                        {
                            ServiceURL = $"http://127.0.0.1:{port}",
                            AuthenticationRegion = "us-east-1",
                            MaxErrorRetry = 0,
                        });
                    return _client;
                }
            }

            throw new InvalidOperationException("dynalite exited before listening: " + await _process.StandardError.ReadToEndAsync());
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose()
    {
        _client?.Dispose();
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(TimeSpan.FromSeconds(10));
        }

        _process?.Dispose();
        _gate.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

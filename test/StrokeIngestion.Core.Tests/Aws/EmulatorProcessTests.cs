using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using StrokeIngestion.Sandbox.Emulators;
using StrokeIngestion.Testing;

namespace StrokeIngestion.Core.Tests.Aws;

/// <summary>The emulator processes' lifecycle: loopback only, and nothing left behind.</summary>
public sealed class EmulatorProcessTests
{
    private static readonly string[] SocketTables = ["/proc/net/tcp", "/proc/net/tcp6"];

    [SkippableFact]
    public async Task DisposeAsync_WhenS3rverRan_ShouldEndTheProcessAndRemoveItsData()
    {
        ExternalTool.RequireNodeBin("s3rver");
        var emulator = await NodeEmulatorProcess.StartS3Async(ExternalTool.RepoRoot, port: null, CancellationToken.None);
        var processId = emulator.ProcessId;
        var dataDirectory = emulator.DataDirectory;
        Assert.NotNull(dataDirectory);
        Assert.True(Directory.Exists(dataDirectory));
        Assert.True(await AnswersAsync(emulator.Port));

        await emulator.DisposeAsync();

        Assert.False(Directory.Exists(dataDirectory));
        Assert.False(IsRunning(processId));
        Assert.False(await AnswersAsync(emulator.Port));
    }

    [SkippableFact]
    public async Task StartDynamoDbAsync_WhenPortIsTaken_ShouldFailNamingTheEmulatorAndItsError()
    {
        ExternalTool.RequireNodeBin("dynalite");
        using var occupant = new TcpListener(IPAddress.Loopback, 0);
        occupant.Start();
        var port = ((IPEndPoint)occupant.LocalEndpoint).Port;

        var error = await Assert.ThrowsAnyAsync<InvalidOperationException>(
            () => NodeEmulatorProcess.StartDynamoDbAsync(ExternalTool.RepoRoot, port, CancellationToken.None));

        Assert.Contains("dynalite", error.Message, StringComparison.Ordinal);
        Assert.Contains("EADDRINUSE", error.Message, StringComparison.Ordinal);
    }

    [SkippableTheory]
    [InlineData("s3rver")]
    [InlineData("dynalite")]
    public async Task Start_WhenStarted_ShouldListenOnLoopbackOnly(string name)
    {
        ExternalTool.RequireNodeBin(name);
        Skip.IfNot(File.Exists("/proc/net/tcp"), "Listening sockets are read from Linux's /proc/net/tcp.");
        await using var emulator = name == "s3rver"
            ? await NodeEmulatorProcess.StartS3Async(ExternalTool.RepoRoot, port: null, CancellationToken.None)
            : await NodeEmulatorProcess.StartDynamoDbAsync(ExternalTool.RepoRoot, port: null, CancellationToken.None);

        var listening = await ListeningAddressesAsync(emulator.Port);

        Assert.Equal("127.0.0.1", emulator.Endpoint.Host);
        Assert.Equal(["0100007F"], listening);
    }

    [SkippableFact]
    public async Task ExitWithParent_WhenStdinCloses_ShouldEndTheNodeProcess()
    {
        var node = ExternalTool.Require("node", "install Node 20");
        var script = Path.Combine(ExternalTool.RepoRoot, "src", "StrokeIngestion.Sandbox", "Emulators", "exit-with-parent.cjs");
        var startInfo = new ProcessStartInfo(node) { RedirectStandardInput = true, UseShellExecute = false };
        foreach (var argument in new[] { "--require", script, "-e", "setInterval(() => {}, 1000)" })
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException("node did not start.");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            process.StandardInput.Close();
            await process.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }

        Assert.Equal(0, process.ExitCode);
    }

    private static async Task<bool> AnswersAsync(int port)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Local addresses (hex, as the kernel prints them) with a listening TCP socket on <paramref name="port"/>.</summary>
    private static async Task<List<string>> ListeningAddressesAsync(int port)
    {
        const string Listen = "0A";
        var portHex = port.ToString("X4", System.Globalization.CultureInfo.InvariantCulture);
        var addresses = new List<string>();
        foreach (var table in SocketTables.Where(File.Exists))
        {
            foreach (var line in (await File.ReadAllLinesAsync(table)).Skip(1))
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                var local = fields[1].Split(':');
                if (local[1] == portHex && fields[3] == Listen)
                {
                    addresses.Add(local[0]);
                }
            }
        }

        return addresses;
    }

    private static bool IsRunning(int processId)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}

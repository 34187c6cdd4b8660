using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace StrokeIngestion.Sandbox.Emulators;

/// <summary>
/// One local AWS emulator from the repository's node_modules (s3rver for S3, dynalite for
/// DynamoDB), listening on 127.0.0.1 only. Disposing kills the process tree and removes the
/// emulator's data directory; if this process dies first, the emulator sees its stdin close
/// and ends itself (<c>exit-with-parent.cjs</c>).
/// </summary>
internal sealed class NodeEmulatorProcess : IAsyncDisposable
{
    /// <summary>s3rver refuses any other key pair; dynalite accepts anything, so one pair serves both.</summary>
    public const string AccessKeyId = "S3RVER";

    /// <inheritdoc cref="AccessKeyId"/>
    public const string SecretAccessKey = "S3RVER";

    private const int OutputLinesKept = 40;
    private const int StartAttempts = 3;
    private static readonly TimeSpan DefaultStartTimeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);

    private readonly Process _process;
    private readonly string? _dataDirectory;
    private readonly Queue<string> _output = new();
    private readonly Lock _outputGate = new();
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string _listeningMarker;
    private int _disposed;

    private NodeEmulatorProcess(string name, Process process, int port, string? dataDirectory, string listeningMarker)
    {
        Name = name;
        _process = process;
        Port = port;
        _dataDirectory = dataDirectory;
        _listeningMarker = listeningMarker;
        Endpoint = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/");
    }

    /// <summary>The emulator's package name (<c>s3rver</c> or <c>dynalite</c>).</summary>
    public string Name { get; }

    public int Port { get; }

    /// <summary>Base URL to give SDK clients as their service URL.</summary>
    public Uri Endpoint { get; }

    /// <summary>Where the emulator keeps its data (removed on dispose); null for an in-memory store.</summary>
    public string? DataDirectory => _dataDirectory;

    /// <summary>The operating system's id of the emulator process.</summary>
    public int ProcessId => _process.Id;

    /// <summary>
    /// Starts s3rver with a fresh data directory, preloading <c>s3rver-compat.cjs</c> (see there)
    /// and OpenSSL's legacy provider: s3rver builds ListObjectsV2 continuation tokens with DES,
    /// which Node 17+ refuses otherwise (every truncated listing answers 500).
    /// </summary>
    /// <param name="repositoryRoot">The folder holding StrokeIngestion.sln; found by walking up from the app's folder when null.</param>
    /// <param name="port">A fixed port, or null for a free one.</param>
    /// <param name="cancellationToken">Stops waiting for the start.</param>
    public static Task<NodeEmulatorProcess> StartS3Async(string? repositoryRoot, int? port, CancellationToken cancellationToken)
    {
        var root = repositoryRoot ?? FindRepositoryRoot(AppContext.BaseDirectory);
        var spec = new LaunchSpec(
            "s3rver",
            CreateDataDirectory: true,
            (p, dataDirectory) => ["--address", "127.0.0.1", "--port", p, "--directory", dataDirectory ?? string.Empty, "--silent", "--no-vhost-buckets"],
            NodeOptions: $"--openssl-legacy-provider {Preload(root, "s3rver-compat.cjs")}",
            ListeningMarker: "S3rver listening");
        return StartAsync(spec, root, port, cancellationToken);
    }

    /// <summary>Starts dynalite with an in-memory store; tables leave CREATING at once.</summary>
    /// <inheritdoc cref="StartS3Async" path="/param"/>
    public static Task<NodeEmulatorProcess> StartDynamoDbAsync(string? repositoryRoot, int? port, CancellationToken cancellationToken)
    {
        var root = repositoryRoot ?? FindRepositoryRoot(AppContext.BaseDirectory);
        var spec = new LaunchSpec(
            "dynalite",
            CreateDataDirectory: false,
            (p, _) => ["--host", "127.0.0.1", "--port", p, "--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0"],
            NodeOptions: string.Empty,
            ListeningMarker: "Dynalite listening");
        return StartAsync(spec, root, port, cancellationToken);
    }

    /// <summary>
    /// Starts moto's SQS (the official protocol, JSON and query, with redrive to a DLQ) from
    /// <c>moto-sqs.py</c> under <c>python3</c>; the machine image ships moto 5.2. Not a Node
    /// package, but the same lifecycle: loopback only, ends with its parent.
    /// </summary>
    /// <inheritdoc cref="StartS3Async" path="/param"/>
    public static Task<NodeEmulatorProcess> StartSqsAsync(string? repositoryRoot, int? port, CancellationToken cancellationToken)
    {
        var root = repositoryRoot ?? FindRepositoryRoot(AppContext.BaseDirectory);
        var script = Path.Combine(root, "src", "StrokeIngestion.Sandbox", "Emulators", "moto-sqs.py");
        var spec = new LaunchSpec(
            "moto-sqs",
            CreateDataDirectory: false,
            (p, _) => [script, p],
            NodeOptions: string.Empty,
            ListeningMarker: "moto-sqs listening",
            Binary: PythonPath());
        return StartAsync(spec, root, port, cancellationToken);
    }

    /// <summary>The python3 that has moto (from PATH); throws naming the fix when there is none.</summary>
    public static string PythonPath()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, "python3");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("python3 is not on PATH: the SQS emulator needs python3 with moto 5.2 (shipped with the machine image).");
    }

    /// <summary>The folder holding StrokeIngestion.sln, searched upwards from <paramref name="start"/>.</summary>
    public static string FindRepositoryRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "StrokeIngestion.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"StrokeIngestion.sln was not found in '{start}' or any folder above it.");
    }

    /// <summary>The node_modules/.bin path of an emulator; throws with the fix when `npm ci` has not run.</summary>
    public static string BinaryPath(string repositoryRoot, string name)
    {
        var path = Path.Combine(repositoryRoot, "node_modules", ".bin", name);
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"'{path}' does not exist: run `npm ci` in '{repositoryRoot}'.", path);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            using var timeout = new CancellationTokenSource(StopTimeout);
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (Exception error) when (error is InvalidOperationException or OperationCanceledException or System.ComponentModel.Win32Exception)
        {
            // Already gone, or refusing to die within the timeout: nothing more a disposer can do.
        }
        finally
        {
            _process.Dispose();
            DeleteDataDirectory();
        }
    }

    /// <summary>The last lines the process wrote to stdout and stderr, for error messages.</summary>
    public string RecentOutput()
    {
        lock (_outputGate)
        {
            return string.Join(Environment.NewLine, _output);
        }
    }

    private static async Task<NodeEmulatorProcess> StartAsync(LaunchSpec spec, string root, int? port, CancellationToken cancellationToken)
    {
        var binary = spec.Binary ?? BinaryPath(root, spec.Name);

        // A free port can be taken between probing and binding; with a port of our own
        // choosing that is worth another try, with a fixed one it is the caller's problem.
        var attempts = port is null ? StartAttempts : 1;
        for (var attempt = 1; ; attempt++)
        {
            var emulator = Launch(spec, binary, root, port ?? FindFreePort());
            try
            {
                await emulator.WaitUntilListeningAsync(DefaultStartTimeout, cancellationToken);
                return emulator;
            }
            catch (EmulatorExitedException) when (attempt < attempts)
            {
                await emulator.DisposeAsync();
            }
            catch
            {
                await emulator.DisposeAsync();
                throw;
            }
        }
    }

    private static NodeEmulatorProcess Launch(LaunchSpec spec, string binary, string root, int port)
    {
        string? dataDirectory = null;
        if (spec.CreateDataDirectory)
        {
            dataDirectory = Path.Combine(Path.GetTempPath(), $"stroke-{spec.Name}-{Guid.NewGuid():N}");
            Directory.CreateDirectory(dataDirectory);
        }

        var startInfo = new ProcessStartInfo(binary)
        {
            WorkingDirectory = root,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,

            // Kept open, never written: exit-with-parent.cjs ends the emulator when it closes.
            RedirectStandardInput = true,
        };
        foreach (var argument in spec.Arguments(port.ToString(CultureInfo.InvariantCulture), dataDirectory))
        {
            startInfo.ArgumentList.Add(argument);
        }

        var nodeOptions = $"{Preload(root, "exit-with-parent.cjs")} {spec.NodeOptions}".Trim();
        var inherited = Environment.GetEnvironmentVariable("NODE_OPTIONS");
        startInfo.Environment["NODE_OPTIONS"] = string.IsNullOrWhiteSpace(inherited) ? nodeOptions : inherited + " " + nodeOptions;

        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var emulator = new NodeEmulatorProcess(spec.Name, process, port, dataDirectory, spec.ListeningMarker);
        process.OutputDataReceived += (_, e) => emulator.Record(e.Data);
        process.ErrorDataReceived += (_, e) => emulator.Record(e.Data);
        try
        {
            process.Start();
        }
        catch
        {
            process.Dispose();
            emulator.DeleteDataDirectory();
            throw;
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return emulator;
    }

    private async Task WaitUntilListeningAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var exited = _process.WaitForExitAsync(deadline.Token);
        try
        {
            // The listening line is printed once the server is bound, by this process: a
            // port that merely answers could belong to someone else.
            var first = await Task.WhenAny(_listening.Task, exited);
            if (first == exited && _process.HasExited)
            {
                throw new EmulatorExitedException(Describe($"exited with code {_process.ExitCode} before listening"));
            }

            await first;
            await WaitForPortAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException(Describe($"did not listen within {timeout.TotalSeconds:0} s"));
        }
    }

    private async Task WaitForPortAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port, cancellationToken);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
            }
        }
    }

    private void Record(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_outputGate)
        {
            _output.Enqueue(line);
            while (_output.Count > OutputLinesKept)
            {
                _output.Dequeue();
            }
        }

        if (line.Contains(_listeningMarker, StringComparison.Ordinal))
        {
            _listening.TrySetResult();
        }
    }

    private string Describe(string what)
    {
        var output = RecentOutput();
        return $"{Name} on 127.0.0.1:{Port} {what}." + (output.Length == 0 ? " It wrote nothing." : $" Its output:{Environment.NewLine}{output}");
    }

    private void DeleteDataDirectory()
    {
        if (_dataDirectory is not null && Directory.Exists(_dataDirectory))
        {
            try
            {
                Directory.Delete(_dataDirectory, recursive: true);
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                // Left for the OS's temp cleaning; a test run must not fail on it.
            }
        }
    }

    /// <summary>A <c>--require</c> option for one of the scripts beside this class in the repository.</summary>
    private static string Preload(string root, string script)
    {
        var path = Path.Combine(root, "src", "StrokeIngestion.Sandbox", "Emulators", script);
        return File.Exists(path)
            ? $"--require \"{path}\""
            : throw new FileNotFoundException($"'{path}' is missing.", path);
    }

    private static int FindFreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed record LaunchSpec(
        string Name,
        bool CreateDataDirectory,
        Func<string, string?, string[]> Arguments,
        string NodeOptions,
        string ListeningMarker,
        string? Binary = null);

    private sealed class EmulatorExitedException(string message) : InvalidOperationException(message);
}

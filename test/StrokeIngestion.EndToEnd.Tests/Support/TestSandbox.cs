using System.Text.Json.Nodes;
using StrokeIngestion.Sandbox.Host;
using StrokeIngestion.Testing;

namespace StrokeIngestion.EndToEnd.Tests.Support;

/// <summary>
/// One local sandbox for a test fixture: fast clocks, a temporary state directory, the
/// cloud assembly synthesized when needed. A failed start is kept, not thrown — thrown from a
/// fixture even a skip would fail every test with a fixture error — and <see cref="Host"/>
/// turns it into a skip naming the missing tool (a failure under STROKE_REQUIRE_TOOLS=1) or a
/// failure carrying the start-up output.
/// </summary>
internal sealed class TestSandbox : IAsyncDisposable
{
    /// <summary>The sandbox's state machine waits 30 s × this between status checks.</summary>
    public const double TimeScale = 0.01;

    private readonly StringWriter _progress = new();
    private SandboxHost? _host;
    private Exception? _startFailure;
    private string? _stateDirectory;

    /// <summary>Where the sandbox and the fixture write what they are doing.</summary>
    public TextWriter Progress { get; }

    public TestSandbox() => Progress = TextWriter.Synchronized(_progress);

    /// <summary>Everything written to <see cref="Progress"/> so far.</summary>
    public string ProgressText => _progress.ToString();

    /// <summary>The running sandbox; skips the calling test when a tool is missing, fails it when the start failed.</summary>
    public SandboxHost Host
    {
        get
        {
            if (_startFailure is SkipException skip)
            {
                throw new SkipException(skip.Message);
            }

            if (_startFailure is not null)
            {
                throw new InvalidOperationException($"The sandbox did not start: {_startFailure.Message}\n{_progress}", _startFailure);
            }

            return _host ?? throw new InvalidOperationException("The sandbox has not been started.");
        }
    }

    /// <summary>Starts the sandbox; <paramref name="editTemplate"/> changes a copy of the synthesized template first.</summary>
    public async Task StartAsync(string name, TimeSpan timeout, Action<JsonObject>? editTemplate = null)
    {
        try
        {
            ExternalTool.Require("node", "install Node.js 20+");
            ExternalTool.RequireNodeBin("s3rver");
            ExternalTool.RequireNodeBin("dynalite");
            using var deadline = new CancellationTokenSource(timeout);
            var cdkOut = await CloudAssembly.EnsureAsync(deadline.Token);
            _stateDirectory = Directory.CreateTempSubdirectory($"sandbox-{name}-").FullName;
            if (editTemplate is not null)
            {
                cdkOut = EditedCopy(cdkOut, Path.Combine(_stateDirectory, "cdk.out"), editTemplate);
            }

            _host = await SandboxHost.StartAsync(
                new SandboxOptions
                {
                    CdkOutDirectory = cdkOut,
                    StateDirectory = _stateDirectory,
                    TimeScale = TimeScale,
                },
                Progress,
                deadline.Token);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _startFailure = ex;
        }
    }

    /// <summary>A template edit: the API stage sets no route throttle (for tests that send bursts about something else).</summary>
    public static void WithoutStageThrottle(JsonObject template)
    {
        foreach (var (_, resource) in template["Resources"]?.AsObject() ?? [])
        {
            if (resource?["Type"]?.GetValue<string>() == "AWS::ApiGatewayV2::Stage" && resource["Properties"] is JsonObject properties)
            {
                properties.Remove("DefaultRouteSettings");
            }
        }
    }

    private static string EditedCopy(string cdkOut, string copy, Action<JsonObject> edit)
    {
        Directory.CreateDirectory(copy);
        foreach (var path in Directory.GetFiles(cdkOut, "*.template.json"))
        {
            var template = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new InvalidOperationException($"{path} is not a JSON object.");
            edit(template);
            File.WriteAllText(Path.Combine(copy, Path.GetFileName(path)), template.ToJsonString());
        }

        return copy;
    }

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        if (_stateDirectory is not null && Directory.Exists(_stateDirectory))
        {
            Directory.Delete(_stateDirectory, recursive: true);
        }

        _progress.Dispose();
    }
}

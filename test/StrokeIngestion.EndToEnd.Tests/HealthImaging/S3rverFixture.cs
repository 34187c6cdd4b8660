using System.Diagnostics;
using System.Text.RegularExpressions;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using StrokeIngestion.Testing;

namespace StrokeIngestion.EndToEnd.Tests.HealthImaging;

/// <summary>
/// One s3rver process per test class, on a free 127.0.0.1 port and a temporary directory,
/// started by the first test that needs it (so a missing tool skips the test, not the class)
/// and killed with its process tree on dispose. A stop-gap until the shared emulator process
/// helper lands in the sandbox.
/// </summary>
public sealed partial class S3rverFixture : IAsyncLifetime
{
    private readonly Lock _startGate = new();
    private Task<AmazonS3Client>? _starting;
    private Process? _process;
    private string? _directory;
    private Task? _drainOutput;
    private AmazonS3Client? _client;

    /// <summary>An S3 client for the running s3rver (path-style, s3rver's fixed credentials).</summary>
    public async Task<IAmazonS3> StartAsync()
    {
        var executable = ExternalTool.RequireNodeBin("s3rver");
        lock (_startGate)
        {
            _starting ??= LaunchAsync(executable);
        }

        return _client = await _starting;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        _client?.Dispose();
        if (_process is not null)
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }

            if (_drainOutput is not null)
            {
                await _drainOutput;
            }

            _process.Dispose();
        }

        if (_directory is not null && Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    /// <summary>Stores bytes exactly: s3rver would keep aws-chunked framing otherwise.</summary>
    public static Task PutAsync(IAmazonS3 s3, string bucket, string key, byte[] content) =>
        s3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = bucket,
            Key = key,
            InputStream = new MemoryStream(content),
            UseChunkEncoding = false,
        });

    public static async Task<string> ReadTextAsync(IAmazonS3 s3, string bucket, string key)
    {
        using var response = await s3.GetObjectAsync(bucket, key);
        using var reader = new StreamReader(response.ResponseStream);
        return await reader.ReadToEndAsync();
    }

    private async Task<AmazonS3Client> LaunchAsync(string executable)
    {
        _directory = Directory.CreateTempSubdirectory("s3rver-hi-").FullName;
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "--directory", _directory, "--address", "127.0.0.1", "--port", "0" })
        {
            start.ArgumentList.Add(argument);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("s3rver did not start.");
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginErrorReadLine();

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var line = await _process.StandardOutput.ReadLineAsync(timeout.Token)
                ?? throw new InvalidOperationException("s3rver exited before listening.");
            var match = ListeningLine().Match(line);
            if (match.Success)
            {
                // s3rver logs every request: keep its stdout flowing or it blocks on a full pipe.
                _drainOutput = _process.StandardOutput.ReadToEndAsync();
                var endpoint = $"http://127.0.0.1:{match.Groups["port"].Value}";
                return new AmazonS3Client(
                    new BasicAWSCredentials("S3RVER", "S3RVER"),
                    new AmazonS3Config { ServiceURL = endpoint, ForcePathStyle = true, AuthenticationRegion = "us-east-1" });
            }
        }
    }

    [GeneratedRegex(@"listening on 127\.0\.0\.1:(?<port>\d+)")]
    private static partial Regex ListeningLine();
}

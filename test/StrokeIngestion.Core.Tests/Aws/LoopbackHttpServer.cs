using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;

namespace StrokeIngestion.Core.Tests.Aws;

/// <summary>A request as it arrived on the wire. Header names are case-insensitive; repeated headers are comma-joined.</summary>
internal sealed record RecordedRequest(string Method, string RawPath, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string BodyText => Encoding.UTF8.GetString(Body);

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}

/// <summary>A scripted answer; <see cref="NeverAnswer"/> holds the connection open without replying.</summary>
internal sealed record ScriptedResponse(int StatusCode, string Body, IReadOnlyList<KeyValuePair<string, string>> Headers, bool NeverAnswer = false);

/// <summary>
/// A minimal HTTP/1.1 server on 127.0.0.1 (free port chosen by the OS) for testing clients on
/// the wire: records every request and answers with scripted responses in order, one request
/// per connection. Unscripted requests get a 500 that names the problem. Dispose per test.
/// </summary>
internal sealed class LoopbackHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<ScriptedResponse> _script = new();
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly Channel<RecordedRequest> _arrivals = Channel.CreateUnbounded<RecordedRequest>();
    private readonly ConcurrentBag<Task> _connections = [];
    private readonly Task _acceptLoop;

    private LoopbackHttpServer()
    {
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        BaseUri = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");
        _acceptLoop = AcceptAsync();
    }

    public Uri BaseUri { get; }

    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    public static LoopbackHttpServer Start() => new();

    public void Reply(int statusCode, string body, params (string Name, string Value)[] headers)
        => _script.Enqueue(new ScriptedResponse(statusCode, body, [.. headers.Select(h => KeyValuePair.Create(h.Name, h.Value))]));

    public void ReplyNever() => _script.Enqueue(new ScriptedResponse(0, string.Empty, [], NeverAnswer: true));

    /// <summary>Waits for the next request to arrive (in arrival order).</summary>
    public async Task<RecordedRequest> NextRequestAsync(TimeSpan? within = null)
    {
        using var timeout = new CancellationTokenSource(within ?? TimeSpan.FromSeconds(10));
        return await _arrivals.Reader.ReadAsync(timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await Task.WhenAll([_acceptLoop, .. _connections]);
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or IOException or ObjectDisposedException)
        {
            // Connections cut by the stop.
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _connections.Add(ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            var stream = client.GetStream();
            var request = await ReadRequestAsync(stream, _stop.Token);
            if (request is null)
            {
                return;
            }

            _requests.Enqueue(request);
            _arrivals.Writer.TryWrite(request);

            if (!_script.TryDequeue(out var response))
            {
                response = new ScriptedResponse(500, "{\"message\":\"LoopbackHttpServer: no scripted response left\"}", [KeyValuePair.Create("X-Amzn-Errortype", "LoopbackServerNotScripted")]);
            }

            if (response.NeverAnswer)
            {
                await Task.Delay(Timeout.Infinite, _stop.Token).ContinueWith(_ => { }, TaskScheduler.Default);
                return;
            }

            await WriteResponseAsync(stream, response, _stop.Token);
        }
    }

    private static async Task<RecordedRequest?> ReadRequestAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int headerEnd;
        while ((headerEnd = IndexOfHeaderEnd(buffer)) < 0)
        {
            var read = await stream.ReadAsync(chunk, cancellationToken);
            if (read == 0)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        var all = buffer.ToArray();
        var lines = Encoding.Latin1.GetString(all, 0, headerEnd).Split("\r\n");
        var requestLine = lines[0].Split(' ');
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var name = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            headers[name] = headers.TryGetValue(name, out var earlier) ? earlier + "," + value : value;
        }

        var contentLength = headers.TryGetValue("Content-Length", out var length) ? int.Parse(length) : 0;
        var body = new byte[contentLength];
        var already = Math.Min(all.Length - (headerEnd + 4), contentLength);
        Array.Copy(all, headerEnd + 4, body, 0, already);
        if (already < contentLength)
        {
            await stream.ReadExactlyAsync(body.AsMemory(already), cancellationToken);
        }

        return new RecordedRequest(requestLine[0], requestLine[1], headers, body);
    }

    private static int IndexOfHeaderEnd(MemoryStream buffer)
        => buffer.GetBuffer().AsSpan(0, (int)buffer.Length).IndexOf("\r\n\r\n"u8);

    private static async Task WriteResponseAsync(NetworkStream stream, ScriptedResponse response, CancellationToken cancellationToken)
    {
        var body = Encoding.UTF8.GetBytes(response.Body);
        var head = new StringBuilder()
            .Append("HTTP/1.1 ").Append(response.StatusCode).Append(" Scripted\r\n")
            .Append("Content-Length: ").Append(body.Length).Append("\r\n")
            .Append("Connection: close\r\n");
        if (!response.Headers.Any(h => h.Key.Equals("Content-Type", StringComparison.OrdinalIgnoreCase)))
        {
            head.Append("Content-Type: application/json\r\n");
        }

        foreach (var (name, value) in response.Headers)
        {
            head.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        head.Append("\r\n");
        await stream.WriteAsync(Encoding.Latin1.GetBytes(head.ToString()), cancellationToken);
        await stream.WriteAsync(body, cancellationToken);
        await stream.FlushAsync(cancellationToken);
    }
}

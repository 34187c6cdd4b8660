using System.Net;
using System.Net.Sockets;
using System.Text;

namespace StrokeIngestion.EndToEnd.Tests.Faults;

/// <summary>
/// A one-request HTTP/1.1 server on 127.0.0.1 that records the exact bytes it receives and
/// answers with a fixed response: what an upstream sees, without any server's parsing.
/// </summary>
internal sealed class RecordingUpstream : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Task<RecordedRequest> _serving;

    public RecordingUpstream(string response)
    {
        _listener.Start();
        Endpoint = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
        _serving = ServeOneAsync(Encoding.ASCII.GetBytes(response));
    }

    public Uri Endpoint { get; }

    /// <summary>The request as received: head lines (request line first) and body.</summary>
    public Task<RecordedRequest> Request => _serving;

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        try
        {
            await _serving;
        }
        catch (Exception error) when (error is SocketException or ObjectDisposedException or IOException or InvalidOperationException)
        {
            // The test may end without a request arriving.
        }
    }

    private async Task<RecordedRequest> ServeOneAsync(byte[] response)
    {
        using var client = await _listener.AcceptTcpClientAsync();
        var stream = client.GetStream();
        var received = new MemoryStream();
        var buffer = new byte[8192];
        int headEnd;
        while ((headEnd = IndexOfHeadEnd(received)) < 0)
        {
            var read = await stream.ReadAsync(buffer);
            if (read == 0)
            {
                throw new InvalidOperationException("The connection closed before the request head ended.");
            }

            received.Write(buffer, 0, read);
        }

        var head = Encoding.ASCII.GetString(received.GetBuffer(), 0, headEnd);
        var lines = head.Split("\r\n");
        var contentLength = lines
            .Where(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
            .Select(l => int.Parse(l["Content-Length:".Length..].Trim()))
            .FirstOrDefault();
        var bodyStart = headEnd + 4;
        while (received.Length - bodyStart < contentLength)
        {
            var read = await stream.ReadAsync(buffer);
            if (read == 0)
            {
                throw new InvalidOperationException("The connection closed before the body ended.");
            }

            received.Write(buffer, 0, read);
        }

        await stream.WriteAsync(response);
        return new RecordedRequest(lines, received.ToArray()[bodyStart..]);
    }

    private static int IndexOfHeadEnd(MemoryStream received) =>
        received.GetBuffer().AsSpan(0, (int)received.Length).IndexOf("\r\n\r\n"u8);
}

internal sealed record RecordedRequest(IReadOnlyList<string> HeadLines, byte[] Body)
{
    public string RequestLine => HeadLines[0];

    /// <summary>Every value sent under <paramref name="name"/> (case-insensitive), in order.</summary>
    public IReadOnlyList<string> Header(string name) =>
        [.. HeadLines.Skip(1)
            .Where(l => l.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase))
            .Select(l => l[(name.Length + 1)..].Trim())];
}

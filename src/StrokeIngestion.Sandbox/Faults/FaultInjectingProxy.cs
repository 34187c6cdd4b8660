using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace StrokeIngestion.Sandbox.Faults;

/// <summary>How a <see cref="FaultInjectingProxy"/> starts.</summary>
internal sealed record FaultProxyOptions
{
    /// <summary>The 127.0.0.1 port to listen on; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>Seeds the draws that pick faults: the same seed and request order give the same faults.</summary>
    public int Seed { get; init; }

    /// <summary>The faults to start with (replaceable later through <see cref="FaultInjectingProxy.Profile"/>).</summary>
    public FaultProfile Profile { get; init; } = FaultProfile.None;

    /// <summary>The clock injected latency waits on.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Admits or refuses each request before any fault (IAM); null admits everything.</summary>
    public IProxyGate? Gate { get; init; }
}

/// <summary>
/// A loopback HTTP proxy in front of a local emulator (s3rver, dynalite) that injects the
/// faults of a <see cref="FaultProfile"/>: the service's own throttling and 500 answers
/// (before forwarding, so the upstream never sees the request, or after it, so the write
/// happened but the client sees a failure) and added latency. Everything else is relayed
/// as it is: method, raw path and query, headers including <c>Host</c> and the SigV4
/// <c>Authorization</c> signed for it, and bodies streamed both ways.
/// </summary>
/// <remarks>
/// Clients point their endpoint at <see cref="Endpoint"/> and sign for it as usual; the
/// upstream receives the client's <c>Host</c> header unchanged, which is what a signature
/// check would compare. Disposing stops listening and cancels forwarding in flight.
/// </remarks>
internal sealed class FaultInjectingProxy : IAsyncDisposable
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);

    // Hop-by-hop headers (RFC 9110 §7.6.1) belong to one connection; Expect is answered by
    // Kestrel towards the client and by HttpClient towards the upstream, each on its own.
    private static readonly HashSet<string> RequestHeadersNotForwarded = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization",
        "TE", "Trailer", "Transfer-Encoding", "Upgrade", "Expect", "Host", "Content-Length",
    };

    private static readonly HashSet<string> ResponseHeadersNotRelayed = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization",
        "TE", "Trailer", "Transfer-Encoding", "Upgrade",
    };

    private readonly WebApplication _app;
    private readonly HttpMessageInvoker _upstreamClient;
    private readonly string _upstreamPrefix;
    private readonly TimeProvider _time;
    private readonly IProxyGate? _gate;
    private readonly Random _random;
    private readonly Lock _randomGate = new();
    private readonly CancellationTokenSource _lifetime = new();
    private FaultProfile _profile;
    private int _disposed;

    private FaultInjectingProxy(WebApplication app, Uri upstream, FaultTarget target, FaultProxyOptions options)
    {
        _app = app;
        Upstream = upstream;
        Target = target;
        _upstreamPrefix = upstream.GetLeftPart(UriPartial.Authority) + upstream.AbsolutePath.TrimEnd('/');
        _time = options.TimeProvider;
        _gate = options.Gate;
        _random = new Random(options.Seed);
        _profile = options.Profile;
        _upstreamClient = new HttpMessageInvoker(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            ConnectTimeout = TimeSpan.FromSeconds(5),
        });
    }

    /// <summary>The emulator requests are forwarded to.</summary>
    public Uri Upstream { get; }

    /// <summary>The service whose error format injected faults use.</summary>
    public FaultTarget Target { get; }

    /// <summary>Base URL for SDK clients (<c>http://127.0.0.1:port/</c>).</summary>
    public Uri Endpoint { get; private set; } = new("http://127.0.0.1/");

    public int Port => Endpoint.Port;

    public FaultProxyCounters Counters { get; } = new();

    /// <summary>The faults injected from the next request on; validated when set.</summary>
    public FaultProfile Profile
    {
        get => Volatile.Read(ref _profile);
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            value.Validate();
            Volatile.Write(ref _profile, value);
        }
    }

    /// <summary>Starts a proxy on 127.0.0.1 forwarding to <paramref name="upstream"/>.</summary>
    /// <param name="upstream">The emulator's base URL (<c>http://127.0.0.1:port/</c>).</param>
    /// <param name="target">Which service's error format to inject.</param>
    /// <param name="options">Port, seed, initial profile and clock; defaults when null.</param>
    /// <param name="cancellationToken">Stops waiting for the start.</param>
    public static async Task<FaultInjectingProxy> StartAsync(
        Uri upstream,
        FaultTarget target,
        FaultProxyOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(upstream);
        if (!upstream.IsAbsoluteUri || upstream.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException("The upstream must be an absolute http(s) URL.", nameof(upstream));
        }

        // Lambda, EventBridge and CloudWatch Logs calls are made in process; there is nothing to proxy.
        if (!Enum.IsDefined(target) || target is FaultTarget.Lambda or FaultTarget.EventBridge or FaultTarget.CloudWatchLogs)
        {
            throw new ArgumentOutOfRangeException(nameof(target), target, null);
        }

        options ??= new FaultProxyOptions();
        options.Profile.Validate();

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;

            // Object bodies of any size pass through; they are streamed, never held whole.
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.Listen(IPAddress.Loopback, options.Port, listen => listen.Protocols = HttpProtocols.Http1);
        });
        var app = builder.Build();
        var proxy = new FaultInjectingProxy(app, upstream, target, options);
        app.Run(proxy.HandleAsync);
        try
        {
            await app.StartAsync(cancellationToken);
            var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
            var port = new Uri(address).Port;
            proxy.Endpoint = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/");
            return proxy;
        }
        catch
        {
            await proxy.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // Cancelling first ends forwarding in flight, so stopping need not wait for slow upstreams.
        await _lifetime.CancelAsync();
        using (var timeout = new CancellationTokenSource(StopTimeout))
        {
            try
            {
                await _app.StopAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                // Requests still running past the timeout are dropped with the server.
            }
        }

        await _app.DisposeAsync();
        _upstreamClient.Dispose();
        _lifetime.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var operation = FaultOperations.Classify(Target, context.Request);
        var profile = Profile;
        var decision = Decide(profile, operation);
        Counters.Record(operation, FaultProxyCounters.Outcome.Request);

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _lifetime.Token);
        var cancellationToken = linked.Token;
        try
        {
            if (_gate is not null && await _gate.AdmitAsync(context, cancellationToken) is { } refusal)
            {
                await WriteFaultAsync(context, refusal, cancellationToken);
                return;
            }

            if (decision.Latency > TimeSpan.Zero)
            {
                Counters.Record(operation, FaultProxyCounters.Outcome.Delayed);
                await Task.Delay(decision.Latency, _time, cancellationToken);
            }

            switch (decision.Kind)
            {
                case FaultKind.Throttle:
                    Counters.Record(operation, FaultProxyCounters.Outcome.Throttled);
                    await WriteFaultAsync(context, FaultResponses.Throttle(Target, profile.DynamoDbThrottle), cancellationToken);
                    return;
                case FaultKind.ServerError:
                    Counters.Record(operation, FaultProxyCounters.Outcome.ServerError);
                    await WriteFaultAsync(context, FaultResponses.ServerError(Target), cancellationToken);
                    return;
            }

            using var request = CreateUpstreamRequest(context);
            using var response = await _upstreamClient.SendAsync(request, cancellationToken);
            Counters.Record(operation, FaultProxyCounters.Outcome.Forwarded);

            if (decision.Kind == FaultKind.ServerErrorAfterForward)
            {
                // Read the upstream's answer to its end: by then it has certainly applied the request.
                await response.Content.CopyToAsync(Stream.Null, cancellationToken);
                Counters.Record(operation, FaultProxyCounters.Outcome.ServerErrorAfterForward);
                await WriteFaultAsync(context, FaultResponses.ServerError(Target), cancellationToken);
                return;
            }

            if (_gate?.Reanswer(context, (int)response.StatusCode) is { } reanswer)
            {
                await WriteFaultAsync(context, reanswer, cancellationToken);
                return;
            }

            await RelayAsync(context, response, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client hung up or the proxy is stopping: nobody is waiting for an answer.
            context.Abort();
        }
        catch (HttpRequestException) when (!context.Response.HasStarted)
        {
            Counters.Record(operation, FaultProxyCounters.Outcome.UpstreamFailure);
            context.Response.StatusCode = StatusCodes.Status502BadGateway;
            context.Response.ContentType = "text/plain";
            await context.Response.WriteAsync("The upstream emulator did not answer.", CancellationToken.None);
        }
        catch (Exception error) when (error is HttpRequestException or IOException)
        {
            // Broke off mid-body (either side): the client must see a broken exchange, not a short body.
            Counters.Record(operation, FaultProxyCounters.Outcome.UpstreamFailure);
            context.Abort();
        }
    }

    private Decision Decide(FaultProfile profile, string operation)
    {
        // Three draws for every request, whatever the profile, so that one seed gives one
        // sequence of faults even when rates or the operation filter change mid-run.
        double outcomeDraw, latencyDraw, latencyFraction;
        lock (_randomGate)
        {
            outcomeDraw = _random.NextDouble();
            latencyDraw = _random.NextDouble();
            latencyFraction = _random.NextDouble();
        }

        if (!profile.AppliesTo(operation))
        {
            return new Decision(null, TimeSpan.Zero);
        }

        FaultKind? kind = outcomeDraw switch
        {
            _ when outcomeDraw < profile.ThrottleRate => FaultKind.Throttle,
            _ when outcomeDraw < profile.ThrottleRate + profile.ServerErrorRate => FaultKind.ServerError,
            _ when outcomeDraw < profile.ThrottleRate + profile.ServerErrorRate + profile.ServerErrorAfterForwardRate => FaultKind.ServerErrorAfterForward,
            _ => null,
        };
        var latency = latencyDraw < profile.LatencyRate
            ? profile.MinLatency + ((profile.MaxLatency - profile.MinLatency) * latencyFraction)
            : TimeSpan.Zero;
        return new Decision(kind, latency);
    }

    private HttpRequestMessage CreateUpstreamRequest(HttpContext context)
    {
        var incoming = context.Request;

        // The raw target keeps the client's percent-encoding byte for byte: SigV4 signs the
        // path as sent, and decoding and re-encoding it could change what the upstream sees.
        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(target) || target[0] != '/')
        {
            target = incoming.Path.ToUriComponent() + incoming.QueryString.ToUriComponent();
        }

        var uri = new Uri(_upstreamPrefix + target, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });
        var request = new HttpRequestMessage(new HttpMethod(incoming.Method), uri)
        {
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };

        if (context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true)
        {
            var content = new StreamContent(incoming.Body);
            content.Headers.ContentLength = incoming.ContentLength;
            request.Content = content;
        }
        else if (incoming.ContentLength == 0)
        {
            request.Content = new ByteArrayContent([]);
        }

        foreach (var (name, values) in incoming.Headers)
        {
            if (RequestHeadersNotForwarded.Contains(name))
            {
                continue;
            }

            if (!request.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                request.Content ??= new ByteArrayContent([]);
                request.Content.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        request.Headers.Host = incoming.Host.Value;
        return request;
    }

    private static async Task RelayAsync(HttpContext context, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        context.Response.StatusCode = (int)response.StatusCode;
        if (context.Features.Get<IHttpResponseFeature>() is { } feature)
        {
            feature.ReasonPhrase = response.ReasonPhrase;
        }

        CopyHeaders(response.Headers, context.Response.Headers);
        CopyHeaders(response.Content.Headers, context.Response.Headers);

        // HEAD answers (and 204/304) carry the headers of a body that is never sent.
        if (HttpMethods.IsHead(context.Request.Method) || response.StatusCode is HttpStatusCode.NoContent or HttpStatusCode.NotModified)
        {
            await context.Response.CompleteAsync();
            return;
        }

        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        await body.CopyToAsync(context.Response.Body, cancellationToken);
    }

    private static void CopyHeaders(System.Net.Http.Headers.HttpHeaders from, IHeaderDictionary to)
    {
        foreach (var (name, values) in from)
        {
            if (!ResponseHeadersNotRelayed.Contains(name))
            {
                to[name] = values.ToArray();
            }
        }
    }

    private static async Task WriteFaultAsync(HttpContext context, FaultResponse fault, CancellationToken cancellationToken)
    {
        var response = context.Response;
        response.StatusCode = fault.StatusCode;
        foreach (var (name, value) in fault.Headers)
        {
            response.Headers[name] = value;
        }

        // S3 answers HEAD errors with the status alone: there is no body to carry a code.
        if (HttpMethods.IsHead(context.Request.Method))
        {
            await response.CompleteAsync();
            return;
        }

        response.ContentType = fault.ContentType;
        response.ContentLength = fault.Body.Length;
        await response.Body.WriteAsync(fault.Body, cancellationToken);
    }

    private sealed record Decision(FaultKind? Kind, TimeSpan Latency);
}

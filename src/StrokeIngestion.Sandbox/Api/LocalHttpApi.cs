using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using StrokeIngestion.Core.Http;
using StrokeIngestion.Sandbox.Quotas;

namespace StrokeIngestion.Sandbox.Api;

/// <summary>
/// Stands in for API Gateway's HTTP API: <c>POST /prod/upload</c> and <c>GET /prod/studies/{study_id}</c> become payload-2.0 events
/// with an IAM authorizer context, is handed to the UploadHandler's real Stream handler, and
/// the handler's response is translated back. Binds to 127.0.0.1 only.
/// </summary>
/// <remarks>
/// Like API Gateway, it stops waiting for the handler after <see cref="IntegrationTimeout"/> and
/// answers 503 while the handler runs on. <see cref="Faults"/> injects throttling and lost answers.
/// Real limits come first: each route's <see cref="RouteThrottle"/> (the stage's default route
/// throttle) answers 429 <c>Too Many Requests</c>, and an invocation beyond the function's
/// <see cref="FunctionConcurrency"/> is what Lambda throttles (429 TooManyRequestsException to
/// API Gateway), which an HTTP API hands the client as 500 <c>Internal Server Error</c>.
/// </remarks>
internal sealed class LocalHttpApi : IAsyncDisposable
{
    /// <summary>The principal local callers act as (the real API requires SigV4 by an IAM principal).</summary>
    public const string LocalPrincipalArn = "arn:aws:iam::000000000000:user/sandbox-clinician";

    /// <summary>The stage the synthesized API deploys; its throttle is read from the template under this name.</summary>
    public const string StageName = "prod";

    private const string Stage = StageName;
    private const string RouteKey = "POST /upload";
    private const string StatusRouteKey = "GET /studies/{study_id}";

    private readonly Func<Stream, Task<Stream>> _handler;
    private readonly Random _random;
    private readonly Lock _randomGate = new();
    private ApiFaults _faults = ApiFaults.None;
    private long _requests;
    private long _throttled;
    private long _lostAnswers;
    private long _stalled;
    private long _routeThrottled;
    private readonly ConcurrentDictionary<Task, bool> _invocations = new();
    private readonly ConcurrentDictionary<string, TokenBucket> _routeBuckets = new(StringComparer.Ordinal);
    private WebApplication? _app;

    public LocalHttpApi(Func<Stream, Task<Stream>> handler, int faultSeed = 0)
    {
        _handler = handler;
        _random = new Random(faultSeed);
    }

    /// <summary>Each route's throttle (its own bucket), on <see cref="TimeProvider"/>; unlimited unless set.</summary>
    public RateLimit RouteThrottle { get; init; } = RateLimit.Unlimited;

    /// <summary>How many invocations of the handler may run at once (reserved concurrency, or the account's unreserved pool).</summary>
    public ConcurrencyLimit FunctionConcurrency { get; init; } = new(int.MaxValue);

    /// <summary>The clock the route throttle refills on.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>What the modelled limits refused so far.</summary>
    public ApiQuotaCounts QuotaCounts => new(Interlocked.Read(ref _routeThrottled), FunctionConcurrency.Refused);

    /// <summary>API Gateway's limit for an HTTP API's Lambda integration.</summary>
    public TimeSpan IntegrationTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Faults injected from the next request on; validated when set.</summary>
    public ApiFaults Faults
    {
        get => Volatile.Read(ref _faults);
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            value.Validate();
            Volatile.Write(ref _faults, value);
        }
    }

    public ApiFaultCounts FaultCounts => new(
        Interlocked.Read(ref _requests),
        Interlocked.Read(ref _throttled),
        Interlocked.Read(ref _lostAnswers),
        Interlocked.Read(ref _stalled));

    /// <summary>The stage URL, e.g. <c>http://127.0.0.1:4510/prod</c>; POST <c>{BaseUrl}/upload</c>.</summary>
    public Uri? BaseUrl { get; private set; }

    public async Task<Uri> StartAsync(int port, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.MapPost($"/{Stage}/upload", context => HandleAsync(context, RouteKey, pathParameters: null));
        _app.MapGet($"/{Stage}/studies/{{study_id}}", context => HandleAsync(
            context,
            StatusRouteKey,
            new Dictionary<string, string>(StringComparer.Ordinal) { ["study_id"] = context.Request.RouteValues["study_id"]?.ToString() ?? string.Empty }));
        _app.MapFallback(context =>
        {
            // API Gateway's answer for a route that does not exist.
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            context.Response.ContentType = "application/json";
            return context.Response.WriteAsync("{\"message\":\"Not Found\"}");
        });
        await _app.StartAsync(cancellationToken);
        var address = _app.Urls.First();
        BaseUrl = new Uri(address.TrimEnd('/') + "/" + Stage);
        return BaseUrl;
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            _app = null;
        }

        // Handlers still running for callers who stopped waiting finish before the emulators stop.
        await Task.WhenAll(_invocations.Keys);
    }

    private async Task HandleAsync(HttpContext context, string routeKey, Dictionary<string, string>? pathParameters)
    {
        Interlocked.Increment(ref _requests);
        if (!_routeBuckets.GetOrAdd(routeKey, _ => new TokenBucket(RouteThrottle, TimeProvider)).TryTake())
        {
            Interlocked.Increment(ref _routeThrottled);
            await WriteMessageAsync(context, StatusCodes.Status429TooManyRequests, "Too Many Requests");
            return;
        }

        var fault = DrawFault();
        if (fault == Fault.Throttle)
        {
            Interlocked.Increment(ref _throttled);
            await WriteMessageAsync(context, StatusCodes.Status429TooManyRequests, "Too Many Requests");
            return;
        }

        var request = await ToEventAsync(context, routeKey, pathParameters);
        var input = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(request, HttpJsonContext.Default.HttpApiRequest));

        // Lambda throttles an invocation beyond the function's concurrency; the slot is held
        // until the handler ends, even when API Gateway stopped waiting for it.
        var slot = FunctionConcurrency.TryEnter();
        if (slot is null)
        {
            await input.DisposeAsync();
            await WriteMessageAsync(context, StatusCodes.Status500InternalServerError, "Internal Server Error");
            return;
        }

        // The handler runs to its end even when API Gateway stops waiting (or the client hangs up):
        // a Lambda invocation is not cancelled with its caller.
        var invocation = InvokeAsync(input, slot);
        _invocations[invocation] = true;
        _ = invocation.ContinueWith(done => _invocations.TryRemove(done, out _), TaskScheduler.Default);
        HttpApiResponse? response;
        bool failed;
        try
        {
            (response, failed) = await invocation.WaitAsync(IntegrationTimeout, context.RequestAborted);
        }
        catch (TimeoutException)
        {
            await WriteMessageAsync(context, StatusCodes.Status503ServiceUnavailable, "Service Unavailable");
            return;
        }

        if (fault == Fault.LostAnswer)
        {
            Interlocked.Increment(ref _lostAnswers);
            await WriteMessageAsync(context, StatusCodes.Status503ServiceUnavailable, "Service Unavailable");
            return;
        }

        if (fault == Fault.Stall)
        {
            Interlocked.Increment(ref _stalled);
            try
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                // The client gave up waiting, which is the point.
            }

            return;
        }

        if (failed || response is null)
        {
            // What API Gateway answers when the integration fails.
            await WriteMessageAsync(context, StatusCodes.Status500InternalServerError, "Internal Server Error");
            return;
        }

        context.Response.StatusCode = response.StatusCode;
        foreach (var (name, value) in response.Headers)
        {
            context.Response.Headers[name] = value;
        }

        var body = response.IsBase64Encoded ? Convert.FromBase64String(response.Body) : Encoding.UTF8.GetBytes(response.Body);
        await context.Response.Body.WriteAsync(body, context.RequestAborted);
    }

    private async Task<(HttpApiResponse? Response, bool Failed)> InvokeAsync(MemoryStream input, IDisposable slot)
    {
        using (slot)
        {
            return await InvokeAsync(input);
        }
    }

    private async Task<(HttpApiResponse? Response, bool Failed)> InvokeAsync(MemoryStream input)
    {
        try
        {
            await using (input)
            {
                await using var output = await _handler(input);
                return (await JsonSerializer.DeserializeAsync(output, HttpJsonContext.Default.HttpApiResponse), false);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return (null, true);
        }
    }

    private Fault DrawFault()
    {
        var faults = Faults;
        if (faults.ThrottleRate + faults.LostAnswerRate + faults.StallRate <= 0)
        {
            return Fault.None;
        }

        double draw;
        lock (_randomGate)
        {
            draw = _random.NextDouble();
        }

        return draw < faults.ThrottleRate ? Fault.Throttle
            : draw < faults.ThrottleRate + faults.LostAnswerRate ? Fault.LostAnswer
            : draw < faults.ThrottleRate + faults.LostAnswerRate + faults.StallRate ? Fault.Stall
            : Fault.None;
    }

    private static async Task WriteMessageAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync($"{{\"message\":\"{message}\"}}", context.RequestAborted);
    }

    private static async Task<HttpApiRequest> ToEventAsync(HttpContext context, string routeKey, Dictionary<string, string>? pathParameters)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        var bytes = buffer.ToArray();
        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var header in context.Request.Headers)
        {
            headers[header.Key.ToLowerInvariant()] = string.Join(',', header.Value.ToArray());
        }

        // API Gateway hands a text body (text/*, JSON, XML) over as a string, anything else as
        // base64; it never transcodes, whatever the charset says. A "text" body that is not
        // valid UTF-8 cannot travel as a JSON string without loss, so it goes as base64 too
        // (the handler then refuses the bytes; a lossy decode here would hide them).
        var contentType = context.Request.ContentType ?? string.Empty;
        var isText = (contentType.StartsWith("text/", StringComparison.OrdinalIgnoreCase)
            || contentType.Contains("json", StringComparison.OrdinalIgnoreCase)
            || contentType.Contains("xml", StringComparison.OrdinalIgnoreCase))
            && System.Text.Unicode.Utf8.IsValid(bytes);
        var now = DateTimeOffset.UtcNow;
        return new HttpApiRequest
        {
            Version = "2.0",
            RouteKey = routeKey,
            PathParameters = pathParameters,
            RawPath = context.Request.Path.Value,
            Headers = headers,
            Body = bytes.Length == 0 ? null : isText ? Encoding.UTF8.GetString(bytes) : Convert.ToBase64String(bytes),
            IsBase64Encoded = bytes.Length > 0 && !isText,
            RequestContext = new HttpApiRequestContext
            {
                RequestId = Guid.NewGuid().ToString(),
                RouteKey = routeKey,
                Stage = Stage,
                Http = new HttpApiHttpContext
                {
                    Method = context.Request.Method,
                    Path = context.Request.Path.Value,
                    SourceIp = context.Connection.RemoteIpAddress?.ToString(),
                },
                Authorizer = new HttpApiAuthorizer
                {
                    Iam = new HttpApiIamIdentity
                    {
                        AccessKey = AccessKeyFrom(headers.GetValueOrDefault("authorization")),
                        AccountId = "000000000000",
                        CallerId = "AIDASANDBOX",
                        UserArn = LocalPrincipalArn,
                        UserId = "AIDASANDBOX",
                    },
                },
            },
        };

        static string? AccessKeyFrom(string? authorization)
        {
            const string marker = "Credential=";
            var start = authorization?.IndexOf(marker, StringComparison.Ordinal) ?? -1;
            if (authorization is null || start < 0)
            {
                return null;
            }

            var end = authorization.IndexOf('/', start);
            return end > start ? authorization[(start + marker.Length)..end] : null;
        }
    }

    private enum Fault
    {
        None,
        Throttle,
        LostAnswer,
        Stall,
    }
}

using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using StrokeIngestion.Core.Http;

namespace StrokeIngestion.Sandbox.Api;

/// <summary>
/// Stands in for API Gateway's HTTP API: <c>POST /prod/upload</c> becomes a payload-2.0 event
/// with an IAM authorizer context, is handed to the UploadHandler's real Stream handler, and
/// the handler's response is translated back. Binds to 127.0.0.1 only.
/// </summary>
internal sealed class LocalHttpApi : IAsyncDisposable
{
    /// <summary>The principal local callers act as (the real API requires SigV4 by an IAM principal).</summary>
    public const string LocalPrincipalArn = "arn:aws:iam::000000000000:user/sandbox-clinician";

    private const string Stage = "prod";
    private const string RouteKey = "POST /upload";

    private readonly Func<Stream, Task<Stream>> _handler;
    private WebApplication? _app;

    public LocalHttpApi(Func<Stream, Task<Stream>> handler) => _handler = handler;

    /// <summary>The stage URL, e.g. <c>http://127.0.0.1:4510/prod</c>; POST <c>{BaseUrl}/upload</c>.</summary>
    public Uri? BaseUrl { get; private set; }

    public async Task<Uri> StartAsync(int port, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.MapPost($"/{Stage}/upload", HandleAsync);
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
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = await ToEventAsync(context);
        using var input = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(request, HttpJsonContext.Default.HttpApiRequest));
        HttpApiResponse? response;
        try
        {
            await using var output = await _handler(input);
            response = await JsonSerializer.DeserializeAsync(output, HttpJsonContext.Default.HttpApiResponse, context.RequestAborted);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // What API Gateway answers when the integration fails.
            response = null;
        }

        if (response is null)
        {
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("{\"message\":\"Internal Server Error\"}");
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

    private static async Task<HttpApiRequest> ToEventAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        var bytes = buffer.ToArray();
        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var header in context.Request.Headers)
        {
            headers[header.Key.ToLowerInvariant()] = string.Join(',', header.Value.ToArray());
        }

        var contentType = context.Request.ContentType ?? string.Empty;
        var isText = contentType.StartsWith("text/", StringComparison.OrdinalIgnoreCase)
            || contentType.Contains("json", StringComparison.OrdinalIgnoreCase)
            || contentType.Contains("xml", StringComparison.OrdinalIgnoreCase);
        var now = DateTimeOffset.UtcNow;
        return new HttpApiRequest
        {
            Version = "2.0",
            RouteKey = RouteKey,
            RawPath = context.Request.Path.Value,
            Headers = headers,
            Body = bytes.Length == 0 ? null : isText ? Encoding.UTF8.GetString(bytes) : Convert.ToBase64String(bytes),
            IsBase64Encoded = bytes.Length > 0 && !isText,
            RequestContext = new HttpApiRequestContext
            {
                RequestId = Guid.NewGuid().ToString(),
                RouteKey = RouteKey,
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
}

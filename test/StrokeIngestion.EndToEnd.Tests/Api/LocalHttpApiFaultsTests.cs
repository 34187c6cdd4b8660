using System.Net;
using System.Text;
using StrokeIngestion.Core.Http;
using StrokeIngestion.Sandbox.Api;

namespace StrokeIngestion.EndToEnd.Tests.Api;

/// <summary>
/// The local API's faults are the ones a clinician's tool must survive with its
/// Idempotency-Key: a throttle before any work, an answer lost after the work, a timeout.
/// </summary>
public sealed class LocalHttpApiFaultsTests : IAsyncLifetime
{
    private const string Body = """{"patient_id":"P1","file_key":"uploads/a.dcm"}""";

    private HttpClient? _http;
    private int _handled;
    private TimeSpan _handlerDelay = TimeSpan.Zero;
    private LocalHttpApi? _api;
    private Uri? _baseUrl;

    private LocalHttpApi Api => _api ?? throw new InvalidOperationException("InitializeAsync has not run.");

    public Task InitializeAsync()
    {
        _http = Clients.Loopback();
        return StartAsync(TimeSpan.FromSeconds(30));
    }

    public async Task DisposeAsync()
    {
        _http?.Dispose();
        if (_api is not null)
        {
            await _api.DisposeAsync();
        }
    }

    [Fact]
    public async Task Post_WhenThrottled_ShouldAnswer429WithoutRunningTheHandler()
    {
        Api.Faults = new ApiFaults { ThrottleRate = 1 };

        using var response = await PostAsync();

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal(0, _handled);
        Assert.Equal(1, Api.FaultCounts.Throttled);
    }

    [Fact]
    public async Task Post_WhenTheAnswerIsLost_ShouldAnswer503AfterTheHandlerRan()
    {
        Api.Faults = new ApiFaults { LostAnswerRate = 1 };

        using var response = await PostAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(1, _handled);
    }

    [Fact]
    public async Task Post_WhenStalled_ShouldLeaveTheClientWaitingAfterTheHandlerRan()
    {
        Api.Faults = new ApiFaults { StallRate = 1 };
        using var clientTimeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => PostAsync(clientTimeout.Token));

        Assert.Equal(1, _handled);
        Assert.Equal(1, Api.FaultCounts.Stalled);
    }

    [Fact]
    public async Task Post_WhenTheHandlerOutlivesTheIntegrationTimeout_ShouldAnswer503AndLetTheHandlerFinish()
    {
        await Api.DisposeAsync();
        await StartAsync(TimeSpan.FromMilliseconds(100));
        _handlerDelay = TimeSpan.FromMilliseconds(600);

        using var response = await PostAsync();
        var handledWhenAnswered = Volatile.Read(ref _handled);
        await Api.DisposeAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(0, handledWhenAnswered);
        Assert.Equal(1, _handled);
    }

    private async Task StartAsync(TimeSpan integrationTimeout)
    {
        var api = new LocalHttpApi(HandleAsync, faultSeed: 3) { IntegrationTimeout = integrationTimeout };
        _api = api;
        _baseUrl = await api.StartAsync(0, CancellationToken.None);
    }

    private async Task<Stream> HandleAsync(Stream input)
    {
        await Task.Delay(_handlerDelay);
        Interlocked.Increment(ref _handled);
        var response = new HttpApiResponse { StatusCode = 202, Headers = new Dictionary<string, string>(StringComparer.Ordinal), Body = """{"study_id":"STUDY-0123456789ab"}""" };
        return new MemoryStream(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(response, HttpJsonContext.Default.HttpApiResponse));
    }

    private Task<HttpResponseMessage> PostAsync(CancellationToken cancellationToken = default) =>
        (_http ?? throw new InvalidOperationException("InitializeAsync has not run.")).PostAsync(new Uri(_baseUrl + "/upload"), new StringContent(Body, Encoding.UTF8, "application/json"), cancellationToken);
}

/// <summary>HTTP clients for loopback tests.</summary>
internal static class Clients
{
    public static HttpClient Loopback() => new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };
}

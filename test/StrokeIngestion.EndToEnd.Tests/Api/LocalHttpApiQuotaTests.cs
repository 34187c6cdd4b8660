using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using StrokeIngestion.Core.Http;
using StrokeIngestion.Sandbox.Api;
using StrokeIngestion.Sandbox.Quotas;

namespace StrokeIngestion.EndToEnd.Tests.Api;

/// <summary>
/// The limits API Gateway and Lambda put in front of the handler, over loopback HTTP: the
/// stage's route throttle (429 before the handler runs) and the function's concurrency (an
/// invocation beyond it is throttled by Lambda, which an HTTP API answers with 500).
/// </summary>
public sealed class LocalHttpApiQuotaTests : IAsyncDisposable
{
    private const string Body = """{"patient_id":"P1","file_key":"uploads/a.dcm"}""";

    private readonly HttpClient _http = Clients.Loopback();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 5, 3, 0, 0, TimeSpan.Zero));
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<LocalHttpApi> _apis = [];
    private int _handled;
    private bool _holdHandler;

    [Fact]
    public async Task Post_WhenTheRouteBurstIsSpent_ShouldAnswer429TooManyRequestsWithoutRunningTheHandler()
    {
        // Arrange
        var baseUrl = await StartAsync(new LocalHttpApi(HandleAsync) { RouteThrottle = new RateLimit(1, 2), TimeProvider = _time });
        (await PostAsync(baseUrl)).Dispose();
        (await PostAsync(baseUrl)).Dispose();

        // Act
        using var throttled = await PostAsync(baseUrl);
        var body = await throttled.Content.ReadAsStringAsync();

        // Assert
        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.Equal("Too Many Requests", JsonDocument.Parse(body).RootElement.GetProperty("message").GetString());
        Assert.Equal(2, _handled);
        Assert.Equal(1, _apis[0].QuotaCounts.RouteThrottled);
    }

    [Fact]
    public async Task Post_WhenTimePassesAfterAThrottle_ShouldAdmitAtTheStageRate()
    {
        var baseUrl = await StartAsync(new LocalHttpApi(HandleAsync) { RouteThrottle = new RateLimit(20, 1), TimeProvider = _time });
        (await PostAsync(baseUrl)).Dispose();
        using var throttled = await PostAsync(baseUrl);

        _time.Advance(TimeSpan.FromMilliseconds(50));
        using var admitted = await PostAsync(baseUrl);

        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, admitted.StatusCode);
    }

    [Fact]
    public async Task Get_WhenThePostRouteIsThrottled_ShouldHaveItsOwnBucket()
    {
        var baseUrl = await StartAsync(new LocalHttpApi(HandleAsync) { RouteThrottle = new RateLimit(1, 1), TimeProvider = _time });
        (await PostAsync(baseUrl)).Dispose();

        using var status = await _http.GetAsync(new Uri(baseUrl + "/studies/STUDY-0123456789ab"));

        Assert.Equal(HttpStatusCode.Accepted, status.StatusCode);
    }

    [Fact]
    public async Task Post_WhenEveryConcurrentExecutionIsBusy_ShouldAnswer500InternalServerErrorUntilOneEnds()
    {
        // Arrange: one execution allowed, held inside the handler.
        var baseUrl = await StartAsync(new LocalHttpApi(HandleAsync) { FunctionConcurrency = new ConcurrencyLimit(1) });
        _holdHandler = true;
        var first = PostAsync(baseUrl);
        await WaitUntilAsync(() => _apis[0].FunctionConcurrency.InUse == 1);

        // Act
        using var refused = await PostAsync(baseUrl);
        var body = await refused.Content.ReadAsStringAsync();
        _release.SetResult();
        using var firstAnswer = await first;
        using var afterwards = await PostAsync(baseUrl);

        // Assert
        Assert.Equal(HttpStatusCode.InternalServerError, refused.StatusCode);
        Assert.Equal("Internal Server Error", JsonDocument.Parse(body).RootElement.GetProperty("message").GetString());
        Assert.Equal(HttpStatusCode.Accepted, firstAnswer.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, afterwards.StatusCode);
        Assert.Equal(2, _handled);
        Assert.Equal(1, _apis[0].QuotaCounts.ConcurrencyRefused);
    }

    [Fact]
    public async Task Post_WhenTheIntegrationTimesOut_ShouldHoldTheExecutionUntilTheHandlerEnds()
    {
        var baseUrl = await StartAsync(new LocalHttpApi(HandleAsync) { FunctionConcurrency = new ConcurrencyLimit(1), IntegrationTimeout = TimeSpan.FromMilliseconds(100) });
        _holdHandler = true;

        using var timedOut = await PostAsync(baseUrl);
        using var stillBusy = await PostAsync(baseUrl);
        _release.SetResult();
        await WaitUntilAsync(() => _apis[0].FunctionConcurrency.InUse == 0);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, timedOut.StatusCode);
        Assert.Equal(HttpStatusCode.InternalServerError, stillBusy.StatusCode);
    }

    public async ValueTask DisposeAsync()
    {
        _release.TrySetResult();
        _http.Dispose();
        foreach (var api in _apis)
        {
            await api.DisposeAsync();
        }
    }

    private async Task<Uri> StartAsync(LocalHttpApi api)
    {
        _apis.Add(api);
        return await api.StartAsync(0, CancellationToken.None);
    }

    private async Task<Stream> HandleAsync(Stream input)
    {
        if (_holdHandler)
        {
            await _release.Task;
        }

        Interlocked.Increment(ref _handled);
        var response = new HttpApiResponse { StatusCode = 202, Headers = new Dictionary<string, string>(StringComparer.Ordinal), Body = """{"study_id":"STUDY-0123456789ab"}""" };
        return new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(response, HttpJsonContext.Default.HttpApiResponse));
    }

    private Task<HttpResponseMessage> PostAsync(Uri baseUrl) =>
        _http.PostAsync(new Uri(baseUrl + "/upload"), new StringContent(Body, Encoding.UTF8, "application/json"));

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        while (!condition())
        {
            await Task.Delay(10, timeout.Token);
        }
    }
}

using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using StrokeIngestion.Core.Aws;
using StrokeIngestion.Core.Domain;
using StrokeIngestion.Core.Errors;
using StrokeIngestion.Sandbox.Emulators;
using StrokeIngestion.Sandbox.Faults;

namespace StrokeIngestion.EndToEnd.Tests.Faults;

/// <summary>Relaying, rates, latency, runtime changes and shutdown of the proxy itself.</summary>
public sealed class FaultInjectingProxyTests(EmulatorsFixture emulators) : IClassFixture<EmulatorsFixture>
{
    private static readonly Dictionary<string, FaultProfile> InvalidProfiles = new(StringComparer.Ordinal)
    {
        ["negative rate"] = new() { ThrottleRate = -0.1 },
        ["rate above one"] = new() { ServerErrorRate = 1.5 },
        ["rate not a number"] = new() { LatencyRate = double.NaN },
        ["rates summing above one"] = new() { ThrottleRate = 0.6, ServerErrorRate = 0.3, ServerErrorAfterForwardRate = 0.2 },
        ["minimum above maximum"] = new() { MinLatency = TimeSpan.FromSeconds(2), MaxLatency = TimeSpan.FromSeconds(1) },
        ["negative latency"] = new() { MinLatency = TimeSpan.FromSeconds(-1) },
    };

    [Fact]
    public async Task Proxy_WhenRelaying_ShouldPassHostSignatureRawPathAndBodyUnchanged()
    {
        await using var upstream = new RecordingUpstream(
            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nETag: \"abc\"\r\nx-amz-request-id: REQ1\r\nConnection: close\r\n\r\nhello");
        await using var proxy = await FaultInjectingProxy.StartAsync(upstream.Endpoint, FaultTarget.S3);
        using var client = new HttpClient();
        var body = new byte[200_000];
        new Random(3).NextBytes(body);
        const string target = "/bucket/uploads/a%2Fb%20c%2Bd.dcm?x-id=PutObject&prefix=a%2F";
        const string authorization = "AWS4-HMAC-SHA256 Credential=S3RVER/20261125/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=0123";
        using var request = new HttpRequestMessage(HttpMethod.Put, new Uri(proxy.Endpoint, target)) { Content = new ByteArrayContent(body) };
        request.Headers.TryAddWithoutValidation("Authorization", authorization);
        request.Headers.Add("X-Amz-Date", "20261125T120000Z");
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/dicom");

        using var response = await client.SendAsync(request);
        var seen = await upstream.Request;

        Assert.Equal($"PUT {target} HTTP/1.1", seen.RequestLine);
        Assert.Equal([$"127.0.0.1:{proxy.Port}"], seen.Header("Host"));
        Assert.Equal([authorization], seen.Header("Authorization"));
        Assert.Equal(["20261125T120000Z"], seen.Header("X-Amz-Date"));
        Assert.Equal(["application/dicom"], seen.Header("Content-Type"));
        Assert.Equal(body, seen.Body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("\"abc\"", response.Headers.ETag?.Tag);
        Assert.Equal(["REQ1"], response.Headers.GetValues("x-amz-request-id"));
        Assert.Equal("hello", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task StudyStore_WhenTheUpstreamIsDown_ShouldThrowUnthrottledTransientDependencyException()
    {
        await using var proxy = await FaultInjectingProxy.StartAsync(new Uri($"http://127.0.0.1:{ClosedPort()}/"), FaultTarget.DynamoDb);
        using var client = EmulatorResources.CreateDynamoDbClient(proxy.Endpoint);
        var store = SdkClients.CreateStudyStore(client, "stroke-detection-ai-study-metadata");

        var error = await Assert.ThrowsAsync<TransientDependencyException>(() => store.GetAsync(StudyId.FromScope("down"), CancellationToken.None));

        Assert.False(error.Throttled);
        Assert.Equal(3, proxy.Counters.For("GetItem").UpstreamFailures);
    }

    [SkippableFact]
    public async Task Latency_WhenInjected_ShouldDelayEachCallByAtLeastTheMinimum()
    {
        var dynalite = await emulators.DynamoDbAsync();
        var minimum = TimeSpan.FromMilliseconds(250);
        await using var proxy = await FaultTestClients.ProxyAsync(
            dynalite,
            FaultTarget.DynamoDb,
            new FaultProfile { LatencyRate = 1, MinLatency = minimum, MaxLatency = TimeSpan.FromMilliseconds(400) });
        using var client = FaultTestClients.DynamoDb(proxy.Endpoint, maxErrorRetry: 0);

        var elapsed = new List<TimeSpan>();
        for (var i = 0; i < 3; i++)
        {
            var watch = Stopwatch.StartNew();
            await client.ListTablesAsync(new ListTablesRequest());
            elapsed.Add(watch.Elapsed);
        }

        Assert.All(elapsed, e => Assert.True(e >= minimum, $"A call took {e.TotalMilliseconds} ms."));
        Assert.Equal(3, proxy.Counters.For("ListTables").Delayed);
        Assert.Equal(3, proxy.Counters.For("ListTables").Forwarded);
    }

    [SkippableFact]
    public async Task ThrottleRate_WhenTwentyPercentOverTwoHundredCalls_ShouldFaultAboutAFifthAndRepeatForTheSameSeed()
    {
        var dynalite = await emulators.DynamoDbAsync();

        var (first, firstCounts) = await ThrottleSequenceAsync(dynalite, seed: 2024);
        var (second, _) = await ThrottleSequenceAsync(dynalite, seed: 2024);

        var throttled = first.Count(t => t);
        Assert.InRange(throttled, 25, 55);
        Assert.Equal(first, second);
        Assert.Equal(200, firstCounts.Requests);
        Assert.Equal(throttled, firstCounts.Throttled);
        Assert.Equal(200 - throttled, firstCounts.Forwarded);
    }

    [SkippableFact]
    public async Task Operations_WhenFaultsAreLimitedToPutItem_ShouldLeaveOtherOperationsAlone()
    {
        var dynalite = await emulators.DynamoDbAsync();
        await using var proxy = await FaultTestClients.ProxyAsync(
            dynalite,
            FaultTarget.DynamoDb,
            FaultProfile.Throttling(1) with { Operations = new HashSet<string>(StringComparer.Ordinal) { "PutItem" } });
        using var client = FaultTestClients.DynamoDb(proxy.Endpoint, maxErrorRetry: 0);

        await client.ListTablesAsync(new ListTablesRequest());
        await Assert.ThrowsAsync<ProvisionedThroughputExceededException>(() => client.PutItemAsync(new PutItemRequest
        {
            TableName = "any",
            Item = new() { ["study_id"] = new AttributeValue { S = "STUDY-000000000009" } },
        }));

        Assert.Equal(0, proxy.Counters.For("ListTables").InjectedErrors);
        Assert.Equal(1, proxy.Counters.For("PutItem").Throttled);
    }

    [SkippableFact]
    public async Task Profile_WhenReplacedAtRuntime_ShouldApplyFromTheNextRequest()
    {
        var dynalite = await emulators.DynamoDbAsync();
        await using var proxy = await FaultTestClients.ProxyAsync(dynalite, FaultTarget.DynamoDb, FaultProfile.ServerErrors(1));
        using var client = FaultTestClients.DynamoDb(proxy.Endpoint, maxErrorRetry: 0);

        await Assert.ThrowsAnyAsync<AmazonDynamoDBException>(() => client.ListTablesAsync(new ListTablesRequest()));
        proxy.Profile = FaultProfile.None;
        var served = await client.ListTablesAsync(new ListTablesRequest());

        Assert.Equal(HttpStatusCode.OK, served.HttpStatusCode);
        Assert.Equal(new FaultCounts(2, 1, 0, 1, 0, 0, 0), proxy.Counters.For("ListTables"));
    }

    [SkippableFact]
    public async Task DisposeAsync_WhenARequestIsInFlight_ShouldEndItPromptlyAndStopListening()
    {
        var dynalite = await emulators.DynamoDbAsync();
        var proxy = await FaultTestClients.ProxyAsync(dynalite, FaultTarget.DynamoDb, FaultProfile.FixedLatency(TimeSpan.FromMinutes(2)));
        using var client = FaultTestClients.DynamoDb(proxy.Endpoint, maxErrorRetry: 0);
        var pending = client.ListTablesAsync(new ListTablesRequest());
        await WaitUntilAsync(() => proxy.Counters.Total.Delayed == 1);

        var watch = Stopwatch.StartNew();
        await proxy.DisposeAsync();
        var failure = await Record.ExceptionAsync(() => pending);

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"Dispose and the pending call took {watch.Elapsed}.");
        Assert.NotNull(failure);
        using var tcp = new TcpClient();
        await Assert.ThrowsAnyAsync<SocketException>(() => tcp.ConnectAsync(IPAddress.Loopback, proxy.Port));
    }

    [Theory]
    [InlineData("negative rate")]
    [InlineData("rate above one")]
    [InlineData("rate not a number")]
    [InlineData("rates summing above one")]
    [InlineData("minimum above maximum")]
    [InlineData("negative latency")]
    public async Task Profile_WhenInvalid_ShouldBeRefused(string invalid)
    {
        await using var proxy = await FaultInjectingProxy.StartAsync(new Uri("http://127.0.0.1:9/"), FaultTarget.S3);

        Assert.Throws<ArgumentException>(() => proxy.Profile = InvalidProfiles[invalid]);
        Assert.Equal(FaultProfile.None, proxy.Profile);
    }

    private static async Task<(List<bool> Throttled, FaultCounts Counts)> ThrottleSequenceAsync(Uri dynalite, int seed)
    {
        await using var proxy = await FaultTestClients.ProxyAsync(dynalite, FaultTarget.DynamoDb, FaultProfile.Throttling(0.2), seed);
        using var client = FaultTestClients.DynamoDb(proxy.Endpoint, maxErrorRetry: 0);
        var throttled = new List<bool>();
        for (var i = 0; i < 200; i++)
        {
            var error = await Record.ExceptionAsync(() => client.ListTablesAsync(new ListTablesRequest()));
            throttled.Add(error is not null && (error as AmazonDynamoDBException)?.ErrorCode == "ProvisionedThroughputExceededException");
        }

        return (throttled, proxy.Counters.Total);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (!condition())
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20), deadline.Token);
        }
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

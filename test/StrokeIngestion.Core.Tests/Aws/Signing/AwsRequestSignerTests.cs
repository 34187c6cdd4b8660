using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Amazon.Runtime;
using Microsoft.Extensions.Time.Testing;
using StrokeIngestion.Core.Aws.Signing;

namespace StrokeIngestion.Core.Tests.Aws.Signing;

public sealed class AwsRequestSignerTests
{
    private const string AccessKey = "AKIDEXAMPLE";
    private const string SecretKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private static readonly DateTimeOffset Now = new(2024, 1, 2, 3, 4, 5, TimeSpan.Zero);

    [Fact]
    public void Sign_ForAwsPublishedGetVanillaExample_ShouldReproduceItsSignature()
    {
        // AWS's SigV4 test suite, "get-vanilla": proves the reference the other tests check against.
        var headers = new Dictionary<string, string>
        {
            ["host"] = "example.amazonaws.com",
            ["x-amz-date"] = "20150830T123600Z",
        };

        var signature = SigV4Reference.Sign(SecretKey, "us-east-1", "service", "GET", "/", headers, ["host", "x-amz-date"], []);

        Assert.Equal("5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31", signature);
    }

    [Fact]
    public async Task SignAsync_WithFixedKeysAndTime_ShouldProduceSignatureTheReferenceRecomputes()
    {
        var signer = Signer("medical-imaging", "eu-west-2", AwsCredentialsSource.Fixed(AccessKey, SecretKey));
        using var request = Post("https://medical-imaging.eu-west-2.amazonaws.com/startDICOMImportJob/datastore/0123456789abcdef0123456789abcdef", "{\"a\":1}");

        await signer.SignAsync(request, CancellationToken.None);

        var authorization = await AssertValidAsync(request);
        Assert.Equal(AccessKey, authorization.AccessKey);
        Assert.Equal("20240102", authorization.Date);
        Assert.Equal("eu-west-2", authorization.Region);
        Assert.Equal("medical-imaging", authorization.Service);
        Assert.Equal(["content-type", "host", "x-amz-content-sha256", "x-amz-date"], authorization.SignedHeaders);
    }

    [Fact]
    public async Task SignAsync_ShouldStampDateHostAndPayloadHash()
    {
        var signer = Signer("states", "us-east-1", AwsCredentialsSource.Fixed(AccessKey, SecretKey));
        using var request = Post("https://states.us-east-1.amazonaws.com/", "{}");

        await signer.SignAsync(request, CancellationToken.None);

        Assert.Equal("20240102T030405Z", Single(request, "X-Amz-Date"));
        Assert.Equal("states.us-east-1.amazonaws.com", request.Headers.Host);
        Assert.Equal(SigV4Reference.Hex(SHA256.HashData("{}"u8.ToArray())), Single(request, "X-Amz-Content-SHA256"));
    }

    [Fact]
    public async Task SignAsync_WithSessionCredentials_ShouldSendAndSignTheSecurityToken()
    {
        var signer = Signer("states", "us-east-1", AwsCredentialsSource.Fixed(AccessKey, SecretKey, "session-token"));
        using var request = Post("https://states.us-east-1.amazonaws.com/", "{}");

        await signer.SignAsync(request, CancellationToken.None);

        Assert.Equal("session-token", Single(request, "X-Amz-Security-Token"));
        Assert.Contains("x-amz-security-token", (await AssertValidAsync(request)).SignedHeaders);
    }

    [Fact]
    public async Task SignAsync_WithLongTermCredentials_ShouldSendNoSecurityToken()
    {
        var signer = Signer("states", "us-east-1", AwsCredentialsSource.Fixed(AccessKey, SecretKey));
        using var request = Post("https://states.us-east-1.amazonaws.com/", "{}");

        await signer.SignAsync(request, CancellationToken.None);

        Assert.False(request.Headers.Contains("X-Amz-Security-Token"));
    }

    [Fact]
    public async Task SignAsync_WhenPathSegmentIsPercentEncoded_ShouldSignTheDoubleEncodedPath()
    {
        var signer = Signer("medical-imaging", "us-east-1", AwsCredentialsSource.Fixed(AccessKey, SecretKey));
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://127.0.0.1:8080/job/a%20b%2Fc~d");

        await signer.SignAsync(request, CancellationToken.None);

        Assert.Equal("127.0.0.1:8080", request.Headers.Host);
        await AssertValidAsync(request);
    }

    [Fact]
    public async Task SignAsync_WithExtraHeader_ShouldSignIt()
    {
        var signer = Signer("states", "us-east-1", AwsCredentialsSource.Fixed(AccessKey, SecretKey));
        using var request = Post("https://states.us-east-1.amazonaws.com/", "{}");
        request.Headers.TryAddWithoutValidation("X-Amz-Target", "AWSStepFunctions.StartExecution");

        await signer.SignAsync(request, CancellationToken.None);

        Assert.Contains("x-amz-target", (await AssertValidAsync(request)).SignedHeaders);
    }

    [Fact]
    public async Task SignAsync_WhenSignedTwice_ShouldKeepOneValueOfEachHeader()
    {
        var time = new FakeTimeProvider(Now);
        var signer = new AwsRequestSigner("states", "us-east-1", AwsCredentialsSource.Fixed(AccessKey, SecretKey, "token"), time);
        using var request = Post("https://states.us-east-1.amazonaws.com/", "{}");
        await signer.SignAsync(request, CancellationToken.None);
        time.Advance(TimeSpan.FromMinutes(1));

        await signer.SignAsync(request, CancellationToken.None);

        Assert.Equal("20240102T030505Z", Single(request, "X-Amz-Date"));
        Assert.Single(request.Headers.GetValues("Authorization"));
        Assert.Single(request.Headers.GetValues("X-Amz-Security-Token"));
        await AssertValidAsync(request);
    }

    [Fact]
    public async Task SignAsync_WhenCredentialsRotate_ShouldSignEachRequestWithTheCurrentKeys()
    {
        var issued = 0;
        var credentials = AwsCredentialsSource.From(_ =>
        {
            issued++;
            return Task.FromResult(new ImmutableCredentials($"ASIA{issued}", SecretKey, $"token-{issued}"));
        });
        var signer = Signer("states", "us-east-1", credentials);
        using var first = Post("https://states.us-east-1.amazonaws.com/", "{}");
        using var second = Post("https://states.us-east-1.amazonaws.com/", "{}");

        await signer.SignAsync(first, CancellationToken.None);
        await signer.SignAsync(second, CancellationToken.None);

        Assert.Equal("ASIA1", (await AssertValidAsync(first)).AccessKey);
        Assert.Equal("ASIA2", (await AssertValidAsync(second)).AccessKey);
        Assert.Equal("token-2", Single(second, "X-Amz-Security-Token"));
    }

    [Fact]
    public async Task SignAsync_WhenUriHasQueryString_ShouldThrowArgumentException()
    {
        var signer = Signer("medical-imaging", "us-east-1", AwsCredentialsSource.Fixed(AccessKey, SecretKey));
        using var request = new HttpRequestMessage(HttpMethod.Get, "https://medical-imaging.us-east-1.amazonaws.com/list?maxResults=1");

        await Assert.ThrowsAsync<ArgumentException>(() => signer.SignAsync(request, CancellationToken.None));
    }

    private static AwsRequestSigner Signer(string service, string region, AwsCredentialsSource credentials)
        => new(service, region, credentials, new FakeTimeProvider(Now));

    private static HttpRequestMessage Post(string uri, string json)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(json));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return new HttpRequestMessage(HttpMethod.Post, uri) { Content = content };
    }

    private static string Single(HttpRequestMessage request, string header) => Assert.Single(request.Headers.GetValues(header));

    private static async Task<SigV4Authorization> AssertValidAsync(HttpRequestMessage request)
    {
        var uri = Assert.IsType<Uri>(request.RequestUri);
        var headers = request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => string.Join(",", h.Value), StringComparer.OrdinalIgnoreCase);
        if (request.Content?.Headers.ContentType is { } contentType)
        {
            headers["content-type"] = contentType.ToString();
        }

        var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync();
        var recorded = new RecordedRequest(request.Method.Method, uri.AbsolutePath, headers, body);
        return SigV4Reference.AssertValidSignature(recorded, SecretKey);
    }
}

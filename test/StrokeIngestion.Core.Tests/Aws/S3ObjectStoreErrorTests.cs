using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Moq;
using StrokeIngestion.Core.Aws.S3;
using StrokeIngestion.Core.Errors;
using StrokeIngestion.Core.Ports;

namespace StrokeIngestion.Core.Tests.Aws;

/// <summary>How the S3 adapter translates what the SDK throws, with the client mocked.</summary>
public sealed class S3ObjectStoreErrorTests
{
    private const string Bucket = "uploads-bucket";

    // Keys can hold file names, and file names can hold patient names.
    private const string PhiKey = "uploads/DOE_JANE_1970-01-01/scan.dcm";

    private static readonly StoredObject Source = new(PhiKey, 1000, "\"etag-1\"", VersionId: null);

    private readonly Mock<IAmazonS3> _s3 = new(MockBehavior.Strict);

    [Theory]
    [InlineData(503, "SlowDown", true)]
    [InlineData(503, "ServiceUnavailable", true)]
    [InlineData(429, "TooManyRequests", true)]
    [InlineData(500, "InternalError", false)]
    [InlineData(502, "", false)]
    [InlineData(400, "RequestTimeout", false)]
    public async Task GetInfoAsync_WhenS3AnswersRetryably_ShouldThrowTransientWithThrottledFlag(int status, string code, bool throttled)
    {
        SetupHead().ThrowsAsync(ServiceError(status, code));

        var error = await Assert.ThrowsAsync<TransientDependencyException>(
            () => Store().GetInfoAsync(PhiKey, CancellationToken.None));

        Assert.Equal(throttled, error.Throttled);
        Assert.Equal(Dependency.S3, error.Dependency);
        Assert.IsType<AmazonS3Exception>(error.InnerException);
    }

    [Theory]
    [InlineData(403, "AccessDenied")]
    [InlineData(400, "InvalidRequest")]
    [InlineData(404, "NoSuchBucket")]
    [InlineData(301, "PermanentRedirect")]
    public async Task ListAsync_WhenS3RefusesTheRequest_ShouldThrowPermanentWithTheErrorCode(int status, string code)
    {
        _s3.Setup(s => s.ListObjectsV2Async(It.IsAny<ListObjectsV2Request>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(ServiceError(status, code));

        var error = await Assert.ThrowsAsync<DependencyException>(
            () => Store().ListAsync("uploads/DOE_JANE/", 10, CancellationToken.None));

        Assert.IsNotType<TransientDependencyException>(error);
        Assert.Equal(code, error.ErrorCode);
    }

    [Fact]
    public async Task GetInfoAsync_WhenConnectionFails_ShouldThrowTransient()
    {
        SetupHead().ThrowsAsync(new HttpRequestException("Connection refused"));

        var error = await Assert.ThrowsAsync<TransientDependencyException>(
            () => Store().GetInfoAsync(PhiKey, CancellationToken.None));

        Assert.False(error.Throttled);
        Assert.Equal("ConnectionFailure", error.ErrorCode);
    }

    [Fact]
    public async Task ReadRangeAsync_WhenResponseBreaksOff_ShouldThrowTransient()
    {
        _s3.Setup(s => s.GetObjectAsync(It.IsAny<GetObjectRequest>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new IOException("The response ended prematurely."));

        var error = await Assert.ThrowsAsync<TransientDependencyException>(
            () => Store().ReadRangeAsync(Source, 0, 132, CancellationToken.None));

        Assert.False(error.Throttled);
    }

    [Fact]
    public async Task CopyAsync_WhenHttpClientTimesOut_ShouldThrowTransientTimeout()
    {
        _s3.Setup(s => s.CopyObjectAsync(It.IsAny<CopyObjectRequest>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout", new TimeoutException()));

        var error = await Assert.ThrowsAsync<TransientDependencyException>(
            () => Store().CopyAsync(Source, "imports/STUDY-0123456789ab/scan.dcm", CancellationToken.None));

        Assert.Equal("Timeout", error.ErrorCode);
        Assert.False(error.Throttled);
    }

    [Fact]
    public async Task GetInfoAsync_WhenCallerCancels_ShouldLetTheCancellationThrough()
    {
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();
        SetupHead().ThrowsAsync(new TaskCanceledException("canceled", null, cancellation.Token));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => Store().GetInfoAsync(PhiKey, cancellation.Token));
    }

    [Fact]
    public async Task GetInfoAsync_WhenClientWrapsANetworkFailure_ShouldThrowTransient()
    {
        SetupHead().ThrowsAsync(new AmazonClientException("request failed", new HttpRequestException("reset")));

        var error = await Assert.ThrowsAsync<TransientDependencyException>(
            () => Store().GetInfoAsync(PhiKey, CancellationToken.None));

        Assert.Equal("ConnectionFailure", error.ErrorCode);
    }

    [Fact]
    public async Task GetInfoAsync_WhenCredentialsCannotBeResolved_ShouldThrowPermanent()
    {
        SetupHead().ThrowsAsync(new AmazonClientException("Failed to resolve AWS credentials."));

        var error = await Assert.ThrowsAsync<DependencyException>(
            () => Store().GetInfoAsync(PhiKey, CancellationToken.None));

        Assert.IsNotType<TransientDependencyException>(error);
        Assert.Equal("ClientError", error.ErrorCode);
    }

    [Fact]
    public async Task GetInfoAsync_WhenFailing_ShouldKeepTheKeyOutOfTheMessage()
    {
        SetupHead().ThrowsAsync(ServiceError(403, "AccessDenied", $"Access denied for {PhiKey}"));
        SetupListing(PhiKey);

        var error = await Assert.ThrowsAsync<DependencyException>(
            () => Store().GetInfoAsync(PhiKey, CancellationToken.None));

        Assert.DoesNotContain("DOE_JANE", error.Message, StringComparison.Ordinal);
        Assert.Contains("AccessDenied", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetInfoAsync_WhenS3Answers403AndTheKeyIsNotListed_ShouldReturnNull()
    {
        // S3's answer to HEAD of a missing key for a caller without bucket-wide ListBucket.
        SetupHead().ThrowsAsync(ServiceError(403, "Forbidden"));
        var listed = SetupListing("uploads/DOE_JANE_1970-01-01/scan.dcm.bak");

        Assert.Null(await Store().GetInfoAsync(PhiKey, CancellationToken.None));
        Assert.Equal(PhiKey, listed().Prefix);
        Assert.Equal(1, listed().MaxKeys);
    }

    [Fact]
    public async Task GetInfoAsync_WhenS3Answers403AndTheKeyIsListed_ShouldThrowPermanentAccessDenied()
    {
        SetupHead().ThrowsAsync(ServiceError(403, "Forbidden"));
        SetupListing(PhiKey);

        var error = await Assert.ThrowsAsync<DependencyException>(
            () => Store().GetInfoAsync(PhiKey, CancellationToken.None));

        Assert.IsNotType<TransientDependencyException>(error);
    }

    [Fact]
    public async Task GetInfoAsync_WhenS3Answers403AndListingIsDeniedToo_ShouldThrowTheReadsError()
    {
        SetupHead().ThrowsAsync(ServiceError(403, "Forbidden"));
        _s3.Setup(s => s.ListObjectsV2Async(It.IsAny<ListObjectsV2Request>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(ServiceError(403, "AccessDenied"));

        var error = await Assert.ThrowsAsync<DependencyException>(
            () => Store().GetInfoAsync(PhiKey, CancellationToken.None));

        Assert.Equal("Forbidden", error.ErrorCode);
        Assert.Contains("HeadObject", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadTextAsync_WhenS3Answers403AccessDeniedAndTheKeyIsNotListed_ShouldReturnNull()
    {
        _s3.Setup(s => s.GetObjectAsync(It.IsAny<GetObjectRequest>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(ServiceError(403, "AccessDenied", "Access Denied"));
        SetupListing();

        Assert.Null(await Store().ReadTextAsync("import-output/STUDY-1/job/job-output-manifest.json", CancellationToken.None));
    }

    [Fact]
    public async Task ReadTextAsync_WhenS3Answers403AccessDeniedAndTheKeyIsListed_ShouldThrowAccessDenied()
    {
        const string key = "import-output/STUDY-1/job/job-output-manifest.json";
        _s3.Setup(s => s.GetObjectAsync(It.IsAny<GetObjectRequest>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(ServiceError(403, "AccessDenied", "Access Denied"));
        SetupListing(key);

        var error = await Assert.ThrowsAsync<DependencyException>(() => Store().ReadTextAsync(key, CancellationToken.None));

        Assert.Equal("AccessDenied", error.ErrorCode);
    }

    [Fact]
    public async Task GetInfoAsync_WhenObjectMissing_ShouldReturnNull()
    {
        SetupHead().ThrowsAsync(ServiceError(404, "NotFound"));

        Assert.Null(await Store().GetInfoAsync(PhiKey, CancellationToken.None));
    }

    [Fact]
    public async Task ReadTextAsync_WhenObjectMissing_ShouldReturnNull()
    {
        _s3.Setup(s => s.GetObjectAsync(It.IsAny<GetObjectRequest>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(ServiceError(404, "NoSuchKey"));

        Assert.Null(await Store().ReadTextAsync("import-output/x/job-output-manifest.json", CancellationToken.None));
    }

    [Fact]
    public async Task ReadTextAsync_WhenObjectIsHuge_ShouldRefuseIt()
    {
        _s3.Setup(s => s.GetObjectAsync(It.IsAny<GetObjectRequest>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new GetObjectResponse { ContentLength = S3ObjectStore.MaxTextBytes + 1, ResponseStream = new MemoryStream() });

        var error = await Assert.ThrowsAsync<DependencyException>(
            () => Store().ReadTextAsync("import-output/x/job-output-manifest.json", CancellationToken.None));

        Assert.Equal("ObjectTooLarge", error.ErrorCode);
    }

    [Fact]
    public async Task ReadRangeAsync_WhenObjectShrankBelowTheOffset_ShouldReturnEmpty()
    {
        _s3.Setup(s => s.GetObjectAsync(It.IsAny<GetObjectRequest>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(ServiceError(416, "InvalidRange"));

        var bytes = await Store().ReadRangeAsync(Source, 128, 4, CancellationToken.None);

        Assert.Empty(bytes);
    }

    [Fact]
    public async Task ReadRangeAsync_WhenObjectWasDeleted_ShouldThrowPermanent()
    {
        _s3.Setup(s => s.GetObjectAsync(It.IsAny<GetObjectRequest>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(ServiceError(404, "NoSuchKey"));

        var error = await Assert.ThrowsAsync<DependencyException>(
            () => Store().ReadRangeAsync(Source, 0, 4, CancellationToken.None));

        Assert.Equal("NoSuchKey", error.ErrorCode);
    }

    [Fact]
    public async Task ReadRangeAsync_WhenServerIgnoresTheRange_ShouldStillReturnTheRequestedWindow()
    {
        var content = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        _s3.Setup(s => s.GetObjectAsync(It.IsAny<GetObjectRequest>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new GetObjectResponse { HttpStatusCode = HttpStatusCode.OK, ContentLength = 256, ResponseStream = new MemoryStream(content) });

        var bytes = await Store().ReadRangeAsync(Source with { Size = 256 }, 128, 4, CancellationToken.None);

        Assert.Equal(new byte[] { 128, 129, 130, 131 }, bytes);
    }

    [Fact]
    public async Task ReadRangeAsync_WhenVersionKnown_ShouldPinItAndAskForTheInclusiveRange()
    {
        GetObjectRequest? sent = null;
        _s3.Setup(s => s.GetObjectAsync(It.IsAny<GetObjectRequest>(), It.IsAny<CancellationToken>()))
            .Callback<GetObjectRequest, CancellationToken>((request, _) => sent = request)
            .ReturnsAsync(new GetObjectResponse { HttpStatusCode = HttpStatusCode.PartialContent, ResponseStream = new MemoryStream(new byte[4]) });

        await Store().ReadRangeAsync(Source with { VersionId = "v7" }, 128, 4, CancellationToken.None);

        Assert.NotNull(sent);
        Assert.Equal("v7", sent.VersionId);
        Assert.Equal(128, sent.ByteRange.Start);
        Assert.Equal(131, sent.ByteRange.End);
    }

    [Fact]
    public async Task CopyAsync_WhenVersionKnown_ShouldCopyExactlyThatVersion()
    {
        var sent = CaptureCopy();

        await Store().CopyAsync(Source with { VersionId = "v7" }, "imports/STUDY-0123456789ab/scan.dcm", CancellationToken.None);

        Assert.Equal("v7", sent().SourceVersionId);
        Assert.Null(sent().ETagToMatch);
        Assert.Equal(Bucket, sent().SourceBucket);
        Assert.Equal(Bucket, sent().DestinationBucket);
    }

    [Fact]
    public async Task CopyAsync_WhenNoVersion_ShouldRequireTheValidatedETag()
    {
        var sent = CaptureCopy();

        await Store().CopyAsync(Source, "imports/STUDY-0123456789ab/scan.dcm", CancellationToken.None);

        Assert.Null(sent().SourceVersionId);
        Assert.Equal("\"etag-1\"", sent().ETagToMatch);
    }

    [Fact]
    public async Task CopyAsync_WhenObjectChangedSinceValidation_ShouldThrowPermanent()
    {
        _s3.Setup(s => s.CopyObjectAsync(It.IsAny<CopyObjectRequest>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(ServiceError(412, "PreconditionFailed"));

        var error = await Assert.ThrowsAsync<DependencyException>(
            () => Store().CopyAsync(Source, "imports/STUDY-0123456789ab/scan.dcm", CancellationToken.None));

        Assert.IsNotType<TransientDependencyException>(error);
        Assert.Equal("PreconditionFailed", error.ErrorCode);
    }

    private S3ObjectStore Store() => new(_s3.Object, Bucket);

    private Moq.Language.Flow.ISetup<IAmazonS3, Task<GetObjectMetadataResponse>> SetupHead() =>
        _s3.Setup(s => s.GetObjectMetadataAsync(It.IsAny<GetObjectMetadataRequest>(), It.IsAny<CancellationToken>()));

    private Func<ListObjectsV2Request> SetupListing(params string[] keys)
    {
        ListObjectsV2Request? sent = null;
        _s3.Setup(s => s.ListObjectsV2Async(It.IsAny<ListObjectsV2Request>(), It.IsAny<CancellationToken>()))
            .Callback<ListObjectsV2Request, CancellationToken>((request, _) => sent = request)
            .ReturnsAsync(new ListObjectsV2Response { S3Objects = [.. keys.Select(k => new S3Object { Key = k, Size = 1 })] });
        return () => sent ?? throw new InvalidOperationException("ListObjectsV2 was not called.");
    }

    private Func<CopyObjectRequest> CaptureCopy()
    {
        CopyObjectRequest? sent = null;
        _s3.Setup(s => s.CopyObjectAsync(It.IsAny<CopyObjectRequest>(), It.IsAny<CancellationToken>()))
            .Callback<CopyObjectRequest, CancellationToken>((request, _) => sent = request)
            .ReturnsAsync(new CopyObjectResponse());
        return () => sent ?? throw new InvalidOperationException("CopyObject was not called.");
    }

    private static AmazonS3Exception ServiceError(int status, string code, string message = "S3 said no") =>
        new(message, status >= 500 ? ErrorType.Receiver : ErrorType.Sender, code, "request-1", (HttpStatusCode)status);
}

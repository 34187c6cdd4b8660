using System.Text;
using Amazon.S3.Model;
using StrokeIngestion.Core.Aws.S3;
using StrokeIngestion.Core.Errors;
using StrokeIngestion.Core.Ports;

namespace StrokeIngestion.Core.Tests.Aws;

/// <summary>The S3 adapter against s3rver over loopback: the wire behaviour is the point.</summary>
public sealed class S3ObjectStoreTests : IClassFixture<S3EmulatorFixture>
{
    private readonly S3EmulatorFixture _fixture;

    // Each test works under its own folder of the shared bucket.
    private readonly string _folder = $"t-{Guid.NewGuid():N}/";

    public S3ObjectStoreTests(S3EmulatorFixture fixture) => _fixture = fixture;

    [SkippableFact]
    public async Task GetInfoAsync_WhenObjectExists_ShouldReturnSizeAndETag()
    {
        _fixture.Require();
        var key = await PutAsync("study/a.dcm", Bytes(1000));

        var info = await Store().GetInfoAsync(key, CancellationToken.None);

        Assert.NotNull(info);
        Assert.Equal(key, info.Key);
        Assert.Equal(1000, info.Size);
        Assert.Matches("^\"[0-9a-f]{32}\"$", info.ETag);
    }

    [SkippableFact]
    public async Task GetInfoAsync_WhenObjectMissing_ShouldReturnNull()
    {
        _fixture.Require();

        var info = await Store().GetInfoAsync(_folder + "missing.dcm", CancellationToken.None);

        Assert.Null(info);
    }

    [SkippableFact]
    public async Task ListAsync_WhenMoreObjectsThanLimit_ShouldReturnFirstKeysInOrderAcrossPages()
    {
        _fixture.Require();
        foreach (var name in new[] { "e", "b", "d", "a", "c" })
        {
            await PutAsync($"series/{name}.dcm", Bytes(10));
        }

        var listed = await Store(listPageSize: 2).ListAsync(_folder + "series/", limit: 4, CancellationToken.None);

        Assert.Equal(
            ["a", "b", "c", "d"],
            listed.Select(o => Path.GetFileNameWithoutExtension(o.Key)));
        Assert.All(listed, o => Assert.Equal(10, o.Size));
    }

    [SkippableFact]
    public async Task ListAsync_WhenPagesAreSmall_ShouldReturnEveryObject()
    {
        _fixture.Require();
        for (var i = 0; i < 7; i++)
        {
            await PutAsync($"many/{i:D2}.dcm", Bytes(i + 1));
        }

        var listed = await Store(listPageSize: 3).ListAsync(_folder + "many/", limit: 100, CancellationToken.None);

        Assert.Equal(7, listed.Count);
        Assert.Equal(Enumerable.Range(1, 7).Select(i => (long)i), listed.Select(o => o.Size));
    }

    [SkippableFact]
    public async Task ListAsync_WhenFolderMarkersPresent_ShouldSkipThem()
    {
        _fixture.Require();
        await PutAsync("study/", []);
        await PutAsync("study/sub/", []);
        await PutAsync("study/sub/b.dcm", Bytes(20));
        await PutAsync("study/a.dcm", Bytes(10));

        // A page of two holds only markers at first: paging must carry on past them.
        var listed = await Store(listPageSize: 2).ListAsync(_folder + "study/", limit: 10, CancellationToken.None);

        Assert.Equal([_folder + "study/a.dcm", _folder + "study/sub/b.dcm"], listed.Select(o => o.Key));
    }

    [SkippableFact]
    public async Task ListAsync_WhenPrefixHasNoObjects_ShouldReturnEmpty()
    {
        _fixture.Require();

        var listed = await Store().ListAsync(_folder + "nothing/", limit: 5, CancellationToken.None);

        Assert.Empty(listed);
    }

    [SkippableFact]
    public async Task ReadRangeAsync_WhenRangeWithinObject_ShouldReturnExactlyThoseBytes()
    {
        _fixture.Require();
        var content = Bytes(1000);
        var source = await PutAndHeadAsync("a.dcm", content);

        var bytes = await Store().ReadRangeAsync(source, offset: 128, count: 132, CancellationToken.None);

        Assert.Equal(content[128..260], bytes);
    }

    [SkippableFact]
    public async Task ReadRangeAsync_WhenRangeRunsPastEnd_ShouldReturnTheBytesThatExist()
    {
        _fixture.Require();
        var content = Bytes(100);
        var source = await PutAndHeadAsync("short.dcm", content);

        var bytes = await Store().ReadRangeAsync(source, offset: 90, count: 64, CancellationToken.None);

        Assert.Equal(content[90..], bytes);
    }

    [SkippableFact]
    public async Task ReadRangeAsync_WhenOffsetIsPastEnd_ShouldReturnEmpty()
    {
        _fixture.Require();
        var source = await PutAndHeadAsync("tiny.dcm", Bytes(10));

        var bytes = await Store().ReadRangeAsync(source, offset: 132, count: 4, CancellationToken.None);

        Assert.Empty(bytes);
    }

    [SkippableFact]
    public async Task ReadRangeAsync_WhenObjectIsEmpty_ShouldReturnEmpty()
    {
        _fixture.Require();
        var source = await PutAndHeadAsync("empty.dcm", []);

        var bytes = await Store().ReadRangeAsync(source, offset: 0, count: 132, CancellationToken.None);

        Assert.Empty(bytes);
    }

    [SkippableFact]
    public async Task ReadRangeAsync_WhenObjectWasDeleted_ShouldThrowNotTransient()
    {
        _fixture.Require();
        var source = new StoredObject(_folder + "gone.dcm", 10, "\"0\"", VersionId: null);

        var error = await Assert.ThrowsAsync<DependencyException>(
            () => Store().ReadRangeAsync(source, 0, 10, CancellationToken.None));

        Assert.IsNotType<TransientDependencyException>(error);
        Assert.Equal("NoSuchKey", error.ErrorCode);
        Assert.DoesNotContain(source.Key, error.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task CopyAsync_WhenCopied_ShouldHoldTheSameBytesAtTheDestination()
    {
        _fixture.Require();
        var content = Bytes(4096);
        var source = await PutAndHeadAsync("uploads/a.dcm", content);
        var destination = _folder + "imports/STUDY-0123456789ab/a.dcm";

        await Store().CopyAsync(source, destination, CancellationToken.None);
        await Store().CopyAsync(source, destination, CancellationToken.None);

        var copied = await Store().GetInfoAsync(destination, CancellationToken.None);
        Assert.NotNull(copied);
        Assert.Equal(content, await Store().ReadRangeAsync(copied, 0, 8192, CancellationToken.None));
        Assert.Equal(source.ETag, copied.ETag);
    }

    [SkippableTheory]
    [InlineData("uploads/scan a+b=c.dcm")]
    [InlineData("uploads/ward;3,bed@2&x$.dcm")]
    public async Task CopyAsync_WhenKeyHasReservedCharacters_ShouldCopyThatObject(string key)
    {
        _fixture.Require();
        var content = Bytes(512);
        var source = await PutAndHeadAsync(key, content);
        var destination = _folder + "imports/STUDY-0123456789ab/00001.dcm";

        await Store().CopyAsync(source, destination, CancellationToken.None);

        var copied = await Store().GetInfoAsync(destination, CancellationToken.None);
        Assert.NotNull(copied);
        Assert.Equal(content, await Store().ReadRangeAsync(copied, 0, 1024, CancellationToken.None));
    }

    [SkippableFact]
    public async Task ReadTextAsync_WhenObjectMissing_ShouldReturnNull()
    {
        _fixture.Require();

        var text = await Store().ReadTextAsync(_folder + "job-output-manifest.json", CancellationToken.None);

        Assert.Null(text);
    }

    [SkippableFact]
    public async Task ReadTextAsync_WhenObjectExists_ShouldDecodeUtf8()
    {
        _fixture.Require();
        const string json = """{"jobSummary":{"jobId":"é1"}}""";
        var key = await PutAsync("job-output-manifest.json", Encoding.UTF8.GetBytes(json));

        var text = await Store().ReadTextAsync(key, CancellationToken.None);

        Assert.Equal(json, text);
    }

    private S3ObjectStore Store(int listPageSize = S3ObjectStore.MaxListPageSize) =>
        new(_fixture.Client, S3EmulatorFixture.BucketName, listPageSize);

    private async Task<string> PutAsync(string relativeKey, byte[] content)
    {
        var key = _folder + relativeKey;
        using var body = new MemoryStream(content);
        await _fixture.Client.PutObjectAsync(new PutObjectRequest
        {
            BucketName = S3EmulatorFixture.BucketName,
            Key = key,
            InputStream = body,

            // s3rver stores an aws-chunked body verbatim, frame headers included.
            UseChunkEncoding = false,
        });
        return key;
    }

    private async Task<StoredObject> PutAndHeadAsync(string relativeKey, byte[] content)
    {
        var key = await PutAsync(relativeKey, content);
        return await Store().GetInfoAsync(key, CancellationToken.None)
            ?? throw new InvalidOperationException("The object just written is missing.");
    }

    private static byte[] Bytes(int length)
    {
        var bytes = new byte[length];
        new Random(length).NextBytes(bytes);
        return bytes;
    }
}

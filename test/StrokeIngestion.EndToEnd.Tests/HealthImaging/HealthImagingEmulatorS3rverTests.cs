using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;
using StrokeIngestion.Sandbox.HealthImaging;

namespace StrokeIngestion.EndToEnd.Tests.HealthImaging;

/// <summary>The emulator's import path against a real S3 wire protocol (s3rver over loopback).</summary>
public sealed class HealthImagingEmulatorS3rverTests : IClassFixture<S3rverFixture>
{
    private const string Bucket = HealthImagingHarness.Bucket;
    private const string Study = "1.2.826.0.1.3680043.8.498.7";

    private readonly S3rverFixture _s3rver;

    public HealthImagingEmulatorS3rverTests(S3rverFixture s3rver)
    {
        _s3rver = s3rver;
    }

    [SkippableFact]
    public async Task Import_WhenInputLivesInS3_ShouldWriteManifestAndNdjsonThereFieldByField()
    {
        var s3 = await _s3rver.StartAsync();
        await EnsureBucketAsync(s3, Bucket);
        const string Input = "imports/STUDY-aaaaaaaaaaaa/";
        await S3rverFixture.PutAsync(s3, Bucket, Input + "ct-1.dcm", SyntheticDicom.Instance("PAT-9", Study, Study + ".1", Study + ".1.1"));
        await S3rverFixture.PutAsync(s3, Bucket, Input + "ct-2.dcm", SyntheticDicom.Instance("PAT-9", Study, Study + ".1", Study + ".1.2"));
        await S3rverFixture.PutAsync(s3, Bucket, Input + "cta/cta-1.dcm", SyntheticDicom.Instance("PAT-9", Study, Study + ".2", Study + ".2.1"));
        await S3rverFixture.PutAsync(s3, Bucket, Input + "readme.txt", SyntheticDicom.NotDicom());
        await S3rverFixture.PutAsync(s3, Bucket, "imports/STUDY-aaaaaaaaaaaab.dcm", SyntheticDicom.Instance("PAT-0", "9.9", "9.9.9", "9.9.9.9"));
        await using var harness = await HealthImagingHarness.StartAsync(storage: new S3ImportObjectStorage(s3));
        var jobId = await harness.StartJobAsync("s3rver-token", Input);

        var job = await harness.RunToEndAsync(jobId);

        Assert.Equal("COMPLETED", job.GetProperty("jobStatus").GetString());
        var outputUri = job.GetProperty("outputS3Uri").GetString();
        var outputPrefix = $"import-output/STUDY-0123456789ab/{HealthImagingHarness.DatastoreId}-DicomImport-{jobId}/";
        Assert.Equal($"s3://{Bucket}/{outputPrefix}", outputUri);

        var manifest = JsonDocument.Parse(await S3rverFixture.ReadTextAsync(s3, Bucket, outputPrefix + "job-output-manifest.json")).RootElement;
        var summary = manifest.GetProperty("jobSummary");
        Assert.Equal(
            [
                "jobId", "datastoreId", "inputS3Uri", "outputS3Uri", "successOutputS3Uri", "failureOutputS3Uri", "warningsOutputS3Uri",
                "numberOfScannedFiles", "numberOfImportedFiles", "numberOfFilesWithCustomerError", "numberOfFilesWithServerError",
                "numberOfGeneratedImageSets", "imageSetsSummary",
            ],
            summary.EnumerateObject().Select(p => p.Name));
        Assert.Equal(jobId, summary.GetProperty("jobId").GetString());
        Assert.Equal(HealthImagingHarness.DatastoreId, summary.GetProperty("datastoreId").GetString());
        Assert.Equal($"s3://{Bucket}/{Input}", summary.GetProperty("inputS3Uri").GetString());
        Assert.Equal(outputUri, summary.GetProperty("outputS3Uri").GetString());
        Assert.Equal(outputUri + "SUCCESS/", summary.GetProperty("successOutputS3Uri").GetString());
        Assert.Equal(outputUri + "FAILURE/", summary.GetProperty("failureOutputS3Uri").GetString());
        Assert.Equal(outputUri + "WARNING/", summary.GetProperty("warningsOutputS3Uri").GetString());
        Assert.Equal(4, summary.GetProperty("numberOfScannedFiles").GetInt32());
        Assert.Equal(3, summary.GetProperty("numberOfImportedFiles").GetInt32());
        Assert.Equal(1, summary.GetProperty("numberOfFilesWithCustomerError").GetInt32());
        Assert.Equal(0, summary.GetProperty("numberOfFilesWithServerError").GetInt32());
        Assert.Equal(2, summary.GetProperty("numberOfGeneratedImageSets").GetInt32());
        var sets = summary.GetProperty("imageSetsSummary").EnumerateArray().ToList();
        Assert.All(sets, s => Assert.Equal(
            ["imageSetId", "imageSetVersion", "isPrimary", "numberOfMatchedSOPInstances"],
            s.EnumerateObject().Select(p => p.Name)));
        Assert.Equal([2, 1], sets.Select(s => s.GetProperty("numberOfMatchedSOPInstances").GetInt32()));
        Assert.All(sets, s => Assert.Equal(1, s.GetProperty("imageSetVersion").GetInt32()));
        Assert.All(sets, s => Assert.True(s.GetProperty("isPrimary").GetBoolean()));

        var successLines = (await S3rverFixture.ReadTextAsync(s3, Bucket, outputPrefix + "SUCCESS/success.ndjson"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement)
            .ToList();
        Assert.Equal([Input + "ct-1.dcm", Input + "ct-2.dcm", Input + "cta/cta-1.dcm"], successLines.Select(l => l.GetProperty("inputFile").GetString()));
        Assert.Equal(sets[0].GetProperty("imageSetId").GetString(), successLines[0].GetProperty("importResponse").GetProperty("imageSetId").GetString());
        Assert.Equal(sets[1].GetProperty("imageSetId").GetString(), successLines[2].GetProperty("importResponse").GetProperty("imageSetId").GetString());
        Assert.All(successLines, l => Assert.Equal(["imageSetId", "isPrimary"], l.GetProperty("importResponse").EnumerateObject().Select(p => p.Name)));

        var failureLine = JsonDocument.Parse((await S3rverFixture.ReadTextAsync(s3, Bucket, outputPrefix + "FAILURE/failure.ndjson")).Trim()).RootElement;
        Assert.Equal(Input + "readme.txt", failureLine.GetProperty("inputFile").GetString());
        Assert.Equal("ValidationException", failureLine.GetProperty("exception").GetProperty("exceptionType").GetString());
        Assert.Equal("The file is not a DICOM P10 file", failureLine.GetProperty("exception").GetProperty("message").GetString());
    }

    [SkippableFact]
    public async Task Import_WhenInputBucketDoesNotExist_ShouldFailTheJob()
    {
        var s3 = await _s3rver.StartAsync();
        await EnsureBucketAsync(s3, Bucket);
        await using var harness = await HealthImagingHarness.StartAsync(storage: new S3ImportObjectStorage(s3));
        var body = HealthImagingHarness.StartBody("missing-bucket-token");
        body["inputS3Uri"] = "s3://no-such-input-bucket/imports/";
        using var started = await harness.PostStartAsync(body);
        var jobId = (await HealthImagingHarness.JsonAsync(started)).GetProperty("jobId").GetString() ?? string.Empty;

        var job = await harness.RunToEndAsync(jobId);

        Assert.Equal("FAILED", job.GetProperty("jobStatus").GetString());
        Assert.Contains("inputS3Uri", job.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    private static async Task EnsureBucketAsync(IAmazonS3 s3, string bucket)
    {
        var buckets = await s3.ListBucketsAsync(new ListBucketsRequest());
        if (!(buckets.Buckets ?? []).Any(b => b.BucketName == bucket))
        {
            await s3.PutBucketAsync(bucket);
        }
    }
}

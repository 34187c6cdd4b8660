using StrokeIngestion.Core.Errors;
using StrokeIngestion.Core.Monitoring;

namespace StrokeIngestion.Core.Tests.Monitoring;

public sealed class ImportOutputLocationTests
{
    private const string Bucket = "uploads-bucket";
    private const string Datastore = "0123456789abcdef0123456789abcdef";
    private const string Job = "job42";
    private const string JobFolder = Datastore + "-DicomImport-" + Job + "/";

    [Theory]
    [InlineData("s3://uploads-bucket/import-output/STUDY-0123456789ab/" + JobFolder, "import-output/STUDY-0123456789ab/" + JobFolder)]
    [InlineData("s3://uploads-bucket/import-output/STUDY-0123456789ab/", "import-output/STUDY-0123456789ab/" + JobFolder)]
    [InlineData("s3://uploads-bucket/import-output/STUDY-0123456789ab/" + Datastore + "-DicomImport-" + Job, "import-output/STUDY-0123456789ab/" + JobFolder)]
    [InlineData("s3://uploads-bucket", JobFolder)]
    [InlineData("s3://uploads-bucket/", JobFolder)]
    public void ResolveFolderKey_WhenUriIsInTheUploadBucket_ShouldAnswerTheJobsFolderKey(string uri, string expected)
    {
        Assert.Equal(expected, ImportOutputLocation.ResolveFolderKey(uri, Bucket, Datastore, Job));
    }

    [Theory]
    [InlineData("s3://other-bucket/import-output/")]
    [InlineData("s3://uploads-bucket-evil/import-output/")]
    [InlineData("https://uploads-bucket.s3.amazonaws.com/import-output/")]
    [InlineData("uploads-bucket/import-output/")]
    public void ResolveFolderKey_WhenUriIsElsewhere_ShouldRefuseWithoutNamingIt(string uri)
    {
        var error = Assert.Throws<DependencyException>(() => ImportOutputLocation.ResolveFolderKey(uri, Bucket, Datastore, Job));

        Assert.IsNotType<TransientDependencyException>(error);
        Assert.DoesNotContain("import-output", error.Message, StringComparison.Ordinal);
    }
}

using Amazon.CDK.Assertions;
using StrokeIngestion.Infrastructure.Tests.Support;
using static StrokeIngestion.Infrastructure.Tests.Support.J;

namespace StrokeIngestion.Infrastructure.Tests.Constructs;

[Collection(SynthesizedStacks.Name)]
public sealed class UploadStorageTests(DefaultStackFixture stack)
{
    [Fact]
    public void Bucket_ShouldKeepItsExplicitLogicalIdAndSurviveStackDeletion()
    {
        stack.Template.HasResource("AWS::S3::Bucket", Obj(
            ("DeletionPolicy", "Retain"),
            ("UpdateReplacePolicy", "Retain")));

        Assert.Equal("AWS::S3::Bucket", stack.Resources["DicomUploadBucket"]?["Type"]?.GetValue<string>());
        Assert.Equal("DicomUploadBucket", stack.LogicalId(stack.Stack.Storage.Bucket));
    }

    [Fact]
    public void Bucket_ShouldBeNamedAfterTheProjectAndAccount()
    {
        stack.Template.HasResourceProperties("AWS::S3::Bucket", Obj(
            ("BucketName", Obj(("Fn::Join", Arr("", Arr("stroke-detection-ai-dicom-uploads-", Ref("AWS::AccountId"))))))));
    }

    [Fact]
    public void Bucket_ShouldEncryptWithS3ManagedKeysVersionAndBlockAllPublicAccess()
    {
        stack.Template.HasResourceProperties("AWS::S3::Bucket", Obj(
            ("BucketEncryption", Obj(("ServerSideEncryptionConfiguration", Arr(
                Obj(("ServerSideEncryptionByDefault", Obj(("SSEAlgorithm", "AES256")))))))),
            ("VersioningConfiguration", Obj(("Status", "Enabled"))),
            ("PublicAccessBlockConfiguration", Obj(
                ("BlockPublicAcls", true),
                ("BlockPublicPolicy", true),
                ("IgnorePublicAcls", true),
                ("RestrictPublicBuckets", true))),
            ("OwnershipControls", Obj(("Rules", Arr(Obj(("ObjectOwnership", "BucketOwnerEnforced"))))))));
    }

    [Theory]
    [InlineData("uploads/")]
    [InlineData("imports/")]
    [InlineData("import-output/")]
    public void Bucket_ShouldExpireEveryVersionUnderEachPrefixAfter90Days(string prefix)
    {
        var rules = stack.Resources["DicomUploadBucket"]?["Properties"]?["LifecycleConfiguration"]?["Rules"]?.AsArray() ?? [];

        var rule = Assert.Single(rules, r => r?["Prefix"]?.GetValue<string>() == prefix)?.AsObject();

        Assert.NotNull(rule);
        Assert.Equal("Enabled", rule["Status"]?.GetValue<string>());
        Assert.Equal(90, rule["ExpirationInDays"]?.GetValue<int>());
        Assert.Equal(90, rule["NoncurrentVersionExpiration"]?["NoncurrentDays"]?.GetValue<int>());
        Assert.Equal(7, rule["AbortIncompleteMultipartUpload"]?["DaysAfterInitiation"]?.GetValue<int>());
    }

    [Fact]
    public void Bucket_ShouldExpireOnlyTheKnownPrefixesAndCleanUpDeleteMarkers()
    {
        var rules = stack.Resources["DicomUploadBucket"]?["Properties"]?["LifecycleConfiguration"]?["Rules"]?.AsArray() ?? [];

        var expiring = rules.Where(r => r?["ExpirationInDays"] is not null).Select(r => r?["Prefix"]?.GetValue<string>());
        Assert.Equal(["import-output/", "imports/", "uploads/"], expiring.Order(StringComparer.Ordinal));
        Assert.Contains(rules, r => r?["ExpiredObjectDeleteMarker"]?.GetValue<bool>() == true && r["Prefix"] is null);
    }

    [Fact]
    public void BucketPolicy_ShouldDenyEveryRequestWithoutTls12()
    {
        var bucketResources = Arr(GetAtt("DicomUploadBucket", "Arn"), Obj(("Fn::Join", Arr("", Arr(GetAtt("DicomUploadBucket", "Arn"), "/*")))));

        stack.Template.HasResourceProperties("AWS::S3::BucketPolicy", Obj(
            ("Bucket", Ref("DicomUploadBucket")),
            ("PolicyDocument", Obj(("Statement", Match.ArrayWith(Arr(
                Obj(
                    ("Effect", "Deny"),
                    ("Action", "s3:*"),
                    ("Principal", Obj(("AWS", "*"))),
                    ("Resource", bucketResources),
                    ("Condition", Obj(("Bool", Obj(("aws:SecureTransport", "false")))))),
                Obj(
                    ("Effect", "Deny"),
                    ("Action", "s3:*"),
                    ("Principal", Obj(("AWS", "*"))),
                    ("Resource", bucketResources),
                    ("Condition", Obj(("NumericLessThan", Obj(("s3:TlsVersion", 1.2)))))))))))));
    }
}

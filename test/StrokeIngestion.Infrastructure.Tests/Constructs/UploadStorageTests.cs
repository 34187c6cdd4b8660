using Amazon.CDK.Assertions;
using StrokeIngestion.Infrastructure.Tests.Support;
using static StrokeIngestion.Infrastructure.Tests.Support.J;

namespace StrokeIngestion.Infrastructure.Tests.Constructs;

[Collection(SynthesizedStacks.Name)]
public sealed class UploadStorageTests(DefaultStackFixture stack, CustomizedStackFixture customized)
{
    private const string UploadBucket = "DicomUploadBucket";
    private const string LogsBucket = "DicomUploadAccessLogsBucket";

    [Theory]
    [InlineData(UploadBucket)]
    [InlineData(LogsBucket)]
    public void Buckets_ShouldKeepTheirExplicitLogicalIdsAndSurviveStackDeletion(string logicalId)
    {
        var bucket = stack.Resources[logicalId];

        Assert.Equal("AWS::S3::Bucket", bucket?["Type"]?.GetValue<string>());
        Assert.Equal("RetainExceptOnCreate", bucket?["DeletionPolicy"]?.GetValue<string>());
        Assert.Equal("Retain", bucket?["UpdateReplacePolicy"]?.GetValue<string>());
    }

    [Fact]
    public void Buckets_ShouldBeTheConstructsExposedBuckets()
    {
        Assert.Equal(UploadBucket, stack.LogicalId(stack.Stack.Storage.Bucket));
        Assert.Equal(LogsBucket, stack.LogicalId(stack.Stack.Storage.AccessLogsBucket));
    }

    [Theory]
    [InlineData(UploadBucket, "stroke-detection-ai-dicom-uploads-")]
    [InlineData(LogsBucket, "stroke-detection-ai-access-logs-")]
    public void Buckets_ShouldBeNamedAfterTheProjectAndAccount(string logicalId, string prefix)
    {
        Assert.Equal(prefix + "{AWS::AccountId}", stack.Placeholders.Render(stack.Resources[logicalId]?["Properties"]?["BucketName"]));
    }

    [Theory]
    [InlineData(UploadBucket)]
    [InlineData(LogsBucket)]
    public void Buckets_ShouldEncryptWithS3ManagedKeysVersionAndBlockAllPublicAccess(string logicalId)
    {
        var properties = stack.Resources[logicalId]?["Properties"];

        Assert.Equal(
            """[{"ServerSideEncryptionByDefault":{"SSEAlgorithm":"AES256"}}]""",
            properties?["BucketEncryption"]?["ServerSideEncryptionConfiguration"]?.ToJsonString());
        Assert.Equal("Enabled", properties?["VersioningConfiguration"]?["Status"]?.GetValue<string>());
        Assert.Equal(
            """{"BlockPublicAcls":true,"BlockPublicPolicy":true,"IgnorePublicAcls":true,"RestrictPublicBuckets":true}""",
            properties?["PublicAccessBlockConfiguration"]?.ToJsonString());
        Assert.Equal("""[{"ObjectOwnership":"BucketOwnerEnforced"}]""", properties?["OwnershipControls"]?["Rules"]?.ToJsonString());
    }

    [Fact]
    public void Bucket_ShouldDeliverServerAccessLogsToTheAccessLogBucket()
    {
        stack.Template.HasResourceProperties("AWS::S3::Bucket", Obj(
            ("BucketName", Obj(("Fn::Join", Arr("", Arr("stroke-detection-ai-dicom-uploads-", Ref("AWS::AccountId")))))),
            ("LoggingConfiguration", Obj(
                ("DestinationBucketName", Ref(LogsBucket)),
                ("LogFilePrefix", "dicom-uploads/")))));
    }

    [Fact]
    public void AccessLogBucket_ShouldAcceptLogsOnlyFromS3LoggingForTheUploadBucket()
    {
        stack.Template.HasResourceProperties("AWS::S3::BucketPolicy", Obj(
            ("Bucket", Ref(LogsBucket)),
            ("PolicyDocument", Obj(("Statement", Match.ArrayWith(Arr(Obj(
                ("Effect", "Allow"),
                ("Principal", Obj(("Service", "logging.s3.amazonaws.com"))),
                ("Action", "s3:PutObject"),
                ("Resource", Obj(("Fn::Join", Arr("", Arr(GetAtt(LogsBucket, "Arn"), "/dicom-uploads/*"))))),
                ("Condition", Obj(
                    ("ArnLike", Obj(("aws:SourceArn", GetAtt(UploadBucket, "Arn")))),
                    ("StringEquals", Obj(("aws:SourceAccount", Ref("AWS::AccountId"))))))))))))));
    }

    [Theory]
    [InlineData(false, 365)]
    [InlineData(true, 90)]
    public void AccessLogBucket_ShouldKeepLogsForTheLogRetentionPeriodAndOldVersions30Days(bool customizedStack, int days)
    {
        var fixture = customizedStack ? (StackFixture)customized : stack;
        var rules = fixture.Resources[LogsBucket]?["Properties"]?["LifecycleConfiguration"]?["Rules"]?.AsArray() ?? [];

        var expiry = Assert.Single(rules, r => r?["ExpirationInDays"] is not null)?.AsObject();

        Assert.NotNull(expiry);
        Assert.Null(expiry["Prefix"]);
        Assert.Equal("Enabled", expiry["Status"]?.GetValue<string>());
        Assert.Equal(days, expiry["ExpirationInDays"]?.GetValue<int>());
        Assert.Equal(30, expiry["NoncurrentVersionExpiration"]?["NoncurrentDays"]?.GetValue<int>());
        Assert.Equal(7, expiry["AbortIncompleteMultipartUpload"]?["DaysAfterInitiation"]?.GetValue<int>());
        Assert.Contains(rules, r => r?["ExpiredObjectDeleteMarker"]?.GetValue<bool>() == true);
    }

    [Theory]
    [InlineData("uploads/", 90)]
    [InlineData("imports/", 1)]
    [InlineData("import-output/", 90)]
    public void Bucket_ShouldExpireEveryVersionUnderEachPrefix(string prefix, int days)
    {
        var rules = stack.Resources[UploadBucket]?["Properties"]?["LifecycleConfiguration"]?["Rules"]?.AsArray() ?? [];

        var rule = Assert.Single(rules, r => r?["Prefix"]?.GetValue<string>() == prefix)?.AsObject();

        Assert.NotNull(rule);
        Assert.Equal("Enabled", rule["Status"]?.GetValue<string>());
        Assert.Equal(days, rule["ExpirationInDays"]?.GetValue<int>());
        Assert.Equal(days, rule["NoncurrentVersionExpiration"]?["NoncurrentDays"]?.GetValue<int>());
        Assert.Equal(7, rule["AbortIncompleteMultipartUpload"]?["DaysAfterInitiation"]?.GetValue<int>());
    }

    [Fact]
    public void Bucket_ShouldArchiveUploadsToGlacierInstantRetrievalAfterADayAndNothingElse()
    {
        var rules = stack.Resources[UploadBucket]?["Properties"]?["LifecycleConfiguration"]?["Rules"]?.AsArray() ?? [];

        var archiving = Assert.Single(rules, r => r?["Transitions"] is not null)?.AsObject();

        Assert.NotNull(archiving);
        Assert.Equal("uploads/", archiving["Prefix"]?.GetValue<string>());
        var transition = Assert.Single(archiving["Transitions"]?.AsArray() ?? [])?.AsObject();
        Assert.NotNull(transition);
        Assert.Equal("GLACIER_IR", transition["StorageClass"]?.GetValue<string>());
        Assert.Equal(1, transition["TransitionInDays"]?.GetValue<int>());
    }

    [Fact]
    public void Bucket_ShouldExpireOnlyTheKnownPrefixesAndCleanUpDeleteMarkers()
    {
        var rules = stack.Resources[UploadBucket]?["Properties"]?["LifecycleConfiguration"]?["Rules"]?.AsArray() ?? [];

        var expiring = rules.Where(r => r?["ExpirationInDays"] is not null).Select(r => r?["Prefix"]?.GetValue<string>());
        Assert.Equal(["import-output/", "imports/", "uploads/"], expiring.Order(StringComparer.Ordinal));
        Assert.Contains(rules, r => r?["ExpiredObjectDeleteMarker"]?.GetValue<bool>() == true && r["Prefix"] is null);
    }

    [Theory]
    [InlineData(UploadBucket)]
    [InlineData(LogsBucket)]
    public void BucketPolicies_ShouldDenyEveryRequestWithoutTls12(string logicalId)
    {
        var bucketResources = Arr(GetAtt(logicalId, "Arn"), Obj(("Fn::Join", Arr("", Arr(GetAtt(logicalId, "Arn"), "/*")))));

        stack.Template.HasResourceProperties("AWS::S3::BucketPolicy", Obj(
            ("Bucket", Ref(logicalId)),
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

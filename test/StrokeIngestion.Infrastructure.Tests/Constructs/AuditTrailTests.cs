using System.Text.Json.Nodes;
using StrokeIngestion.Infrastructure.Constructs;
using StrokeIngestion.Infrastructure.Tests.Support;

namespace StrokeIngestion.Infrastructure.Tests.Constructs;

/// <summary>Context <c>auditTrail</c>: off by default, a validated, encrypted trail of the stack's own when on.</summary>
[Collection(SynthesizedStacks.Name)]
public sealed class AuditTrailTests(DefaultStackFixture off, IsolatedStackFixture on)
{
    private const string TrailName = "stroke-detection-ai-audit-trail";
    private const string TrailArn = "arn:{AWS::Partition}:cloudtrail:{AWS::Region}:{AWS::AccountId}:trail/" + TrailName;

    [Fact]
    public void AuditTrail_WhenOff_ShouldAddNoTrailKeyOrBucket()
    {
        Assert.Empty(off.OfType("AWS::CloudTrail::Trail"));
        Assert.Null(off.Stack.AuditTrail);
        Assert.DoesNotContain(AuditTrail.BucketLogicalId, off.Resources.Select(r => r.Key));
    }

    [Fact]
    public void Trail_ShouldValidateEncryptAndLogManagementEventsOfEveryRegion()
    {
        var trail = on.Stack.AuditTrail!;

        var properties = Trail();

        Assert.Equal(TrailName, properties["TrailName"]?.GetValue<string>());
        Assert.True(properties["IsLogging"]?.GetValue<bool>());
        Assert.True(properties["EnableLogFileValidation"]?.GetValue<bool>());
        Assert.True(properties["IsMultiRegionTrail"]?.GetValue<bool>());
        Assert.True(properties["IncludeGlobalServiceEvents"]?.GetValue<bool>());
        Assert.Equal($"{{{on.LogicalId(trail.Key)}.Arn}}", on.Placeholders.Render(properties["KMSKeyId"]));
        Assert.Equal($"{{{AuditTrail.BucketLogicalId}}}", on.Placeholders.Render(properties["S3BucketName"]));
        Assert.Equal($"{{{on.LogicalId(trail.LogGroup)}.Arn}}", on.Placeholders.Render(properties["CloudWatchLogsLogGroupArn"]));
        Assert.Null(properties["EventSelectors"]);
    }

    [Fact]
    public void Trail_ShouldRecordDataEventsOfTheUploadBucketObjectsAndTheDatastoreAndItsImageSets()
    {
        var selectors = Trail()["AdvancedEventSelectors"]?.AsArray() ?? [];

        var rendered = selectors.Select(s => string.Join(" & ", (s?["FieldSelectors"]?.AsArray() ?? []).Select(f =>
            f?["Equals"] is JsonNode equals
                ? $"{f["Field"]} = {string.Join("|", PolicyStatements.Items(equals).Select(on.Placeholders.Render))}"
                : $"{f?["Field"]} starts with {string.Join("|", PolicyStatements.Items(f?["StartsWith"]).Select(on.Placeholders.Render))}")));

        Assert.Equal(
            [
                "eventCategory = Management",
                "eventCategory = Data & resources.type = AWS::S3::Object & resources.ARN starts with {DicomUploadBucket.Arn}/",
                "eventCategory = Data & resources.type = AWS::MedicalImaging::Datastore & resources.ARN starts with {ImagingDatastore.DatastoreArn}",
                "eventCategory = Data & resources.type = AWS::MedicalImaging::Imageset & resources.ARN starts with {ImagingDatastore.DatastoreArn}/imageset/",
            ],
            rendered);
    }

    [Fact]
    public void Bucket_ShouldBeVersionedKmsEncryptedPrivateLoggedAndExpireLogFilesAfterTheLogRetention()
    {
        var bucket = on.Resources[AuditTrail.BucketLogicalId]?["Properties"]?.AsObject() ?? [];
        var key = on.LogicalId(on.Stack.AuditTrail!.Key);

        Assert.Equal("Enabled", bucket["VersioningConfiguration"]?["Status"]?.GetValue<string>());
        var encryption = bucket["BucketEncryption"]?["ServerSideEncryptionConfiguration"]?[0];
        Assert.Equal("aws:kms", encryption?["ServerSideEncryptionByDefault"]?["SSEAlgorithm"]?.GetValue<string>());
        Assert.Equal($"{{{key}.Arn}}", on.Placeholders.Render(encryption?["ServerSideEncryptionByDefault"]?["KMSMasterKeyID"]));
        Assert.Equal(
            """{"BlockPublicAcls":true,"BlockPublicPolicy":true,"IgnorePublicAcls":true,"RestrictPublicBuckets":true}""",
            bucket["PublicAccessBlockConfiguration"]?.ToJsonString());
        Assert.Equal("{DicomUploadAccessLogsBucket}", on.Placeholders.Render(bucket["LoggingConfiguration"]?["DestinationBucketName"]));
        Assert.Equal(AuditTrail.AccessLogsPrefix, bucket["LoggingConfiguration"]?["LogFilePrefix"]?.GetValue<string>());
        var expire = (bucket["LifecycleConfiguration"]?["Rules"]?.AsArray() ?? []).Single(r => r?["Id"]?.GetValue<string>() == "expire-log-files");
        Assert.Equal(StackConfig.DefaultLogRetentionDays, expire?["ExpirationInDays"]?.GetValue<int>());
        Assert.Equal("RetainExceptOnCreate", on.Resources[AuditTrail.BucketLogicalId]?["DeletionPolicy"]?.GetValue<string>());
    }

    [Fact]
    public void BucketPolicy_ShouldRefuseInsecureTransportAndLetOnlyThisTrailWrite()
    {
        var statements = on.OfType("AWS::S3::BucketPolicy")
            .Where(p => p.Resource["Properties"]?["Bucket"]?["Ref"]?.GetValue<string>() == AuditTrail.BucketLogicalId)
            .SelectMany(p => PolicyStatements.Items(p.Resource["Properties"]?["PolicyDocument"]?["Statement"]).OfType<JsonObject>())
            .ToList();

        Assert.Contains(statements, s => s["Effect"]?.GetValue<string>() == "Deny"
            && s["Condition"]?["Bool"]?["aws:SecureTransport"]?.GetValue<string>() == "false");
        var cloudTrail = statements.Where(s => s["Principal"]?["Service"]?.GetValue<string>() == AuditTrail.ServicePrincipal).ToList();
        Assert.Equal(["s3:GetBucketAcl", "s3:PutObject"], cloudTrail.SelectMany(s => PolicyStatements.Strings(s["Action"])).Order(StringComparer.Ordinal));
        Assert.All(cloudTrail, s => Assert.Equal(TrailArn, on.Placeholders.Render(s["Condition"]?["StringEquals"]?["aws:SourceArn"])));
        var write = cloudTrail.Single(s => PolicyStatements.Strings(s["Action"]).Single() == "s3:PutObject");
        Assert.Equal($"{{{AuditTrail.BucketLogicalId}.Arn}}/AWSLogs/{{AWS::AccountId}}/*", on.Placeholders.Render(write["Resource"]));
        Assert.Equal("bucket-owner-full-control", write["Condition"]?["StringEquals"]?["s3:x-amz-acl"]?.GetValue<string>());
    }

    [Fact]
    public void Key_ShouldRotateAndLetCloudTrailEncryptForThisTrailOnly()
    {
        var key = on.Resources[on.LogicalId(on.Stack.AuditTrail!.Key)]?.AsObject() ?? [];

        Assert.True(key["Properties"]?["EnableKeyRotation"]?.GetValue<bool>());
        Assert.Equal("RetainExceptOnCreate", key["DeletionPolicy"]?.GetValue<string>());
        var forCloudTrail = PolicyStatements.Items(key["Properties"]?["KeyPolicy"]?["Statement"]).OfType<JsonObject>()
            .Where(s => s["Principal"]?["Service"]?.GetValue<string>() == AuditTrail.ServicePrincipal)
            .ToList();
        Assert.Equal(["kms:DescribeKey", "kms:GenerateDataKey"], forCloudTrail.SelectMany(s => PolicyStatements.Strings(s["Action"])).Order(StringComparer.Ordinal));
        Assert.All(forCloudTrail, s => Assert.Equal(TrailArn, on.Placeholders.Render(s["Condition"]?["StringEquals"]?["aws:SourceArn"])));
        var encrypt = forCloudTrail.Single(s => PolicyStatements.Strings(s["Action"]).Single() == "kms:GenerateDataKey");
        Assert.Equal(
            "arn:{AWS::Partition}:cloudtrail:*:{AWS::AccountId}:trail/*",
            on.Placeholders.Render(encrypt["Condition"]?["StringLike"]?["kms:EncryptionContext:aws:cloudtrail:arn"]));
    }

    [Fact]
    public void LogsRole_ShouldBeAssumableByThisTrailOnlyAndWriteOnlyItsLogGroup()
    {
        var roleArn = Trail()["CloudWatchLogsRoleArn"]?["Fn::GetAtt"]?[0]?.GetValue<string>() ?? string.Empty;
        var logGroup = on.LogicalId(on.Stack.AuditTrail!.LogGroup);

        var trust = on.Resources[roleArn]?["Properties"]?["AssumeRolePolicyDocument"]?["Statement"]?[0];
        Assert.Equal(AuditTrail.ServicePrincipal, trust?["Principal"]?["Service"]?.GetValue<string>());
        Assert.Equal(TrailArn, on.Placeholders.Render(trust?["Condition"]?["StringEquals"]?["aws:SourceArn"]));
        Assert.Equal(
            [$"Allow logs:CreateLogStream {{{logGroup}.Arn}}", $"Allow logs:PutLogEvents {{{logGroup}.Arn}}"],
            PolicyStatements.Flatten(PolicyStatements.OfRole(on, roleArn), on.Placeholders));
    }

    private JsonObject Trail() => on.Single("AWS::CloudTrail::Trail").Resource["Properties"]?.AsObject() ?? [];
}

using Amazon.CDK;
using Amazon.CDK.AWS.CloudTrail;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.S3;
using Constructs;

namespace StrokeIngestion.Infrastructure.Constructs;

/// <param name="RetentionDays">How long log files are kept: the stack's log retention.</param>
internal sealed record AuditTrailProps(
    string ProjectName,
    int RetentionDays,
    EncryptedLogs Logs,
    UploadStorage Storage,
    string DatastoreArn);

/// <summary>
/// A CloudTrail trail of the stack's own (context <c>auditTrail</c>): management events of every
/// region as usual, plus data events for the upload bucket's objects and the HealthImaging
/// datastore and its image sets (who read or wrote which study file or image). Log files are
/// validated (digest files), encrypted with a customer managed key, delivered to a bucket of their
/// own and copied to an encrypted CloudWatch log group for alarms and queries.
/// </summary>
internal sealed class AuditTrail : Construct
{
    public const string ServicePrincipal = "cloudtrail.amazonaws.com";

    /// <summary>Never change: renaming the logical id would replace the bucket.</summary>
    public const string BucketLogicalId = "AuditTrailBucket";

    /// <summary>Where the trail bucket's own access logs go in the access-log bucket.</summary>
    public const string AccessLogsPrefix = "audit-trail/";

    /// <summary>CloudTrail's data-event resource types (CloudTrail user guide, "Logging data events").</summary>
    public const string S3ObjectType = "AWS::S3::Object";
    public const string DatastoreType = "AWS::MedicalImaging::Datastore";
    public const string ImageSetType = "AWS::MedicalImaging::Imageset";

    /// <summary>A replaced or deleted log file stays recoverable this long.</summary>
    public const int NoncurrentLogFileDays = 30;

    public AuditTrail(Construct scope, string id, AuditTrailProps props)
        : base(scope, id)
    {
        ArgumentNullException.ThrowIfNull(props);
        var stack = Stack.Of(this);
        TrailName = $"{props.ProjectName}-audit-trail";
        // Built from the name: the key and bucket policies must name the trail before it exists.
        TrailArn = stack.FormatArn(new ArnComponents { Service = "cloudtrail", Resource = "trail", ResourceName = TrailName });
        var fromThisTrail = new Dictionary<string, object>
        {
            ["StringEquals"] = new Dictionary<string, object> { ["aws:SourceArn"] = TrailArn },
        };

        Key = new Key(this, "Key", new KeyProps
        {
            Description = $"Encrypts the {props.ProjectName} audit trail's log files",
            EnableKeyRotation = true,
            // Log files outlive the stack (audit evidence); so must the key that decrypts them.
            RemovalPolicy = RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
        });
        // CloudTrail's documented key policy: encrypt log files of this trail only.
        Key.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "LetCloudTrailEncryptThisTrailsLogFiles",
            Principals = [new ServicePrincipal(ServicePrincipal)],
            Actions = ["kms:GenerateDataKey"],
            // In a key policy, "*" is this key.
            Resources = ["*"],
            Conditions = new Dictionary<string, object>
            {
                ["StringEquals"] = new Dictionary<string, object> { ["aws:SourceArn"] = TrailArn },
                ["StringLike"] = new Dictionary<string, object>
                {
                    ["kms:EncryptionContext:aws:cloudtrail:arn"] = stack.FormatArn(new ArnComponents { Service = "cloudtrail", Region = "*", Resource = "trail", ResourceName = "*" }),
                },
            },
        }));
        Key.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "LetCloudTrailDescribeTheKey",
            Principals = [new ServicePrincipal(ServicePrincipal)],
            Actions = ["kms:DescribeKey"],
            Resources = ["*"],
            Conditions = fromThisTrail,
        }));

        Bucket = new Bucket(this, "Bucket", new BucketProps
        {
            BucketName = $"{props.ProjectName}-audit-trail-{Aws.ACCOUNT_ID}",
            Encryption = BucketEncryption.KMS,
            EncryptionKey = Key,
            // One data key per bucket rather than a KMS call per log file.
            BucketKeyEnabled = true,
            EnforceSSL = true,
            MinimumTLSVersion = 1.2,
            BlockPublicAccess = BlockPublicAccess.BLOCK_ALL,
            ObjectOwnership = ObjectOwnership.BUCKET_OWNER_ENFORCED,
            Versioned = true,
            ServerAccessLogsBucket = props.Storage.AccessLogsBucket,
            ServerAccessLogsPrefix = AccessLogsPrefix,
            RemovalPolicy = RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
            LifecycleRules =
            [
                new LifecycleRule
                {
                    Id = "expire-log-files",
                    Expiration = Duration.Days(props.RetentionDays),
                    NoncurrentVersionExpiration = Duration.Days(NoncurrentLogFileDays),
                },
                new LifecycleRule { Id = "remove-expired-delete-markers", ExpiredObjectDeleteMarker = true },
            ],
        });
        Bucket.DefaultChildAs<CfnBucket>().OverrideLogicalId(BucketLogicalId);
        // CloudTrail's documented bucket policy, narrowed to this trail.
        Bucket.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "LetCloudTrailCheckTheBucketAcl",
            Principals = [new ServicePrincipal(ServicePrincipal)],
            Actions = ["s3:GetBucketAcl"],
            Resources = [Bucket.BucketArn],
            Conditions = fromThisTrail,
        }));
        Bucket.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "LetCloudTrailWriteThisAccountsLogFiles",
            Principals = [new ServicePrincipal(ServicePrincipal)],
            Actions = ["s3:PutObject"],
            Resources = [Bucket.ArnForObjects($"AWSLogs/{Aws.ACCOUNT_ID}/*")],
            Conditions = new Dictionary<string, object>
            {
                ["StringEquals"] = new Dictionary<string, object>
                {
                    ["aws:SourceArn"] = TrailArn,
                    ["s3:x-amz-acl"] = "bucket-owner-full-control",
                },
            },
        }));
        Bucket.SuppressNag(
            "HIPAA.Security-S3BucketReplicationEnabled",
            "Audit log files kept for the log retention period in a versioned, retained bucket with log file "
            + "validation; a cross-region copy belongs in the organisation's log archive account, which an "
            + "organization trail provides (see README: when to turn auditTrail on).");

        LogGroup = props.Logs.NewLogGroup(this, "LogGroup", $"/aws/cloudtrail/{TrailName}");
        var logsRole = new Role(this, "LogsRole", new RoleProps
        {
            AssumedBy = new ServicePrincipal(ServicePrincipal, new ServicePrincipalOpts { Conditions = fromThisTrail }),
            Description = $"Lets the {TrailName} trail copy its events to its log group",
        });
        logsRole.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "WriteTrailLogGroup",
            Actions = ["logs:CreateLogStream", "logs:PutLogEvents"],
            Resources = [LogGroup.LogGroupArn],
        }));
        NagSuppressions.DefaultPolicyOf(logsRole).SuppressNag(
            "HIPAA.Security-IAMNoInlinePolicy",
            "This policy belongs to one role, the one CloudTrail assumes to copy this trail's events to its "
            + "log group, and is created and deleted with it; that one-to-one binding is what AWS recommends "
            + "inline policies for.");

        var uploadObjects = props.Storage.Bucket.ArnForObjects(string.Empty);
        Trail = new CfnTrail(this, "Trail", new CfnTrailProps
        {
            TrailName = TrailName,
            IsLogging = true,
            S3BucketName = Bucket.BucketName,
            KmsKeyId = Key.KeyArn,
            EnableLogFileValidation = true,
            // Management events "as usual": every region, with global services (IAM, STS sign-ins).
            IsMultiRegionTrail = true,
            IncludeGlobalServiceEvents = true,
            CloudWatchLogsLogGroupArn = LogGroup.LogGroupArn,
            CloudWatchLogsRoleArn = logsRole.RoleArn,
            // Advanced selectors: basic ones cannot name HealthImaging, and a trail takes one kind only.
            AdvancedEventSelectors = new object[]
            {
                Selector("Management events", ("eventCategory", "Management", null)),
                Selector("Study files in the upload bucket",
                    ("eventCategory", "Data", null),
                    ("resources.type", S3ObjectType, null),
                    ("resources.ARN", null, uploadObjects)),
                Selector("HealthImaging datastore",
                    ("eventCategory", "Data", null),
                    ("resources.type", DatastoreType, null),
                    ("resources.ARN", null, props.DatastoreArn)),
                Selector("HealthImaging image sets of the datastore",
                    ("eventCategory", "Data", null),
                    ("resources.type", ImageSetType, null),
                    ("resources.ARN", null, props.DatastoreArn + "/imageset/")),
            },
        });
        // CloudTrail checks the bucket policy and the role when the trail is created.
        Trail.Node.AddDependency(Bucket.Policy ?? throw new InvalidOperationException("The trail bucket has no policy."));
        Trail.Node.AddDependency(NagSuppressions.DefaultPolicyOf(logsRole));
    }

    public string TrailName { get; }

    public string TrailArn { get; }

    public Key Key { get; }

    public Bucket Bucket { get; }

    public Amazon.CDK.AWS.Logs.LogGroup LogGroup { get; }

    public CfnTrail Trail { get; }

    /// <param name="fields">(field, equals, starts with): one of the two values per field.</param>
    private static CfnTrail.AdvancedEventSelectorProperty Selector(string name, params (string Field, string? EqualTo, string? StartsWith)[] fields) => new()
    {
        Name = name,
        FieldSelectors = fields.Select(object (f) => new CfnTrail.AdvancedFieldSelectorProperty
        {
            Field = f.Field,
            EqualTo = f.EqualTo is null ? null : [f.EqualTo],
            StartsWith = f.StartsWith is null ? null : [f.StartsWith],
        }).ToArray(),
    };
}

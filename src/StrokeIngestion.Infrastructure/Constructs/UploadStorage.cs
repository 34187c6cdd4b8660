using Amazon.CDK;
using Amazon.CDK.AWS.S3;
using Constructs;

namespace StrokeIngestion.Infrastructure.Constructs;

/// <summary>
/// The one bucket DICOM studies pass through: clients put files under <see cref="UploadPrefix"/>,
/// the upload handler copies each study to its own folder under <see cref="ImportInputPrefix"/>,
/// and HealthImaging writes its job reports under <see cref="ImportOutputPrefix"/>.
/// </summary>
internal sealed class UploadStorage : Construct
{
    public const string UploadPrefix = "uploads/";
    public const string ImportInputPrefix = "imports/";
    public const string ImportOutputPrefix = "import-output/";

    /// <summary>Never change: renaming the logical id would replace the bucket.</summary>
    public const string BucketLogicalId = "DicomUploadBucket";

    public const int ObjectExpirationDays = 90;
    public const int AbortIncompleteUploadDays = 7;

    public UploadStorage(Construct scope, string id, string projectName)
        : base(scope, id)
    {
        Bucket = new Bucket(this, "Bucket", new BucketProps
        {
            BucketName = $"{projectName}-dicom-uploads-{Aws.ACCOUNT_ID}",
            Encryption = BucketEncryption.S3_MANAGED,
            EnforceSSL = true,
            MinimumTLSVersion = 1.2,
            BlockPublicAccess = BlockPublicAccess.BLOCK_ALL,
            ObjectOwnership = ObjectOwnership.BUCKET_OWNER_ENFORCED,
            Versioned = true,
            // Holds PHI: a stack deletion must never take the studies with it.
            RemovalPolicy = RemovalPolicy.RETAIN,
            LifecycleRules = [
                ExpireAfter90Days("expire-uploads", UploadPrefix),
                ExpireAfter90Days("expire-imports", ImportInputPrefix),
                ExpireAfter90Days("expire-import-output", ImportOutputPrefix),
                // Expiring a current version leaves a delete marker; once the noncurrent
                // version is gone too, the marker is clutter.
                new LifecycleRule { Id = "remove-expired-delete-markers", ExpiredObjectDeleteMarker = true },
            ],
        });
        Bucket.DefaultChildAs<CfnBucket>().OverrideLogicalId(BucketLogicalId);
    }

    public Bucket Bucket { get; }

    /// <summary>ARN pattern of every object under a prefix of this bucket.</summary>
    public string ObjectsArn(string prefix) => Bucket.ArnForObjects(prefix + "*");

    // One rule per prefix rather than one for the bucket, so a prefix added later (say, analysis
    // results) is not silently deleted after 90 days.
    private static LifecycleRule ExpireAfter90Days(string id, string prefix) => new()
    {
        Id = id,
        Prefix = prefix,
        Expiration = Duration.Days(ObjectExpirationDays),
        NoncurrentVersionExpiration = Duration.Days(ObjectExpirationDays),
        AbortIncompleteMultipartUploadAfter = Duration.Days(AbortIncompleteUploadDays),
    };
}

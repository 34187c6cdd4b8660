using Amazon.CDK;
using Amazon.CDK.AWS.S3;
using Constructs;

namespace StrokeIngestion.Infrastructure.Constructs;

/// <summary>
/// The one bucket DICOM studies pass through: clients put files under <see cref="UploadPrefix"/>,
/// the upload handler copies each study to its own folder under <see cref="ImportInputPrefix"/>,
/// and HealthImaging writes its job reports under <see cref="ImportOutputPrefix"/>. Every request
/// to it is recorded in a second bucket's server access logs.
/// </summary>
internal sealed class UploadStorage : Construct
{
    public const string UploadPrefix = "uploads/";
    public const string ImportInputPrefix = "imports/";
    public const string ImportOutputPrefix = "import-output/";

    /// <summary>Never change: renaming the logical id would replace the bucket.</summary>
    public const string BucketLogicalId = "DicomUploadBucket";

    /// <summary>Never change: renaming the logical id would replace the bucket.</summary>
    public const string AccessLogsBucketLogicalId = "DicomUploadAccessLogsBucket";

    /// <summary>Where the upload bucket's access logs go in the access-log bucket.</summary>
    public const string AccessLogsPrefix = "dicom-uploads/";

    public const int ObjectExpirationDays = 90;

    /// <summary>
    /// The per-study copies are only HealthImaging's input: an import ends within the monitor's
    /// 2-hour bound, after which the image set and the original under uploads/ hold the data
    /// (a new upload request copies again). One day, the shortest lifecycle period, outlasts
    /// every import; each further day would cost 1/90 of the uploads' own storage again.
    /// </summary>
    public const int ImportCopyExpirationDays = 1;

    /// <summary>
    /// Uploads are read once, within minutes (header checks and the copy for the import), then
    /// only kept for the 90 days: S3 Glacier Instant Retrieval stores them at ~1/6 of S3 Standard
    /// and still serves a re-import in milliseconds. After one day, so the usual path never pays
    /// its retrieval fee.
    /// </summary>
    public const int UploadArchiveAfterDays = 1;
    public const int AbortIncompleteUploadDays = 7;

    /// <summary>A replaced or deleted log object stays recoverable this long.</summary>
    public const int NoncurrentAccessLogDays = 30;

    /// <param name="accessLogRetentionDays">How long access logs are kept: the stack's log retention.</param>
    public UploadStorage(Construct scope, string id, string projectName, int accessLogRetentionDays)
        : base(scope, id)
    {
        // Who read, wrote or listed which study file, and when: the S3 half of the audit trail
        // (CloudTrail records management calls only, unless data events are bought separately).
        AccessLogsBucket = new Bucket(this, "AccessLogsBucket", new BucketProps
        {
            BucketName = $"{projectName}-access-logs-{Aws.ACCOUNT_ID}",
            // S3 delivers server access logs only to buckets encrypted with S3 managed keys.
            Encryption = BucketEncryption.S3_MANAGED,
            EnforceSSL = true,
            MinimumTLSVersion = 1.2,
            BlockPublicAccess = BlockPublicAccess.BLOCK_ALL,
            ObjectOwnership = ObjectOwnership.BUCKET_OWNER_ENFORCED,
            // A log object deleted or overwritten by mistake (or on purpose) stays recoverable.
            Versioned = true,
            // Retained except when the deploy that created it rolls back (empty then): a retry
            // of a failed first deploy must not meet a bucket of the same name.
            RemovalPolicy = RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
            LifecycleRules = [
                new LifecycleRule
                {
                    Id = "expire-access-logs",
                    Expiration = Duration.Days(accessLogRetentionDays),
                    NoncurrentVersionExpiration = Duration.Days(NoncurrentAccessLogDays),
                    AbortIncompleteMultipartUploadAfter = Duration.Days(AbortIncompleteUploadDays),
                },
                new LifecycleRule { Id = "remove-expired-delete-markers", ExpiredObjectDeleteMarker = true },
            ],
        });
        AccessLogsBucket.DefaultChildAs<CfnBucket>().OverrideLogicalId(AccessLogsBucketLogicalId);
        AccessLogsBucket.SuppressNag(
            "HIPAA.Security-S3DefaultEncryptionKMS",
            "S3 server access logging delivers only to buckets whose default encryption is SSE-S3 "
            + "(AES-256); a KMS default would stop log delivery. Objects are still encrypted at rest.");
        AccessLogsBucket.SuppressNag(
            "HIPAA.Security-S3BucketReplicationEnabled",
            "Access logs are audit records kept for the log retention period in versioned, retained, "
            + "11-nines-durable storage; a cross-region copy would double the places that hold caller "
            + "identities and object keys for no recovery need of Phase 1.");

        Bucket = new Bucket(this, "Bucket", new BucketProps
        {
            BucketName = $"{projectName}-dicom-uploads-{Aws.ACCOUNT_ID}",
            Encryption = BucketEncryption.S3_MANAGED,
            EnforceSSL = true,
            MinimumTLSVersion = 1.2,
            BlockPublicAccess = BlockPublicAccess.BLOCK_ALL,
            ObjectOwnership = ObjectOwnership.BUCKET_OWNER_ENFORCED,
            Versioned = true,
            ServerAccessLogsBucket = AccessLogsBucket,
            ServerAccessLogsPrefix = AccessLogsPrefix,
            // Holds PHI: a stack deletion must never take the studies with it. Deleted only when
            // the deploy that created it rolls back, before any study can have arrived.
            RemovalPolicy = RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
            LifecycleRules = [
                Expire("expire-uploads", UploadPrefix, ObjectExpirationDays, archiveAfterDays: UploadArchiveAfterDays),
                Expire("expire-imports", ImportInputPrefix, ImportCopyExpirationDays),
                Expire("expire-import-output", ImportOutputPrefix, ObjectExpirationDays),
                // Expiring a current version leaves a delete marker; once the noncurrent
                // version is gone too, the marker is clutter.
                new LifecycleRule { Id = "remove-expired-delete-markers", ExpiredObjectDeleteMarker = true },
            ],
        });
        Bucket.DefaultChildAs<CfnBucket>().OverrideLogicalId(BucketLogicalId);
        Bucket.SuppressNag(
            "HIPAA.Security-S3DefaultEncryptionKMS",
            "SSE-S3 (AES-256) by design: this bucket only stages files for at most 90 days until "
            + "HealthImaging holds them under the datastore's key (customer managed when kmsKeyArn is set). "
            + "SSE-KMS here would give every uploading client and the import role a KMS permission to hold "
            + "and add a KMS request per object; who may read is already decided by IAM and the bucket policy.");
        Bucket.SuppressNag(
            "HIPAA.Security-S3BucketReplicationEnabled",
            "A staging area, not a record: objects expire after 90 days, and the durable copy of a study is "
            + "the HealthImaging image set. Replicating PHI to a second region would double its exposure "
            + "and cost for data that a client can re-upload; S3 is designed for 11 nines of durability.");
    }

    public Bucket Bucket { get; }

    /// <summary>Server access logs of <see cref="Bucket"/>.</summary>
    public Bucket AccessLogsBucket { get; }

    /// <summary>ARN pattern of every object under a prefix of this bucket.</summary>
    public string ObjectsArn(string prefix) => Bucket.ArnForObjects(prefix + "*");

    // One rule per prefix rather than one for the bucket, so a prefix added later (say, analysis
    // results) is not silently deleted after 90 days.
    private static LifecycleRule Expire(string id, string prefix, int days, int? archiveAfterDays = null) => new()
    {
        Id = id,
        Prefix = prefix,
        Expiration = Duration.Days(days),
        NoncurrentVersionExpiration = Duration.Days(days),
        AbortIncompleteMultipartUploadAfter = Duration.Days(AbortIncompleteUploadDays),
        Transitions = archiveAfterDays is { } after
            ? [new Transition { StorageClass = StorageClass.GLACIER_INSTANT_RETRIEVAL, TransitionAfter = Duration.Days(after) }]
            : null,
    };
}

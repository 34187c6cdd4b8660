using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AwsHealthimaging;
using Constructs;

namespace StrokeIngestion.Infrastructure.Constructs;

/// <summary>
/// The HealthImaging datastore and the role HealthImaging assumes during an import: it reads
/// the per-study copies under <c>imports/</c> and writes its reports under <c>import-output/</c>.
/// </summary>
internal sealed class ImportDatastore : Construct
{
    public const string ServicePrincipal = "medical-imaging.amazonaws.com";

    /// <summary>Never change: renaming the logical id (or the name) would replace the datastore and orphan its image sets.</summary>
    public const string DatastoreLogicalId = "ImagingDatastore";

    public ImportDatastore(Construct scope, string id, string projectName, UploadStorage storage, string? kmsKeyArn)
        : base(scope, id)
    {
        Datastore = new CfnDatastore(this, "Datastore", new CfnDatastoreProps
        {
            DatastoreName = $"{projectName}-datastore",
            KmsKeyArn = kmsKeyArn,
        });
        Datastore.OverrideLogicalId(DatastoreLogicalId);
        // Kept on stack deletion and replacement; deleted (still empty) only when the deploy
        // that created it rolls back, so that a retry does not meet its own leftovers.
        Datastore.ApplyRemovalPolicy(RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE);

        ImportRole = new Role(this, "ImportRole", new RoleProps
        {
            Description = "Assumed by HealthImaging to read study copies and write import reports",
            // Confused-deputy guard: only this account's datastore may assume the role.
            AssumedBy = new ServicePrincipal(ServicePrincipal, new ServicePrincipalOpts
            {
                Conditions = new Dictionary<string, object>
                {
                    ["StringEquals"] = new Dictionary<string, object> { ["aws:SourceAccount"] = Aws.ACCOUNT_ID },
                    ["ArnLike"] = new Dictionary<string, object> { ["aws:SourceArn"] = DatastoreArn },
                },
            }),
        });

        var bucket = storage.Bucket;
        ImportRole.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "ReadStudyCopies",
            Actions = ["s3:GetObject"],
            Resources = [storage.ObjectsArn(UploadStorage.ImportInputPrefix)],
        }));
        ImportRole.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "ListImportFolders",
            Actions = ["s3:ListBucket"],
            Resources = [bucket.BucketArn],
            Conditions = new Dictionary<string, object>
            {
                ["StringLike"] = new Dictionary<string, object>
                {
                    ["s3:prefix"] = new[] { UploadStorage.ImportInputPrefix + "*", UploadStorage.ImportOutputPrefix + "*" },
                },
            },
        }));
        ImportRole.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "CheckBucketEncryption",
            Actions = ["s3:GetEncryptionConfiguration"],
            Resources = [bucket.BucketArn],
        }));
        ImportRole.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "WriteImportReports",
            Actions = ["s3:PutObject"],
            Resources = [storage.ObjectsArn(UploadStorage.ImportOutputPrefix)],
        }));
        if (kmsKeyArn is not null)
        {
            ImportRole.AddToPolicy(new PolicyStatement(new PolicyStatementProps
            {
                Sid = "UseDatastoreKey",
                Actions = ["kms:Decrypt", "kms:GenerateDataKey"],
                Resources = [kmsKeyArn],
            }));
        }

        var policy = NagSuppressions.DefaultPolicyOf(ImportRole);
        policy.SuppressNag(
            "AwsSolutions-IAM5",
            "Objects under one prefix each: HealthImaging reads the per-study copies under imports/ "
            + "(the upload handler names the study folder per job) and writes its job reports under "
            + "import-output/. Object names are only known at run time; the uploads/ prefix stays out of reach.",
            NagFinding.Resource(this, storage.ObjectsArn(UploadStorage.ImportInputPrefix)),
            NagFinding.Resource(this, storage.ObjectsArn(UploadStorage.ImportOutputPrefix)));
        policy.SuppressNag(
            "HIPAA.Security-IAMNoInlinePolicy",
            "This policy belongs to one role, the one HealthImaging assumes for this datastore's imports, "
            + "and is created and deleted with it; that one-to-one binding is what AWS recommends inline "
            + "policies for. A managed policy would be a separately attachable object granting the same statements.");
    }

    public CfnDatastore Datastore { get; }

    public string DatastoreId => Datastore.AttrDatastoreId;

    public string DatastoreArn => Datastore.AttrDatastoreArn;

    public Role ImportRole { get; }
}

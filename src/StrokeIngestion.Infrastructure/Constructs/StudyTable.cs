using Amazon.CDK;
using Amazon.CDK.AWS.DynamoDB;
using Constructs;
using DynamoAttribute = Amazon.CDK.AWS.DynamoDB.Attribute;

namespace StrokeIngestion.Infrastructure.Constructs;

/// <summary>One item per study, keyed by <c>study_id</c>; <c>patient-index</c> lists a patient's studies by upload time.</summary>
internal sealed class StudyTable : Construct
{
    public const string PartitionKey = "study_id";
    public const string PatientIndexName = "patient-index";
    public const string PatientIndexPartitionKey = "patient_id";
    public const string PatientIndexSortKey = "upload_timestamp";

    /// <summary>Never change: renaming the logical id would replace the table.</summary>
    public const string TableLogicalId = "StudyMetadataTable";

    public StudyTable(Construct scope, string id, string projectName)
        : base(scope, id)
    {
        Table = new Table(this, "Table", new TableProps
        {
            TableName = $"{projectName}-study-metadata",
            PartitionKey = new DynamoAttribute { Name = PartitionKey, Type = AttributeType.STRING },
            // Uploads arrive in bursts around scanner schedules; on-demand has no capacity to tune.
            BillingMode = BillingMode.PAY_PER_REQUEST,
            PointInTimeRecovery = true,
            Encryption = TableEncryption.AWS_MANAGED,
            DeletionProtection = true,
            RemovalPolicy = RemovalPolicy.RETAIN,
        });
        Table.AddGlobalSecondaryIndex(new GlobalSecondaryIndexProps
        {
            IndexName = PatientIndexName,
            PartitionKey = new DynamoAttribute { Name = PatientIndexPartitionKey, Type = AttributeType.STRING },
            SortKey = new DynamoAttribute { Name = PatientIndexSortKey, Type = AttributeType.STRING },
            ProjectionType = ProjectionType.ALL,
        });
        Table.DefaultChildAs<CfnTable>().OverrideLogicalId(TableLogicalId);
    }

    public Table Table { get; }
}

using Amazon.CDK;
using Amazon.CDK.AWS.Backup;
using Amazon.CDK.AWS.DynamoDB;
using Amazon.CDK.AWS.Events;
using Constructs;
using DynamoAttribute = Amazon.CDK.AWS.DynamoDB.Attribute;

namespace StrokeIngestion.Infrastructure.Constructs;

/// <summary>
/// One item per study, keyed by <c>study_id</c>; <c>patient-index</c> lists a patient's studies by
/// upload time. Point-in-time recovery covers the last 35 days to the second; an AWS Backup plan
/// keeps daily and monthly backups in a vault of their own.
/// </summary>
internal sealed class StudyTable : Construct
{
    public const string PartitionKey = "study_id";
    public const string PatientIndexName = "patient-index";
    public const string PatientIndexPartitionKey = "patient_id";
    public const string PatientIndexSortKey = "upload_timestamp";

    /// <summary>Studies by status and last update, keys only: the dispatcher's sweep finds studies stuck QUEUED with it.</summary>
    public const string StatusIndexName = "status-index";
    public const string StatusIndexPartitionKey = "status";
    public const string StatusIndexSortKey = "updated_at";

    /// <summary>Never change: renaming the logical id would replace the table.</summary>
    public const string TableLogicalId = "StudyMetadataTable";

    public const int DailyBackupRetentionDays = 35;
    public const int MonthlyBackupRetentionDays = 365;

    /// <summary>The AWS managed policy AWS Backup's service role is documented with.</summary>
    public const string BackupServicePolicyName = "service-role/AWSBackupServiceRolePolicyForBackup";

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
            // Kept on stack deletion and replacement (RetainExceptOnCreate), deleted only when the
            // deploy that created it rolls back, so the retry can create the same name again.
            // No table-level deletion protection: CloudFormation could not delete the new, empty
            // table on that rollback, and the retry would fail with "already exists". Point-in-time
            // recovery and the backup plan below cover a table deleted by hand.
            RemovalPolicy = RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
        });
        Table.AddGlobalSecondaryIndex(new GlobalSecondaryIndexProps
        {
            IndexName = PatientIndexName,
            PartitionKey = new DynamoAttribute { Name = PatientIndexPartitionKey, Type = AttributeType.STRING },
            SortKey = new DynamoAttribute { Name = PatientIndexSortKey, Type = AttributeType.STRING },
            ProjectionType = ProjectionType.ALL,
        });
        Table.AddGlobalSecondaryIndex(new GlobalSecondaryIndexProps
        {
            IndexName = StatusIndexName,
            PartitionKey = new DynamoAttribute { Name = StatusIndexPartitionKey, Type = AttributeType.STRING },
            SortKey = new DynamoAttribute { Name = StatusIndexSortKey, Type = AttributeType.STRING },
            ProjectionType = ProjectionType.KEYS_ONLY,
        });
        Table.DefaultChildAs<CfnTable>().OverrideLogicalId(TableLogicalId);

        // PITR reaches back 35 days and is governed by the table's own permissions. The vault's
        // recovery points are independent of the table: they outlive its deletion or replacement,
        // sit behind the vault's own access policy, and the monthly ones keep a year of study
        // records for audits.
        BackupVault = new BackupVault(this, "BackupVault", new BackupVaultProps
        {
            // Vault, plan and selection names allow 50 characters; the project name up to 36.
            BackupVaultName = $"{projectName}-backups",
            RemovalPolicy = RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
        });
        BackupPlan = new BackupPlan(this, "BackupPlan", new BackupPlanProps
        {
            BackupPlanName = $"{projectName}-studies",
            BackupVault = BackupVault,
            BackupPlanRules =
            [
                new BackupPlanRule(new BackupPlanRuleProps
                {
                    RuleName = "daily",
                    ScheduleExpression = Schedule.Cron(new CronOptions { Hour = "3", Minute = "0" }),
                    DeleteAfter = Duration.Days(DailyBackupRetentionDays),
                }),
                new BackupPlanRule(new BackupPlanRuleProps
                {
                    RuleName = "monthly",
                    ScheduleExpression = Schedule.Cron(new CronOptions { Day = "1", Hour = "4", Minute = "0" }),
                    DeleteAfter = Duration.Days(MonthlyBackupRetentionDays),
                }),
            ],
        });
        var selection = BackupPlan.AddSelection("StudyTable", new BackupSelectionOptions
        {
            BackupSelectionName = $"{projectName}-study-table",
            Resources = [BackupResource.FromDynamoDbTable(Table)],
        });
        selection.Node.FindChild("Role").SuppressNag(
            "AwsSolutions-IAM4",
            "AWS Backup's own service-role policy, the one its documentation prescribes: AWS keeps it in step "
            + "with what backup jobs call. The role is assumable only by backup.amazonaws.com, and this "
            + "selection names one table.",
            "Policy::arn:<AWS::Partition>:iam::aws:policy/" + BackupServicePolicyName);
    }

    public Table Table { get; }

    public BackupVault BackupVault { get; }

    public BackupPlan BackupPlan { get; }
}

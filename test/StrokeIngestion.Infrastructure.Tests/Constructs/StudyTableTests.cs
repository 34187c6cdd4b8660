using StrokeIngestion.Infrastructure.Tests.Support;
using static StrokeIngestion.Infrastructure.Tests.Support.J;

namespace StrokeIngestion.Infrastructure.Tests.Constructs;

[Collection(SynthesizedStacks.Name)]
public sealed class StudyTableTests(DefaultStackFixture stack)
{
    [Fact]
    public void Table_ShouldKeepItsExplicitLogicalIdAndSurviveStackDeletion()
    {
        stack.Template.HasResource("AWS::DynamoDB::Table", Obj(
            ("DeletionPolicy", "RetainExceptOnCreate"),
            ("UpdateReplacePolicy", "Retain")));

        Assert.Equal("StudyMetadataTable", stack.LogicalId(stack.Stack.Studies.Table));
    }

    [Fact]
    public void Table_ShouldBeKeyedByStudyIdWithThePatientIndexAndAKeysOnlyStatusIndex()
    {
        stack.Template.HasResourceProperties("AWS::DynamoDB::Table", Obj(
            ("TableName", "stroke-detection-ai-study-metadata"),
            ("KeySchema", Arr(Obj(("AttributeName", "study_id"), ("KeyType", "HASH")))),
            ("AttributeDefinitions", Arr(
                Obj(("AttributeName", "study_id"), ("AttributeType", "S")),
                Obj(("AttributeName", "patient_id"), ("AttributeType", "S")),
                Obj(("AttributeName", "upload_timestamp"), ("AttributeType", "S")),
                Obj(("AttributeName", "status"), ("AttributeType", "S")),
                Obj(("AttributeName", "updated_at"), ("AttributeType", "S")))),
            ("GlobalSecondaryIndexes", Arr(
                Obj(
                    ("IndexName", "patient-index"),
                    ("KeySchema", Arr(
                        Obj(("AttributeName", "patient_id"), ("KeyType", "HASH")),
                        Obj(("AttributeName", "upload_timestamp"), ("KeyType", "RANGE")))),
                    ("Projection", Obj(("ProjectionType", "ALL")))),
                Obj(
                    ("IndexName", "status-index"),
                    ("KeySchema", Arr(
                        Obj(("AttributeName", "status"), ("KeyType", "HASH")),
                        Obj(("AttributeName", "updated_at"), ("KeyType", "RANGE")))),
                    ("Projection", Obj(("ProjectionType", "KEYS_ONLY"))))))));
    }

    [Fact]
    public void Table_ShouldBeOnDemandEncryptedAndRecoverable()
    {
        stack.Template.HasResourceProperties("AWS::DynamoDB::Table", Obj(
            ("BillingMode", "PAY_PER_REQUEST"),
            ("PointInTimeRecoverySpecification", Obj(("PointInTimeRecoveryEnabled", true))),
            ("SSESpecification", Obj(("SSEEnabled", true)))));
    }

    [Fact]
    public void BackupPlan_ShouldBackUpTheTableDailyFor35DaysAndMonthlyForAYear()
    {
        var vault = stack.LogicalId(stack.Stack.Studies.BackupVault);

        stack.Template.HasResourceProperties("AWS::Backup::BackupPlan", Obj(
            ("BackupPlan", Obj(
                ("BackupPlanName", "stroke-detection-ai-studies"),
                ("BackupPlanRule", Arr(
                    Obj(
                        ("RuleName", "daily"),
                        ("ScheduleExpression", "cron(0 3 * * ? *)"),
                        ("Lifecycle", Obj(("DeleteAfterDays", 35))),
                        ("TargetBackupVault", GetAtt(vault, "BackupVaultName"))),
                    Obj(
                        ("RuleName", "monthly"),
                        ("ScheduleExpression", "cron(0 4 1 * ? *)"),
                        ("Lifecycle", Obj(("DeleteAfterDays", 365))),
                        ("TargetBackupVault", GetAtt(vault, "BackupVaultName")))))))));
        stack.Template.HasResourceProperties("AWS::Backup::BackupSelection", Obj(
            ("BackupPlanId", GetAtt(stack.LogicalId(stack.Stack.Studies.BackupPlan), "BackupPlanId")),
            ("BackupSelection", Obj(
                ("SelectionName", "stroke-detection-ai-study-table"),
                ("Resources", Arr(GetAtt("StudyMetadataTable", "Arn")))))));
    }

    [Fact]
    public void BackupVault_ShouldBeNamedAfterTheProjectAndSurviveStackDeletion()
    {
        stack.Template.HasResource("AWS::Backup::BackupVault", Obj(
            ("DeletionPolicy", "RetainExceptOnCreate"),
            ("UpdateReplacePolicy", "Retain"),
            ("Properties", Obj(("BackupVaultName", "stroke-detection-ai-backups")))));
    }
}

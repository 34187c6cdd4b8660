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
            ("DeletionPolicy", "Retain"),
            ("UpdateReplacePolicy", "Retain")));

        Assert.Equal("StudyMetadataTable", stack.LogicalId(stack.Stack.Studies.Table));
    }

    [Fact]
    public void Table_ShouldBeKeyedByStudyIdWithThePatientIndex()
    {
        stack.Template.HasResourceProperties("AWS::DynamoDB::Table", Obj(
            ("TableName", "stroke-detection-ai-study-metadata"),
            ("KeySchema", Arr(Obj(("AttributeName", "study_id"), ("KeyType", "HASH")))),
            ("AttributeDefinitions", Arr(
                Obj(("AttributeName", "study_id"), ("AttributeType", "S")),
                Obj(("AttributeName", "patient_id"), ("AttributeType", "S")),
                Obj(("AttributeName", "upload_timestamp"), ("AttributeType", "S")))),
            ("GlobalSecondaryIndexes", Arr(Obj(
                ("IndexName", "patient-index"),
                ("KeySchema", Arr(
                    Obj(("AttributeName", "patient_id"), ("KeyType", "HASH")),
                    Obj(("AttributeName", "upload_timestamp"), ("KeyType", "RANGE")))),
                ("Projection", Obj(("ProjectionType", "ALL"))))))));
    }

    [Fact]
    public void Table_ShouldBeOnDemandEncryptedRecoverableAndProtectedFromDeletion()
    {
        stack.Template.HasResourceProperties("AWS::DynamoDB::Table", Obj(
            ("BillingMode", "PAY_PER_REQUEST"),
            ("PointInTimeRecoverySpecification", Obj(("PointInTimeRecoveryEnabled", true))),
            ("SSESpecification", Obj(("SSEEnabled", true))),
            ("DeletionProtectionEnabled", true)));
    }
}

using System.Text.Json.Nodes;
using Amazon.CDK.Assertions;
using StrokeIngestion.Infrastructure.Tests.Support;
using static StrokeIngestion.Infrastructure.Tests.Support.J;

namespace StrokeIngestion.Infrastructure.Tests.Constructs;

[Collection(SynthesizedStacks.Name)]
public sealed class ImportDatastoreTests(DefaultStackFixture stack, CustomizedStackFixture customized)
{
    [Fact]
    public void Datastore_ShouldKeepItsExplicitLogicalIdAndSurviveStackDeletion()
    {
        stack.Template.HasResource("AWS::HealthImaging::Datastore", Obj(
            ("DeletionPolicy", "RetainExceptOnCreate"),
            ("UpdateReplacePolicy", "Retain"),
            ("Properties", Obj(("DatastoreName", "stroke-detection-ai-datastore")))));

        Assert.Equal("ImagingDatastore", stack.LogicalId(stack.Stack.Datastore.Datastore));
    }

    [Fact]
    public void Datastore_WhenNoKeyIsConfigured_ShouldUseTheServiceOwnedKey()
    {
        stack.Template.HasResourceProperties("AWS::HealthImaging::Datastore", Obj(("KmsKeyArn", Match.Absent())));
    }

    [Fact]
    public void Datastore_WhenAKeyIsConfigured_ShouldEncryptWithIt()
    {
        customized.Template.HasResourceProperties("AWS::HealthImaging::Datastore", Obj(
            ("DatastoreName", "acme-neuro-datastore"),
            ("KmsKeyArn", CustomizedStackFixture.KmsKeyArn)));
    }

    [Fact]
    public void ImportRole_ShouldTrustOnlyHealthImagingActingForThisAccountsDatastore()
    {
        var roleId = stack.LogicalId(stack.Stack.Datastore.ImportRole);

        var trust = stack.Resources[roleId]?["Properties"]?["AssumeRolePolicyDocument"]?["Statement"]?.AsArray();

        var statement = Assert.Single(trust ?? []);
        Assert.True(JsonNode.DeepEquals(
            JsonNode.Parse("""
                {
                  "Action": "sts:AssumeRole",
                  "Effect": "Allow",
                  "Principal": { "Service": "medical-imaging.amazonaws.com" },
                  "Condition": {
                    "StringEquals": { "aws:SourceAccount": { "Ref": "AWS::AccountId" } },
                    "ArnLike": { "aws:SourceArn": { "Fn::GetAtt": [ "ImagingDatastore", "DatastoreArn" ] } }
                  }
                }
                """),
            statement),
            statement?.ToJsonString());
    }

    [Fact]
    public void ImportRole_ShouldReadStudyCopiesAndWriteReportsOnly()
    {
        var roleId = stack.LogicalId(stack.Stack.Datastore.ImportRole);

        var statements = PolicyStatements.Flatten(PolicyStatements.OfRole(stack, roleId), stack.Placeholders);

        Assert.Equal(
            [
                "Allow s3:GetEncryptionConfiguration {DicomUploadBucket.Arn}",
                "Allow s3:GetObject {DicomUploadBucket.Arn}/imports/*",
                """Allow s3:ListBucket {DicomUploadBucket.Arn} if {"StringLike":{"s3:prefix":["imports/*","import-output/*"]}}""",
                "Allow s3:PutObject {DicomUploadBucket.Arn}/import-output/*",
            ],
            statements);
    }

    [Fact]
    public void ImportRole_WhenAKeyIsConfigured_ShouldAlsoUseThatKeyAndNoOther()
    {
        var roleId = customized.LogicalId(customized.Stack.Datastore.ImportRole);

        var statements = PolicyStatements.Flatten(PolicyStatements.OfRole(customized, roleId), customized.Placeholders);

        Assert.Equal(
            [
                $"Allow kms:Decrypt {CustomizedStackFixture.KmsKeyArn}",
                $"Allow kms:GenerateDataKey {CustomizedStackFixture.KmsKeyArn}",
            ],
            statements.Where(s => s.Contains("kms:", StringComparison.Ordinal)));
    }
}

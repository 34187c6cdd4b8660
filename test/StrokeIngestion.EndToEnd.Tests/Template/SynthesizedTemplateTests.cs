using System.Text.Json.Nodes;
using StrokeIngestion.Sandbox.Template;

namespace StrokeIngestion.EndToEnd.Tests.Template;

public sealed class SynthesizedTemplateTests
{
    // Shaped like cdk synth output: the definition is a Fn::Join of string fragments and tokens.
    private const string Fixture = """
        {
          "Parameters": {
            "BootstrapVersion": { "Type": "AWS::SSM::Parameter::Value<String>", "Default": "/cdk-bootstrap/hnb659fds/version" },
            "Stage": { "Type": "String", "Default": "prod" }
          },
          "Resources": {
            "MonitorFn1A2B3C4D": {
              "Type": "AWS::Lambda::Function",
              "Properties": {
                "FunctionName": "stroke-detection-ai-import-monitor",
                "Handler": "StrokeIngestion.ImportMonitor::StrokeIngestion.ImportMonitor.Function::Handle",
                "Runtime": "dotnet10",
                "Timeout": 60,
                "Environment": { "Variables": {
                  "STUDY_TABLE_NAME": { "Ref": "StudyTable5F3E1A0B" },
                  "DATASTORE_ID": { "Fn::GetAtt": [ "Datastore", "DatastoreId" ] },
                  "UPLOAD_BUCKET_NAME": { "Ref": "UploadBucketD2C1DA78" },
                  "IMPORT_ROLE_ARN": { "Fn::GetAtt": "ImportRole9C4F2E11.Arn" }
                } }
              }
            },
            "UnnamedFnE5F6A7B8": { "Type": "AWS::Lambda::Function", "Properties": { "Handler": "x" } },
            "StudyTable5F3E1A0B": { "Type": "AWS::DynamoDB::Table", "Properties": { "TableName": "stroke-detection-ai-study-metadata" } },
            "UploadBucketD2C1DA78": {
              "Type": "AWS::S3::Bucket",
              "Properties": { "BucketName": { "Fn::Join": [ "", [ "stroke-detection-ai-dicom-uploads-", { "Ref": "AWS::AccountId" } ] ] } }
            },
            "LogsBucket00AA11BB": { "Type": "AWS::S3::Bucket", "Properties": {} },
            "ImportRole9C4F2E11": { "Type": "AWS::IAM::Role", "Properties": {} },
            "Datastore": { "Type": "AWS::HealthImaging::Datastore", "Properties": { "DatastoreName": "stroke-detection-ai-datastore" } },
            "SmRole49C19C48": { "Type": "AWS::IAM::Role", "Properties": { "RoleName": "sfn-role" } },
            "ProcessingSm0A1B2C3D": {
              "Type": "AWS::StepFunctions::StateMachine",
              "Properties": {
                "StateMachineName": "stroke-detection-ai-processing",
                "RoleArn": { "Fn::GetAtt": [ "SmRole49C19C48", "Arn" ] },
                "DefinitionString": { "Fn::Join": [ "", [
                  "{\"StartAt\":\"Check\",\"States\":{\"Check\":{\"Type\":\"Task\",\"Resource\":\"arn:",
                  { "Ref": "AWS::Partition" },
                  ":states:::lambda:invoke\",\"Parameters\":{\"FunctionName\":\"",
                  { "Fn::GetAtt": [ "MonitorFn1A2B3C4D", "Arn" ] },
                  "\",\"Payload.$\":\"$\"},\"Next\":\"Mark\"},\"Mark\":{\"Type\":\"Task\",\"Resource\":\"arn:",
                  { "Ref": "AWS::Partition" },
                  ":states:::dynamodb:updateItem\",\"Parameters\":{\"TableName\":\"",
                  { "Ref": "StudyTable5F3E1A0B" },
                  "\",\"Key\":{\"study_id\":{\"S.$\":\"$.study_id\"}}},\"End\":true}},\"TimeoutSeconds\":9000}"
                ] ] }
              }
            }
          }
        }
        """;

    private static readonly TemplateContext Context = new(
        Region: "eu-west-1",
        AccountId: "123456789012",
        AttributeOverrides: new Dictionary<string, string> { ["Datastore.DatastoreId"] = "0123456789abcdef0123456789abcdef" });

    [Fact]
    public void StateMachines_WhenTheDefinitionIsAJoinOfTokens_ShouldResolveItToConcreteJson()
    {
        // Arrange
        var template = SynthesizedTemplate.Parse(Fixture, Context, "IngestionStack");

        // Act
        var machine = Assert.Single(template.StateMachines());

        // Assert
        Assert.Equal("stroke-detection-ai-processing", machine.Name);
        Assert.Equal("arn:aws:states:eu-west-1:123456789012:stateMachine:stroke-detection-ai-processing", machine.Arn);
        Assert.Equal("arn:aws:iam::123456789012:role/sfn-role", machine.RoleArn);
        Assert.Equal("STANDARD", machine.StateMachineType);
        var definition = JsonNode.Parse(machine.Definition);
        Assert.Equal("arn:aws:states:::lambda:invoke", definition?["States"]?["Check"]?["Resource"]?.GetValue<string>());
        Assert.Equal(
            "arn:aws:lambda:eu-west-1:123456789012:function:stroke-detection-ai-import-monitor",
            definition?["States"]?["Check"]?["Parameters"]?["FunctionName"]?.GetValue<string>());
        Assert.Equal("arn:aws:states:::dynamodb:updateItem", definition?["States"]?["Mark"]?["Resource"]?.GetValue<string>());
        Assert.Equal("stroke-detection-ai-study-metadata", definition?["States"]?["Mark"]?["Parameters"]?["TableName"]?.GetValue<string>());
        Assert.Equal(9000, definition?["TimeoutSeconds"]?.GetValue<int>());
    }

    [Theory]
    [InlineData("AWS::AccountId", "123456789012")]
    [InlineData("AWS::Region", "eu-west-1")]
    [InlineData("AWS::Partition", "aws")]
    [InlineData("AWS::URLSuffix", "amazonaws.com")]
    [InlineData("AWS::StackName", "IngestionStack")]
    [InlineData("Stage", "prod")]
    public void Ref_WhenGivenAPseudoParameterOrParameter_ShouldReturnTheSandboxValue(string name, string expected)
    {
        // Arrange
        var template = SynthesizedTemplate.Parse(Fixture, Context, "IngestionStack");

        // Act
        var value = template.Ref(name);

        // Assert
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("StudyTable5F3E1A0B", "stroke-detection-ai-study-metadata")]
    [InlineData("UploadBucketD2C1DA78", "stroke-detection-ai-dicom-uploads-123456789012")]
    [InlineData("LogsBucket00AA11BB", "ingestionstack-logsbucket00aa11bb")]
    [InlineData("UnnamedFnE5F6A7B8", "IngestionStack-UnnamedFnE5F6A7B8")]
    [InlineData("ProcessingSm0A1B2C3D", "arn:aws:states:eu-west-1:123456789012:stateMachine:stroke-detection-ai-processing")]
    [InlineData("Datastore", "0123456789abcdef0123456789abcdef")]
    public void Ref_WhenGivenAResource_ShouldReturnWhatCloudFormationReturns(string logicalId, string expected)
    {
        // Arrange
        var template = SynthesizedTemplate.Parse(Fixture, Context, "IngestionStack");

        // Act
        var value = template.Ref(logicalId);

        // Assert
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("MonitorFn1A2B3C4D", "Arn", "arn:aws:lambda:eu-west-1:123456789012:function:stroke-detection-ai-import-monitor")]
    [InlineData("StudyTable5F3E1A0B", "Arn", "arn:aws:dynamodb:eu-west-1:123456789012:table/stroke-detection-ai-study-metadata")]
    [InlineData("UploadBucketD2C1DA78", "Arn", "arn:aws:s3:::stroke-detection-ai-dicom-uploads-123456789012")]
    [InlineData("ProcessingSm0A1B2C3D", "Name", "stroke-detection-ai-processing")]
    [InlineData("ImportRole9C4F2E11", "Arn", "arn:aws:iam::123456789012:role/IngestionStack-ImportRole9C4F2E11")]
    [InlineData("Datastore", "DatastoreArn", "arn:aws:medical-imaging:eu-west-1:123456789012:datastore/0123456789abcdef0123456789abcdef")]
    public void GetAtt_WhenGivenASupportedAttribute_ShouldBuildTheArn(string logicalId, string attribute, string expected)
    {
        // Arrange
        var template = SynthesizedTemplate.Parse(Fixture, Context, "IngestionStack");

        // Act
        var value = template.GetAtt(logicalId, attribute);

        // Assert
        Assert.Equal(expected, value);
    }

    [Fact]
    public void Resolve_WhenGivenFnSubForms_ShouldSubstituteRefsAttributesVariablesAndEscapes()
    {
        // Arrange
        var template = SynthesizedTemplate.Parse(Fixture, Context, "IngestionStack");
        var sub = JsonNode.Parse("""
            {"Fn::Sub": ["arn:${AWS::Partition}:s3:::${UploadBucketD2C1DA78}/${Prefix}* ${StudyTable5F3E1A0B.Arn} ${!Literal}",
                         {"Prefix": {"Fn::Select": [1, {"Fn::Split": ["/", "a/imports/b"]}]}}]}
            """);

        // Act
        var value = template.Resolve(sub)?.GetValue<string>();

        // Assert
        Assert.Equal(
            "arn:aws:s3:::stroke-detection-ai-dicom-uploads-123456789012/imports* arn:aws:dynamodb:eu-west-1:123456789012:table/stroke-detection-ai-study-metadata ${Literal}",
            value);
    }

    [Fact]
    public void LambdaFunctions_WhenEnvironmentUsesIntrinsics_ShouldResolveEveryVariable()
    {
        // Arrange
        var template = SynthesizedTemplate.Parse(Fixture, Context, "IngestionStack");

        // Act
        var monitor = template.LambdaFunctions().Single(f => f.Handler == "StrokeIngestion.ImportMonitor::StrokeIngestion.ImportMonitor.Function::Handle");

        // Assert
        Assert.Equal("stroke-detection-ai-import-monitor", monitor.Name);
        Assert.Equal(60, monitor.TimeoutSeconds);
        Assert.Equal("stroke-detection-ai-study-metadata", monitor.Environment["STUDY_TABLE_NAME"]);
        Assert.Equal("0123456789abcdef0123456789abcdef", monitor.Environment["DATASTORE_ID"]);
        Assert.Equal("stroke-detection-ai-dicom-uploads-123456789012", monitor.Environment["UPLOAD_BUCKET_NAME"]);
        Assert.Equal("arn:aws:iam::123456789012:role/IngestionStack-ImportRole9C4F2E11", monitor.Environment["IMPORT_ROLE_ARN"]);
    }

    [Fact]
    public void LambdaFunctions_WhenAFunctionReservesConcurrency_ShouldReadItAndLeaveOthersUnreserved()
    {
        // Arrange
        var template = SynthesizedTemplate.Parse("""
            {"Resources": {
              "Reserved": {"Type": "AWS::Lambda::Function", "Properties": {"FunctionName": "reserved", "Handler": "a", "ReservedConcurrentExecutions": 50}},
              "Shared": {"Type": "AWS::Lambda::Function", "Properties": {"FunctionName": "shared", "Handler": "b"}}}}
            """);

        // Act
        var functions = template.LambdaFunctions().ToDictionary(f => f.Name, StringComparer.Ordinal);

        // Assert
        Assert.Equal(50, functions["reserved"].ReservedConcurrentExecutions);
        Assert.Null(functions["shared"].ReservedConcurrentExecutions);
    }

    [Fact]
    public void Resolve_WhenAnIntrinsicIsNotSupported_ShouldThrowNamingIt()
    {
        // Arrange
        var template = SynthesizedTemplate.Parse(Fixture, Context);
        var conditional = JsonNode.Parse("""{"Fn::If": ["IsProd", "a", "b"]}""");

        // Act
        var error = Assert.Throws<TemplateResolutionException>(() => template.Resolve(conditional));

        // Assert
        Assert.Contains("Fn::If", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GetAtt_WhenTheDatastoreIdIsNotSupplied_ShouldSayHowToSupplyIt()
    {
        // Arrange
        var template = SynthesizedTemplate.Parse(Fixture, new TemplateContext());

        // Act
        var error = Assert.Throws<TemplateResolutionException>(() => template.GetAtt("Datastore", "DatastoreId"));

        // Assert
        Assert.Contains("AttributeOverrides", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadFromCloudAssembly_WhenTheFolderHoldsOneTemplate_ShouldTakeTheStackNameFromTheFileName()
    {
        // Arrange
        var folder = Directory.CreateTempSubdirectory("cdkout-");
        try
        {
            File.WriteAllText(Path.Combine(folder.FullName, "StrokeIngestionStack.template.json"), Fixture);
            File.WriteAllText(Path.Combine(folder.FullName, "manifest.json"), "{}");

            // Act
            var template = SynthesizedTemplate.LoadFromCloudAssembly(folder.FullName, context: Context);

            // Assert
            Assert.Equal("StrokeIngestionStack", template.StackName);
            Assert.Equal(2, template.ResourcesOfType(SynthesizedTemplate.LambdaFunctionType).Count);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}

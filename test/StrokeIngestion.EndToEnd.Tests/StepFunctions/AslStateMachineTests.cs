using System.Text.Json.Nodes;
using StrokeIngestion.Sandbox.StepFunctions;
using StrokeIngestion.Sandbox.StepFunctions.Asl;
using StrokeIngestion.Sandbox.Template;

namespace StrokeIngestion.EndToEnd.Tests.StepFunctions;

public sealed class AslStateMachineTests
{
    private const string LambdaArn = "arn:aws:lambda:us-east-1:000000000000:function:fn";

    public static TheoryData<string, string> UnsupportedStates => new()
    {
        { """{"Type":"Map","ItemsPath":"$.items","ItemProcessor":{},"End":true}""", "Type 'Map'" },
        { """{"Type":"Parallel","Branches":[],"End":true}""", "Type 'Parallel'" },
        { """{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage","Parameters":{"QueueUrl":"q","MessageBody":"m"},"End":true}""", "arn:aws:states:::sqs:sendMessage" },
        { """{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken","Parameters":{"FunctionName":"fn"},"End":true}""", "$$.Task.Token" },
        { """{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken","Parameters":{"QueueUrl":"q","MessageBody.$":"$$.Task.Token"},"End":true}""", "sqs:sendMessage.waitForTaskToken" },
        { $$$"""{"Type":"Task","Resource":"{{{LambdaArn}}}","HeartbeatSeconds":10,"End":true}""", "Field 'HeartbeatSeconds'" },
        { """{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"fn","InvocationType":"Event"},"End":true}""", "parameter 'InvocationType'" },
        { """{"Type":"Pass","Parameters":{"greeting.$":"States.Format('hi {}', $.name)"},"End":true}""", "States.Format" },
        { """{"Type":"Pass","InputPath":"$.items[*]","End":true}""", "$.items[*]" },
        { """{"Type":"Pass","Parameters":{"x.$":"$.items.*"},"End":true}""", "$.items.*" },
        { """{"Type":"Task","Resource":"arn:aws:states:::dynamodb:getItem","Parameters":{"TableName":"t","Key":{},"AttributesToGet":["a"]},"End":true}""", "parameter 'AttributesToGet'" },
        { """{"Type":"Wait","Timestamp":"2026-01-01T00:00:00Z","End":true}""", "Field 'Timestamp'" },
        { """{"Type":"Choice","Choices":[{"Variable":"$.at","TimestampEquals":"2026-01-01T00:00:00Z","Next":"S"}]}""", "TimestampEquals" },
        { """{"Type":"Pass","Next":"Nowhere"}""", "'Nowhere'" },
        { """{"Type":"Pass","QueryLanguage":"JSONata","End":true}""", "QueryLanguage" },
    };

    [Theory]
    [MemberData(nameof(UnsupportedStates))]
    public void Parse_WhenTheDefinitionUsesSomethingNotImplemented_ShouldThrowNamingIt(string state, string expectedFragment)
    {
        // Arrange
        var definition = $$$"""{"StartAt":"S","States":{"S":{{{state}}}}}""";

        // Act
        var error = Assert.Throws<AslDefinitionException>(() => AslStateMachine.Parse(definition));

        // Assert
        Assert.Contains(expectedFragment, error.Message, StringComparison.Ordinal);
        Assert.Contains("'S'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_WhenGivenTheContractDefinition_ShouldAcceptEveryState()
    {
        // Arrange
        var template = SynthesizedTemplate.Parse(
            CdkStyleTemplate.Stack(ContractDefinition.Build()),
            new TemplateContext(AttributeOverrides: new Dictionary<string, string> { ["Datastore.DatastoreId"] = ContractHarness.DatastoreId }));

        // Act
        var machine = AslStateMachine.Parse(template.StateMachines().Single().Definition);

        // Assert
        Assert.Equal("WaitForImport", machine.StartAt);
        Assert.Equal(9000, machine.TimeoutSeconds);
        Assert.Equal(10, machine.States.Count);
        var check = Assert.IsType<TaskState>(machine.States["CheckImportStatus"]);
        Assert.Equal(TaskResourceKind.LambdaInvoke, check.Resource.Kind);
        Assert.Equal(60, check.TimeoutSeconds);
        Assert.Equal(TaskResourceKind.DynamoDbUpdateItem, Assert.IsType<TaskState>(machine.States["MarkTimedOut"]).Resource.Kind);
        Assert.Equal(TaskResourceKind.EventBridgePutEvents, Assert.IsType<TaskState>(machine.States["PublishStudyReady"]).Resource.Kind);
    }

    [Fact]
    public async Task RegisterStateMachines_WhenTheTemplateDefinitionIsUnsupported_ShouldFailAtRegistration()
    {
        // Arrange
        var definition = new JsonObject
        {
            ["StartAt"] = "Fan",
            ["States"] = new JsonObject
            {
                ["Fan"] = new JsonObject { ["Type"] = "Map", ["ItemsPath"] = "$.items", ["End"] = true },
            },
        };
        var template = SynthesizedTemplate.Parse(
            CdkStyleTemplate.Stack(definition),
            new TemplateContext(AttributeOverrides: new Dictionary<string, string> { ["Datastore.DatastoreId"] = ContractHarness.DatastoreId }));
        await using var emulator = new StepFunctionsEmulator();

        // Act
        var error = Assert.Throws<AslDefinitionException>(() => emulator.RegisterStateMachines(template));

        // Assert
        Assert.Contains("'Fan'", error.Message, StringComparison.Ordinal);
        var missing = emulator.StartExecution(emulator.StateMachineArn(CdkStyleTemplate.StateMachineName), "x", "{}");
        Assert.Equal("StateMachineDoesNotExist", missing.Error?.Type);
    }
}

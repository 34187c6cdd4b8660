using System.Text.Json.Nodes;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Moq;
using StrokeIngestion.Sandbox.StepFunctions;
using StrokeIngestion.Sandbox.Template;

namespace StrokeIngestion.EndToEnd.Tests.StepFunctions;

/// <summary>
/// The emulator with the contract state machine registered from a CDK-style template, a
/// scripted ImportMonitor and a mocked DynamoDB that records UpdateItem requests.
/// </summary>
internal sealed class ContractHarness : IAsyncDisposable
{
    public const string StudyId = "STUDY-0123456789ab";
    public const string DatastoreId = "0123456789abcdef0123456789abcdef";

    private ContractHarness(StepFunctionsEmulator emulator, string stateMachineArn)
    {
        Emulator = emulator;
        StateMachineArn = stateMachineArn;
        DynamoDb
            .Setup(c => c.UpdateItemAsync(It.IsAny<UpdateItemRequest>(), It.IsAny<CancellationToken>()))
            .Callback<UpdateItemRequest, CancellationToken>((request, _) => Updates.Add(request))
            .ReturnsAsync(new UpdateItemResponse { HttpStatusCode = System.Net.HttpStatusCode.OK });
        emulator.UseDynamoDb(DynamoDb.Object);
        emulator.RegisterFunction(CdkStyleTemplate.MonitorFunctionName, Monitor.HandleAsync);
    }

    public StepFunctionsEmulator Emulator { get; }

    public string StateMachineArn { get; }

    public ScriptedFunction Monitor { get; } = new();

    public Mock<IAmazonDynamoDB> DynamoDb { get; } = new();

    public List<UpdateItemRequest> Updates { get; } = [];

    public static ContractHarness Create(StepFunctionsEmulatorOptions? options = null, JsonObject? definition = null)
    {
        var template = SynthesizedTemplate.Parse(
            CdkStyleTemplate.Stack(definition ?? ContractDefinition.Build()),
            new TemplateContext(AttributeOverrides: new Dictionary<string, string> { ["Datastore.DatastoreId"] = DatastoreId }));
        var emulator = new StepFunctionsEmulator(options ?? new StepFunctionsEmulatorOptions { TimeScale = 0 });
        var arn = emulator.RegisterStateMachines(template).Single();
        return new ContractHarness(emulator, arn);
    }

    public static string Input(int attempt = 0, string studyId = StudyId) => new JsonObject
    {
        ["study_id"] = studyId,
        ["datastore_id"] = DatastoreId,
        ["import_job_id"] = "a1b2c3d4e5f6",
        ["attempt"] = attempt,
    }.ToJsonString();

    public string Start(int attempt = 0, string studyId = StudyId)
    {
        var started = Emulator.StartExecution(StateMachineArn, "stroke-analysis-" + studyId, Input(attempt, studyId));
        return started.Value?.ExecutionArn ?? throw new InvalidOperationException(started.Error?.Message);
    }

    public async Task<ExecutionSnapshot> RunAsync(int attempt = 0, string studyId = StudyId)
    {
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        return await Emulator.WaitForCompletionAsync(Start(attempt, studyId), guard.Token);
    }

    public ValueTask DisposeAsync() => Emulator.DisposeAsync();
}

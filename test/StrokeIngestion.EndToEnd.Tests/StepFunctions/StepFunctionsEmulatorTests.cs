using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using StrokeIngestion.Sandbox.StepFunctions;

namespace StrokeIngestion.EndToEnd.Tests.StepFunctions;

/// <summary>What a sandbox host sees of the emulator: close notifications, the event log, hosting.</summary>
public sealed class StepFunctionsEmulatorTests
{
    private const string Publish = """
        {"StartAt":"Publish","States":{"Publish":{"Type":"Task","Resource":"arn:aws:states:::events:putEvents",
          "Parameters":{"Entries":[{"Source":"stroke-detection-ai","DetailType":"Study Ready For Analysis",
            "Detail":{"study_id.$":"$.study_id"},"EventBusName":"analysis"}]},"End":true}}}
        """;

    [Fact]
    public async Task ExecutionClosed_WhenAnExecutionFails_ShouldNotifyOnceAndRecordStatusChangeEvents()
    {
        // Arrange
        await using var emulator = new StepFunctionsEmulator(new StepFunctionsEmulatorOptions { TimeScale = 0 });
        var arn = emulator.RegisterStateMachine("failing", """{"StartAt":"Stop","States":{"Stop":{"Type":"Fail","Error":"Broken","Cause":"on purpose"}}}""");
        var closed = new List<ExecutionSnapshot>();
        var notified = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        emulator.ExecutionClosed += (_, e) =>
        {
            closed.Add(e.Execution);
            notified.TrySetResult();
        };
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(20));

        // Act
        var executionArn = emulator.StartExecution(arn, "stroke-analysis-STUDY-0123456789ab", "{}").Value?.ExecutionArn;
        await notified.Task.WaitAsync(guard.Token);

        // Assert
        var snapshot = Assert.Single(closed);
        Assert.Equal(ExecutionStatus.Failed, snapshot.Status);
        Assert.Equal("Broken", snapshot.Error);
        var changes = emulator.Events.Snapshot().Where(e => e.DetailType == "Step Functions Execution Status Change").ToList();
        Assert.All(changes, e => Assert.Equal("aws.states", e.Source));
        Assert.Equal(["RUNNING", "FAILED"], changes.Select(e => JsonNode.Parse(e.Detail)?["status"]?.GetValue<string>()));
        Assert.Equal(executionArn, JsonNode.Parse(changes[1].Detail)?["executionArn"]?.GetValue<string>());
        Assert.Equal("stroke-analysis-STUDY-0123456789ab", JsonNode.Parse(changes[1].Detail)?["name"]?.GetValue<string>());
    }

    [Fact]
    public async Task EventLogPath_WhenSet_ShouldAppendEachEventAsAnEventBridgeEnvelopeLine()
    {
        // Arrange
        var path = Path.Combine(Path.GetTempPath(), $"sfn-events-{Guid.NewGuid():N}.jsonl");
        try
        {
            await using var emulator = new StepFunctionsEmulator(new StepFunctionsEmulatorOptions { TimeScale = 0, EventLogPath = path });
            var arn = emulator.RegisterStateMachine("publishing", Publish);
            using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(20));

            // Act
            var executionArn = emulator.StartExecution(arn, "p-1", """{"study_id":"STUDY-0123456789ab"}""").Value?.ExecutionArn ?? string.Empty;
            var execution = await emulator.WaitForCompletionAsync(executionArn, guard.Token);
            var published = await emulator.Events.WaitForAsync(e => e.Source == "stroke-detection-ai", guard.Token);

            // Assert
            Assert.Equal(ExecutionStatus.Succeeded, execution.Status);
            Assert.Equal(published.EventId, JsonNode.Parse(execution.Output ?? "null")?["Entries"]?[0]?["EventId"]?.GetValue<string>());
            Assert.Equal(0, JsonNode.Parse(execution.Output ?? "null")?["FailedEntryCount"]?.GetValue<int>());
            var line = File.ReadAllLines(path).Select(l => JsonNode.Parse(l)).Single(e => e?["source"]?.GetValue<string>() == "stroke-detection-ai");
            Assert.Equal("Study Ready For Analysis", line?["detail-type"]?.GetValue<string>());
            Assert.Equal("analysis", line?["event-bus-name"]?.GetValue<string>());
            Assert.Equal("000000000000", line?["account"]?.GetValue<string>());
            Assert.Equal("STUDY-0123456789ab", line?["detail"]?["study_id"]?.GetValue<string>());
            Assert.Equal(executionArn, line?["resources"]?[0]?.GetValue<string>());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task PutEvents_WhenAnEntryIsInvalid_ShouldFailWithEventBridgeFailedEntry()
    {
        // Arrange
        await using var emulator = new StepFunctionsEmulator(new StepFunctionsEmulatorOptions { TimeScale = 0 });
        var arn = emulator.RegisterStateMachine(
            "bad-entry",
            """{"StartAt":"Publish","States":{"Publish":{"Type":"Task","Resource":"arn:aws:states:::events:putEvents","Parameters":{"Entries":[{"Source":"s","DetailType":"d","Detail":"not json"}]},"End":true}}}""");
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(20));

        // Act
        var execution = await emulator.WaitForCompletionAsync(emulator.StartExecution(arn, "b-1", "{}").Value?.ExecutionArn ?? string.Empty, guard.Token);

        // Assert
        Assert.Equal("EventBridge.FailedEntry", execution.Error);
        Assert.DoesNotContain(emulator.Events.Snapshot(), e => e.Source == "s");
    }

    [Fact]
    public async Task MapEndpoints_WhenMountedOnAHostApplication_ShouldServeTheApiThere()
    {
        // Arrange
        await using var emulator = new StepFunctionsEmulator();
        var arn = emulator.RegisterStateMachine("hosted", """{"StartAt":"Done","States":{"Done":{"Type":"Succeed"}}}""");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        await using var app = builder.Build();
        emulator.MapEndpoints(app, "/sfn");
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/sfn")
        {
            Content = new StringContent(new JsonObject { ["stateMachineArn"] = arn, ["name"] = "h-1" }.ToJsonString(), Encoding.UTF8, StepFunctionsWire.ContentType),
        };
        request.Headers.Add("X-Amz-Target", "AWSStepFunctions.StartExecution");

        // Act
        using var response = await http.SendAsync(request);

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(
            "arn:aws:states:us-east-1:000000000000:execution:hosted:h-1",
            JsonNode.Parse(await response.Content.ReadAsStringAsync())?["executionArn"]?.GetValue<string>());
        await app.StopAsync();
    }
}

using System.Text.Json.Nodes;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Time.Testing;
using Moq;
using StrokeIngestion.Core.Errors;
using StrokeIngestion.Sandbox.StepFunctions;

namespace StrokeIngestion.EndToEnd.Tests.StepFunctions;

/// <summary>The contract state machine, registered from a CDK-style template, run end to end.</summary>
public sealed class ContractStateMachineTests
{
    [Fact]
    public async Task Run_WhenImportCompletesOnThirdPoll_ShouldSucceedAndPublishStudyReady()
    {
        // Arrange
        await using var harness = ContractHarness.Create();
        harness.Monitor
            .Then(MonitorReply.InProgress)
            .Then(MonitorReply.InProgress)
            .Then(input => MonitorReply.Ready(input, "imgset-1", "imgset-2"));

        // Act
        var execution = await harness.RunAsync();

        // Assert
        Assert.Equal(ExecutionStatus.Succeeded, execution.Status);
        Assert.Equal(3, harness.Monitor.Calls);
        Assert.Equal([0, 1, 2], harness.Monitor.Inputs.Select(i => i?["attempt"]?.GetValue<int>() ?? -1));
        var output = JsonNode.Parse(execution.Output ?? "null");
        Assert.Equal("READY_FOR_ANALYSIS", output?["status"]?.GetValue<string>());
        Assert.Equal(3, output?["attempt"]?.GetValue<int>());

        var published = Assert.Single(harness.Emulator.Events.Snapshot(), e => e.Source == CdkStyleTemplate.Project);
        Assert.Equal("Study Ready For Analysis", published.DetailType);
        Assert.Equal("default", published.EventBusName);
        Assert.Contains(execution.ExecutionArn, published.Resources);
        var detail = JsonNode.Parse(published.Detail);
        Assert.Equal(ContractHarness.StudyId, detail?["study_id"]?.GetValue<string>());
        Assert.Equal(ContractHarness.DatastoreId, detail?["datastore_id"]?.GetValue<string>());
        Assert.Equal("imgset-1", detail?["image_set_id"]?.GetValue<string>());
        Assert.Equal(2, detail?["image_set_ids"]?.AsArray().Count);
        Assert.Empty(harness.Updates);
    }

    [Fact]
    public async Task Run_WhenImportFails_ShouldFailWithImportFailedAndTheReason()
    {
        // Arrange
        await using var harness = ContractHarness.Create();
        harness.Monitor.Then(MonitorReply.InProgress).Then(input => MonitorReply.Failed(input, "no_image_sets_created"));

        // Act
        var execution = await harness.RunAsync();

        // Assert
        Assert.Equal(ExecutionStatus.Failed, execution.Status);
        Assert.Equal("ImportFailed", execution.Error);
        Assert.Equal("no_image_sets_created", execution.Cause);
        Assert.DoesNotContain(harness.Emulator.Events.Snapshot(), e => e.Source == CdkStyleTemplate.Project);
    }

    [Fact]
    public async Task Run_WhenImportNeverEnds_ShouldStopAtTheAttemptBoundAndMarkTheStudyTimedOut()
    {
        // Arrange
        await using var harness = ContractHarness.Create();
        harness.Monitor.Otherwise(MonitorReply.InProgress);

        // Act
        var execution = await harness.RunAsync();

        // Assert
        Assert.Equal(ExecutionStatus.Failed, execution.Status);
        Assert.Equal("ImportTimedOut", execution.Error);
        Assert.Equal(ContractDefinition.AttemptBound, harness.Monitor.Calls);
        var update = Assert.Single(harness.Updates);
        Assert.Equal(CdkStyleTemplate.TableName, update.TableName);
        Assert.Equal(ContractHarness.StudyId, update.Key["study_id"].S);
        Assert.Equal("IMPORT_TIMED_OUT", update.ExpressionAttributeValues[":status"].S);
        Assert.Equal("import_timed_out", update.ExpressionAttributeValues[":reason"].S);
        Assert.Equal("#status IN (:received, :importing)", update.ConditionExpression);
        Assert.Equal("status", update.ExpressionAttributeNames["#status"]);
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$", update.ExpressionAttributeValues[":now"].S);
    }

    [Fact]
    public async Task Run_WhenMonitorThrowsTransientErrors_ShouldRetryAndThenSucceed()
    {
        // Arrange
        await using var harness = ContractHarness.Create();
        harness.Monitor
            .ThenThrow(new TransientDependencyException(Dependency.HealthImaging, "ThrottlingException", "throttled", throttled: true), times: 3)
            .Then(input => MonitorReply.Ready(input, "imgset-1"));

        // Act
        var execution = await harness.RunAsync();

        // Assert
        Assert.Equal(ExecutionStatus.Succeeded, execution.Status);
        Assert.Equal(4, harness.Monitor.Calls);
        Assert.All(harness.Monitor.Inputs, input => Assert.Equal(0, input?["attempt"]?.GetValue<int>()));
    }

    [Fact]
    public async Task Run_WhenTransientErrorsOutlastTheRetries_ShouldCatchAndMarkTheMonitorFailed()
    {
        // Arrange
        await using var harness = ContractHarness.Create();
        harness.Monitor.ThenThrow(new TransientDependencyException(Dependency.DynamoDb, "InternalServerError", "5xx", throttled: false), times: 5);

        // Act
        var execution = await harness.RunAsync();

        // Assert
        Assert.Equal(5, harness.Monitor.Calls);
        Assert.Equal(ExecutionStatus.Failed, execution.Status);
        Assert.Equal("MonitorFailed", execution.Error);
        Assert.Equal("IMPORT_FAILED", Assert.Single(harness.Updates).ExpressionAttributeValues[":status"].S);
    }

    [Fact]
    public async Task Run_WhenMonitorThrowsANonRetryableError_ShouldCatchOnceAndMarkTheStudyFailed()
    {
        // Arrange
        await using var harness = ContractHarness.Create();
        harness.Monitor.ThenThrow(new DependencyException(Dependency.HealthImaging, "ValidationException", "bad job id"));

        // Act
        var execution = await harness.RunAsync();

        // Assert
        Assert.Equal(1, harness.Monitor.Calls);
        Assert.Equal(ExecutionStatus.Failed, execution.Status);
        Assert.Equal("MonitorFailed", execution.Error);
        var update = Assert.Single(harness.Updates);
        Assert.Equal("IMPORT_FAILED", update.ExpressionAttributeValues[":status"].S);
        Assert.Equal("monitor_error", update.ExpressionAttributeValues[":reason"].S);
    }

    [Fact]
    public async Task Run_WhenTheStudyIsAlreadyTerminal_ShouldCatchTheConditionalCheckAndStillFail()
    {
        // Arrange
        await using var harness = ContractHarness.Create();
        harness.Monitor.ThenThrow(new InvalidOperationException("boom"));
        harness.DynamoDb
            .Setup(c => c.UpdateItemAsync(It.IsAny<UpdateItemRequest>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new ConditionalCheckFailedException("The conditional request failed")
            {
                ErrorCode = "ConditionalCheckFailedException",
                StatusCode = System.Net.HttpStatusCode.BadRequest,
            });

        // Act
        var execution = await harness.RunAsync();

        // Assert
        Assert.Equal(ExecutionStatus.Failed, execution.Status);
        Assert.Equal("MonitorFailed", execution.Error);
    }

    [Fact]
    public async Task Run_WhenTheMonitorHangsPastTheTaskTimeout_ShouldRetryOnStatesTimeout()
    {
        // Arrange
        await using var harness = ContractHarness.Create(new StepFunctionsEmulatorOptions { TimeScale = 0, TimeoutScale = 0.001 });
        harness.Monitor
            .ThenAsync(async (_, token) =>
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, token);
                return null;
            })
            .Then(input => MonitorReply.Ready(input, "imgset-1"));

        // Act
        var execution = await harness.RunAsync();

        // Assert
        Assert.Equal(ExecutionStatus.Succeeded, execution.Status);
        Assert.Equal(2, harness.Monitor.Calls);
    }

    [Fact]
    public async Task Run_WhenTimeIsNotScaled_ShouldNotPollBeforeTheThirtySecondWait()
    {
        // Arrange
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
        await using var harness = ContractHarness.Create(new StepFunctionsEmulatorOptions { TimeProvider = clock });
        harness.Monitor.Then(input => MonitorReply.Ready(input, "imgset-1"));
        var executionArn = harness.Start();
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        ExecutionSnapshot? waiting;
        while ((waiting = harness.Emulator.DescribeExecution(executionArn).Value)?.ResumesAt is null)
        {
            await Task.Yield();
            guard.Token.ThrowIfCancellationRequested();
        }

        // Act
        clock.Advance(TimeSpan.FromSeconds(29));
        var beforeDue = harness.Emulator.DescribeExecution(executionArn).Value;
        clock.Advance(TimeSpan.FromSeconds(1));
        var execution = await harness.Emulator.WaitForCompletionAsync(executionArn, guard.Token);

        // Assert
        Assert.Equal("WaitForImport", waiting.CurrentState);
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 12, 0, 30, TimeSpan.Zero), waiting.ResumesAt);
        Assert.Equal(ExecutionStatus.Running, beforeDue?.Status);
        Assert.Equal(ExecutionStatus.Succeeded, execution.Status);
        Assert.Equal(clock.GetUtcNow(), execution.StopDate);
        Assert.Equal(1, harness.Monitor.Calls);
    }

    [Fact]
    public async Task Run_WhenTheExecutionOutlivesTheMachineTimeout_ShouldEndTimedOut()
    {
        // Arrange
        await using var harness = ContractHarness.Create(new StepFunctionsEmulatorOptions { TimeScale = 1, TimeoutScale = 0.0001 });

        // Act
        var execution = await harness.RunAsync();

        // Assert
        Assert.Equal(ExecutionStatus.TimedOut, execution.Status);
        Assert.Equal("States.Timeout", execution.Error);
        Assert.Equal(0, harness.Monitor.Calls);
    }

    [Fact]
    public async Task Run_WhenTheHistoryLimitIsReached_ShouldFailLikeAws()
    {
        // Arrange
        await using var harness = ContractHarness.Create(new StepFunctionsEmulatorOptions { TimeScale = 0, MaxHistoryEvents = 100 });
        harness.Monitor.Otherwise(MonitorReply.InProgress);

        // Act
        var execution = await harness.RunAsync();

        // Assert
        Assert.Equal(ExecutionStatus.Failed, execution.Status);
        Assert.Contains("maximum number of history events", execution.Cause, StringComparison.Ordinal);
        Assert.InRange(harness.Monitor.Calls, 5, 20);
    }

    [Fact]
    public async Task Run_WhenTheMonitorIsNotRegistered_ShouldCatchResourceNotFoundAndMarkTheMonitorFailed()
    {
        // Arrange
        var definition = ContractDefinition.Build();
        var parameters = definition["States"]?["CheckImportStatus"]?["Parameters"]?.AsObject()
            ?? throw new InvalidOperationException("The contract definition changed shape.");
        parameters["FunctionName"] = "arn:aws:lambda:us-east-1:000000000000:function:missing";
        await using var harness = ContractHarness.Create(definition: definition);

        // Act
        var execution = await harness.RunAsync();

        // Assert
        Assert.Equal(0, harness.Monitor.Calls);
        Assert.Equal("MonitorFailed", execution.Error);
        Assert.Equal("IMPORT_FAILED", Assert.Single(harness.Updates).ExpressionAttributeValues[":status"].S);
    }
}

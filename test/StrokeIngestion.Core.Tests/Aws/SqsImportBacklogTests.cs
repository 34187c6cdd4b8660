using System.Text.Json;
using Amazon.SQS;
using Amazon.SQS.Model;
using StrokeIngestion.Core.Admission;
using StrokeIngestion.Core.Aws;
using StrokeIngestion.Core.Domain;
using StrokeIngestion.Core.Errors;
using StrokeIngestion.Core.Ports;
using StrokeIngestion.Sandbox.Emulators;
using StrokeIngestion.Testing;

namespace StrokeIngestion.Core.Tests.Aws;

/// <summary>One moto SQS process per test class (python3 + moto from the machine image).</summary>
public sealed class SqsEmulatorFixture : IAsyncLifetime
{
    private NodeEmulatorProcess? _emulator;
    private AmazonSQSClient? _client;

    internal AmazonSQSClient Client => _client ?? throw new InvalidOperationException("moto is not running.");

    /// <summary>Skips the calling test when python3 with moto is not installed.</summary>
    public void Require()
    {
        ExternalTool.Require("python3", "the machine image ships python3 with moto 5.2");
        Skip.If(_client is null && !ExternalTool.Required, "moto did not start (python3 without moto?).");
        _ = Client;
    }

    public async Task InitializeAsync()
    {
        try
        {
            _emulator = await NodeEmulatorProcess.StartSqsAsync(ExternalTool.RepoRoot, port: null, CancellationToken.None);
        }
        catch (Exception error) when (error is FileNotFoundException or InvalidOperationException && !ExternalTool.Required)
        {
            return;
        }

        _client = EmulatorResources.CreateSqsClient(_emulator.Endpoint);
    }

    public async Task DisposeAsync()
    {
        _client?.Dispose();
        if (_emulator is not null)
        {
            await _emulator.DisposeAsync();
        }
    }
}

/// <summary>The import queues adapter with the official SDK against moto, and the redrive the stack relies on.</summary>
public sealed class SqsImportBacklogTests : IClassFixture<SqsEmulatorFixture>
{
    private readonly SqsEmulatorFixture _fixture;

    public SqsImportBacklogTests(SqsEmulatorFixture fixture) => _fixture = fixture;

    [SkippableFact]
    public async Task EnqueueAsync_WhenRoutineAndUrgent_ShouldSendEachToItsQueueWithOnlyIdAndPriority()
    {
        _fixture.Require();
        var (urgent, routine) = await CreateQueuesAsync();
        var backlog = SdkClients.CreateImportBacklog(_fixture.Client, urgent, routine);
        var id = StudyId.FromScope("sqs-test-1");

        await backlog.EnqueueAsync(id, StudyPriority.Routine, CancellationToken.None);

        var received = await _fixture.Client.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = routine, MaxNumberOfMessages = 10 });
        var message = Assert.Single(received.Messages);
        Assert.Equal($"{{\"study_id\":\"{id.Value}\",\"priority\":\"routine\"}}", message.Body);
        Assert.True(ImportQueueMessage.TryParse(message.Body, out var parsed));
        Assert.Equal(new ImportQueueMessage(id, StudyPriority.Routine), parsed);
        var none = await _fixture.Client.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = urgent, MaxNumberOfMessages = 10 });
        Assert.Empty(none.Messages ?? []);
    }

    [SkippableFact]
    public async Task GetBacklogAsync_WhenMessagesWaitOrAreInFlight_ShouldCountBothPerPriority()
    {
        _fixture.Require();
        var (urgent, routine) = await CreateQueuesAsync();
        var backlog = SdkClients.CreateImportBacklog(_fixture.Client, urgent, routine);
        for (var i = 0; i < 3; i++)
        {
            await backlog.EnqueueAsync(StudyId.FromScope($"u{i}"), StudyPriority.Urgent, CancellationToken.None);
        }

        await backlog.EnqueueAsync(StudyId.FromScope("r0"), StudyPriority.Routine, CancellationToken.None);

        // One urgent message taken by a dispatcher: still not started, still counted.
        await _fixture.Client.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = urgent, MaxNumberOfMessages = 1, VisibilityTimeout = 60 });

        Assert.Equal(new QueueBacklog(3, 1), await backlog.GetBacklogAsync(CancellationToken.None));
    }

    [SkippableFact]
    public async Task PostponeAsync_WhenAdmissionAsksForAWait_ShouldHideTheMessageThatLongOnItsOwnQueue()
    {
        _fixture.Require();
        var (urgent, routine) = await CreateQueuesAsync();
        var backlog = SdkClients.CreateImportBacklog(_fixture.Client, urgent, routine);
        await backlog.EnqueueAsync(StudyId.FromScope("p0"), StudyPriority.Urgent, CancellationToken.None);
        var taken = Assert.Single((await _fixture.Client.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = urgent, VisibilityTimeout = 60 })).Messages);
        var arn = (await _fixture.Client.GetQueueAttributesAsync(urgent, ["QueueArn"])).QueueARN;

        await backlog.PostponeAsync(new QueueDelivery(arn, taken.ReceiptHandle), TimeSpan.Zero, CancellationToken.None);

        // Visible again at once (0 s) instead of after the 60 s the receive asked for.
        var again = await _fixture.Client.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = urgent });
        Assert.Equal(taken.MessageId, Assert.Single(again.Messages).MessageId);
    }

    [SkippableFact]
    public async Task EnqueueAsync_WhenTheQueueDoesNotExist_ShouldThrowADependencyExceptionWithoutTheBody()
    {
        _fixture.Require();
        var missing = $"{_fixture.Client.Config.ServiceURL?.TrimEnd('/')}/123456789012/no-such-queue";
        var backlog = SdkClients.CreateImportBacklog(_fixture.Client, missing, missing);

        var error = await Assert.ThrowsAnyAsync<DependencyException>(() => backlog.EnqueueAsync(StudyId.FromScope("x"), StudyPriority.Urgent, CancellationToken.None));

        Assert.Equal(Dependency.Sqs, error.Dependency);
        Assert.DoesNotContain("study_id", error.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Redrive_WhenAMessageIsReceivedMoreThanMaxReceiveCount_ShouldLandInTheDlq()
    {
        _fixture.Require();
        var name = "redrive-" + Guid.NewGuid().ToString("N")[..8];
        var dlq = (await _fixture.Client.CreateQueueAsync(name + "-dlq")).QueueUrl;
        var dlqArn = (await _fixture.Client.GetQueueAttributesAsync(dlq, ["QueueArn"])).QueueARN;
        var policy = JsonSerializer.Serialize(new Dictionary<string, string> { ["deadLetterTargetArn"] = dlqArn, ["maxReceiveCount"] = "2" });
        var queue = (await _fixture.Client.CreateQueueAsync(new CreateQueueRequest
        {
            QueueName = name,
            Attributes = new Dictionary<string, string> { ["RedrivePolicy"] = policy, ["VisibilityTimeout"] = "0" },
        })).QueueUrl;
        await _fixture.Client.SendMessageAsync(queue, "{}");

        for (var i = 0; i < 3; i++)
        {
            await _fixture.Client.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = queue, VisibilityTimeout = 0 });
        }

        var dead = await _fixture.Client.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = dlq });
        Assert.Equal("{}", Assert.Single(dead.Messages).Body);
    }

    private async Task<(string Urgent, string Routine)> CreateQueuesAsync()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var urgent = await _fixture.Client.CreateQueueAsync($"import-urgent-{suffix}");
        var routine = await _fixture.Client.CreateQueueAsync($"import-routine-{suffix}");
        return (urgent.QueueUrl, routine.QueueUrl);
    }
}

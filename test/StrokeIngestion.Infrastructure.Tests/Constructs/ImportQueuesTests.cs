using Amazon.CDK.Assertions;
using StrokeIngestion.Infrastructure.Tests.Support;
using static StrokeIngestion.Infrastructure.Tests.Support.J;

namespace StrokeIngestion.Infrastructure.Tests.Constructs;

[Collection(SynthesizedStacks.Name)]
public sealed class ImportQueuesTests(DefaultStackFixture stack, CustomizedStackFixture customized)
{
    private const int FourteenDays = 14 * 24 * 3600;

    [Fact]
    public void Queues_ShouldBeTheTwoImportQueuesTheirDlqsAndTheWorkflowBackstop()
    {
        var names = stack.OfType("AWS::SQS::Queue")
            .Select(q => q.Resource["Properties"]?["QueueName"]?.GetValue<string>())
            .Order(StringComparer.Ordinal);

        Assert.Equal(
            [
                "stroke-detection-ai-import-routine",
                "stroke-detection-ai-import-routine-dlq",
                "stroke-detection-ai-import-urgent",
                "stroke-detection-ai-import-urgent-dlq",
                "stroke-detection-ai-workflow-backstop-dlq",
            ],
            names);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void MainQueue_ShouldRedriveToItsOwnDlqAfterTwentyReceives(bool urgent)
    {
        var queues = stack.Stack.Queues;
        var (queue, dlq) = urgent ? (queues.Urgent, queues.UrgentDeadLetterQueue) : (queues.Routine, queues.RoutineDeadLetterQueue);

        var properties = stack.Resources[stack.LogicalId(queue)]?["Properties"];

        Assert.Equal($"{{{stack.LogicalId(dlq)}.Arn}}", stack.Placeholders.Render(properties?["RedrivePolicy"]?["deadLetterTargetArn"]));
        Assert.Equal(20, properties?["RedrivePolicy"]?["maxReceiveCount"]?.GetValue<int>());
        Assert.Equal(FourteenDays, stack.Resources[stack.LogicalId(dlq)]?["Properties"]?["MessageRetentionPeriod"]?.GetValue<int>());
    }

    [Fact]
    public void MainQueues_ShouldHideAReceivedMessageForSixDispatcherTimeouts()
    {
        var dispatcherTimeout = stack.Resources[stack.LogicalId(stack.Stack.ImportDispatcher.Function)]?["Properties"]?["Timeout"]?.GetValue<int>();

        Assert.Equal(120, dispatcherTimeout);
        foreach (var queue in new[] { stack.Stack.Queues.Urgent, stack.Stack.Queues.Routine })
        {
            Assert.Equal(6 * dispatcherTimeout, stack.Resources[stack.LogicalId(queue)]?["Properties"]?["VisibilityTimeout"]?.GetValue<int>());
        }
    }

    [Fact]
    public void Queues_ShouldAllBeEncryptedAtRestAndRefuseRequestsWithoutTls()
    {
        var queues = stack.OfType("AWS::SQS::Queue").ToList();
        var policies = stack.OfType("AWS::SQS::QueuePolicy").ToList();

        Assert.All(queues, q => Assert.True(q.Resource["Properties"]?["SqsManagedSseEnabled"]?.GetValue<bool>(), q.LogicalId + " is not encrypted"));
        Assert.All(queues, q => Assert.Contains(policies, p =>
            p.Resource["Properties"]?["Queues"]?.ToJsonString() == $$"""[{"Ref":"{{q.LogicalId}}"}]"""
            && PolicyStatements.Items(p.Resource["Properties"]?["PolicyDocument"]?["Statement"]).Any(statement =>
                statement?["Effect"]?.GetValue<string>() == "Deny"
                && statement["Action"]?.ToJsonString() == "\"sqs:*\""
                && statement["Condition"]?.ToJsonString() == """{"Bool":{"aws:SecureTransport":"false"}}""")));
    }

    [Theory]
    [InlineData(true, 1, 5)]
    [InlineData(false, 10, 2)]
    public void EventSourceMapping_ShouldFeedTheQueueToTheDispatcherWithPartialBatchResponses(bool urgent, int batchSize, int maximumConcurrency)
    {
        var queue = urgent ? stack.Stack.Queues.Urgent : stack.Stack.Queues.Routine;

        stack.Template.HasResourceProperties("AWS::Lambda::EventSourceMapping", Obj(
            ("EventSourceArn", GetAtt(stack.LogicalId(queue), "Arn")),
            ("FunctionName", Ref(stack.LogicalId(stack.Stack.ImportDispatcher.Function))),
            ("BatchSize", batchSize),
            ("FunctionResponseTypes", Arr("ReportBatchItemFailures")),
            ("ScalingConfig", Obj(("MaximumConcurrency", maximumConcurrency)))));
    }

    [Fact]
    public void EventSourceMappings_ShouldBeExactlyOnePerMainQueueAndNoneOnTheDlqs()
    {
        var sources = stack.OfType("AWS::Lambda::EventSourceMapping")
            .Select(m => stack.Placeholders.Render(m.Resource["Properties"]?["EventSourceArn"]))
            .Order(StringComparer.Ordinal);

        Assert.Equal(
            new[] { stack.Stack.Queues.Urgent, stack.Stack.Queues.Routine }.Select(q => $"{{{stack.LogicalId(q)}.Arn}}").Order(StringComparer.Ordinal),
            sources);
    }

    [Fact]
    public void SweepRule_ShouldRunTheDispatchersSweepEveryFiveMinutes()
    {
        var dispatcher = stack.LogicalId(stack.Stack.ImportDispatcher.Function);
        var rule = stack.Stack.Queues.SweepRule;
        Assert.NotNull(rule);

        stack.Template.HasResourceProperties("AWS::Events::Rule", Obj(
            ("Name", "stroke-detection-ai-import-sweep"),
            ("ScheduleExpression", "rate(5 minutes)"),
            ("State", "ENABLED"),
            ("Targets", Arr(Match.ObjectLike(Obj(
                ("Arn", GetAtt(dispatcher, "Arn")),
                ("Input", """{"action":"sweep"}"""),
                ("RetryPolicy", Obj(("MaximumRetryAttempts", 0), ("MaximumEventAgeInSeconds", 300)))))))));
        stack.Template.HasResourceProperties("AWS::Lambda::Permission", Obj(
            ("Action", "lambda:InvokeFunction"),
            ("FunctionName", GetAtt(dispatcher, "Arn")),
            ("Principal", "events.amazonaws.com"),
            ("SourceArn", GetAtt(stack.LogicalId(rule), "Arn"))));
    }

    [Fact]
    public void ProjectName_WhenChanged_ShouldNameTheQueuesDispatcherAndRuleAfterIt()
    {
        foreach (var name in new[] { "acme-neuro-import-urgent", "acme-neuro-import-urgent-dlq", "acme-neuro-import-routine", "acme-neuro-import-routine-dlq" })
        {
            customized.Template.HasResourceProperties("AWS::SQS::Queue", Obj(("QueueName", name)));
        }

        customized.Template.HasResourceProperties("AWS::Lambda::Function", Obj(("FunctionName", "acme-neuro-import-dispatcher")));
        customized.Template.HasResourceProperties("AWS::Events::Rule", Obj(("Name", "acme-neuro-import-sweep")));
    }
}

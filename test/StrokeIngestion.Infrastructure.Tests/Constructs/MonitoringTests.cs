using System.Text.Json.Nodes;
using Amazon.CDK.Assertions;
using StrokeIngestion.Infrastructure.Tests.Support;
using static StrokeIngestion.Infrastructure.Tests.Support.J;

namespace StrokeIngestion.Infrastructure.Tests.Constructs;

[Collection(SynthesizedStacks.Name)]
public sealed class MonitoringTests(DefaultStackFixture stack, CustomizedStackFixture customized)
{
    [Fact]
    public void Alarms_ShouldWatchEveryFailureSignalOfThePipeline()
    {
        var upload = stack.LogicalId(stack.Stack.UploadHandler.Function);
        var monitor = stack.LogicalId(stack.Stack.ImportMonitor.Function);
        var machine = stack.LogicalId(stack.Stack.Workflow.StateMachine);
        var api = stack.LogicalId(stack.Stack.Api.Api);
        var queue = stack.LogicalId(stack.Stack.Workflow.BackstopDeadLetterQueue);
        var dispatcher = stack.LogicalId(stack.Stack.ImportDispatcher.Function);
        var queues = stack.Stack.Queues;

        var watched = stack.OfType("AWS::CloudWatch::Alarm")
            .Select(a => a.Resource["Properties"])
            .Select(p => $"{p?["Namespace"]}/{p?["MetricName"]} {stack.Placeholders.Render(p?["Dimensions"]?[0]?["Value"])}")
            .Order(StringComparer.Ordinal);

        Assert.Equal(
            new[]
            {
                $"AWS/ApiGateway/5xx {{{api}}}",
                $"AWS/Lambda/Errors {{{dispatcher}}}",
                $"AWS/Lambda/Errors {{{monitor}}}",
                $"AWS/Lambda/Errors {{{upload}}}",
                $"AWS/SQS/ApproximateAgeOfOldestMessage {{{stack.LogicalId(queues.Urgent)}.QueueName}}",
                $"AWS/SQS/ApproximateAgeOfOldestMessage {{{stack.LogicalId(queues.Routine)}.QueueName}}",
                $"AWS/SQS/ApproximateNumberOfMessagesVisible {{{stack.LogicalId(queues.UrgentDeadLetterQueue)}.QueueName}}",
                $"AWS/SQS/ApproximateNumberOfMessagesVisible {{{stack.LogicalId(queues.RoutineDeadLetterQueue)}.QueueName}}",
                $"AWS/Lambda/Throttles {{{monitor}}}",
                $"AWS/Lambda/Throttles {{{upload}}}",
                $"AWS/SQS/ApproximateNumberOfMessagesVisible {{{queue}.QueueName}}",
                $"AWS/States/ExecutionTime {{{machine}}}",
                $"AWS/States/ExecutionsFailed {{{machine}}}",
                $"AWS/States/ExecutionsTimedOut {{{machine}}}",
                "stroke-detection-ai/ImportEventsMissing null",
            }.Order(StringComparer.Ordinal),
            watched);
    }

    [Fact]
    public void Alarms_ShouldAllNotifyTheAlarmTopicOnAlarmAndRecovery()
    {
        var topic = stack.LogicalId(stack.Stack.Monitoring.AlarmTopic);

        stack.Template.AllResourcesProperties("AWS::CloudWatch::Alarm", Obj(
            ("AlarmActions", Arr(Ref(topic))),
            ("OKActions", Arr(Ref(topic))),
            ("AlarmName", Match.StringLikeRegexp("^stroke-detection-ai-")),
            ("TreatMissingData", "notBreaching")));
    }

    [Theory]
    [InlineData("stroke-detection-ai-import-urgent-oldest-message-age", true, 300)]
    [InlineData("stroke-detection-ai-import-routine-oldest-message-age", false, 900)]
    public void QueueAgeAlarm_ShouldFireWhenTheOldestQueuedStudyHasWaitedTooLong(string name, bool urgent, int seconds)
    {
        var queue = urgent ? stack.Stack.Queues.Urgent : stack.Stack.Queues.Routine;

        stack.Template.HasResourceProperties("AWS::CloudWatch::Alarm", Obj(
            ("AlarmName", name),
            ("Namespace", "AWS/SQS"),
            ("MetricName", "ApproximateAgeOfOldestMessage"),
            ("Dimensions", Arr(Obj(("Name", "QueueName"), ("Value", GetAtt(stack.LogicalId(queue), "QueueName"))))),
            ("Statistic", "Maximum"),
            ("Period", 300),
            ("Threshold", seconds),
            ("ComparisonOperator", "GreaterThanThreshold")));
    }

    [Theory]
    [InlineData("stroke-detection-ai-import-urgent-dead-letters", true)]
    [InlineData("stroke-detection-ai-import-routine-dead-letters", false)]
    public void DeadLetterAlarm_ShouldFireOnTheFirstMessageInAnImportDlq(string name, bool urgent)
    {
        var queue = urgent ? stack.Stack.Queues.UrgentDeadLetterQueue : stack.Stack.Queues.RoutineDeadLetterQueue;

        stack.Template.HasResourceProperties("AWS::CloudWatch::Alarm", Obj(
            ("AlarmName", name),
            ("Namespace", "AWS/SQS"),
            ("MetricName", "ApproximateNumberOfMessagesVisible"),
            ("Dimensions", Arr(Obj(("Name", "QueueName"), ("Value", GetAtt(stack.LogicalId(queue), "QueueName"))))),
            ("Statistic", "Maximum"),
            ("Threshold", 0),
            ("ComparisonOperator", "GreaterThanThreshold")));
    }

    [Fact]
    public void ImportDurationAlarm_ShouldFireWhenP90ExceedsThirtyMinutes()
    {
        stack.Template.HasResourceProperties("AWS::CloudWatch::Alarm", Obj(
            ("MetricName", "ExecutionTime"),
            ("ExtendedStatistic", "p90"),
            ("Threshold", 1_800_000),
            ("ComparisonOperator", "GreaterThanThreshold")));
    }

    [Fact]
    public void ImportEventsMissingFilter_ShouldCountMonitorLogLinesThatReportAMissingImportEvent()
    {
        var monitorLogGroup = stack.LogicalId(stack.Stack.ImportMonitor.LogGroup);

        stack.Template.ResourcePropertiesCountIs("AWS::Logs::MetricFilter", Obj(("LogGroupName", Ref(monitorLogGroup))), 1);
        stack.Template.HasResourceProperties("AWS::Logs::MetricFilter", Obj(
            ("LogGroupName", Ref(monitorLogGroup)),
            ("FilterPattern", "{ $.import_event_missing IS TRUE }"),
            ("MetricTransformations", Arr(Obj(
                ("MetricNamespace", "stroke-detection-ai"),
                ("MetricName", "ImportEventsMissing"),
                ("MetricValue", "1"),
                ("Unit", "Count"))))));
    }

    [Fact]
    public void ImportEventsMissingAlarm_ShouldFireOnThreeStudiesWithoutTheirEventInAnHour()
    {
        var topic = stack.LogicalId(stack.Stack.Monitoring.AlarmTopic);

        stack.Template.HasResourceProperties("AWS::CloudWatch::Alarm", Obj(
            ("AlarmName", "stroke-detection-ai-import-events-missing"),
            ("AlarmDescription", Match.StringLikeRegexp("stroke-detection-ai-import-job-ended")),
            ("Namespace", "stroke-detection-ai"),
            ("MetricName", "ImportEventsMissing"),
            ("Statistic", "Sum"),
            ("Period", 3600),
            ("EvaluationPeriods", 1),
            ("Threshold", 3),
            ("ComparisonOperator", "GreaterThanOrEqualToThreshold"),
            ("TreatMissingData", "notBreaching"),
            ("AlarmActions", Arr(Ref(topic)))));
    }

    [Fact]
    public void ImportEventsMissing_WhenTheProjectNameChanges_ShouldUseItsOwnNamespace()
    {
        // Two deployments in one account must not add up each other's missing events.
        var prefix = CustomizedStackFixture.ProjectName;

        customized.Template.HasResourceProperties("AWS::CloudWatch::Alarm", Obj(
            ("AlarmName", prefix + "-import-events-missing"),
            ("Namespace", prefix),
            ("MetricName", "ImportEventsMissing")));
    }

    [Fact]
    public void AlarmTopic_ShouldBeEncryptedWithARotatingKeyCloudWatchMayUse()
    {
        var key = stack.LogicalId(stack.Stack.Monitoring.TopicKey);

        stack.Template.HasResourceProperties("AWS::SNS::Topic", Obj(
            ("TopicName", "stroke-detection-ai-ingestion-alarms"),
            ("KmsMasterKeyId", GetAtt(key, "Arn"))));
        stack.Template.HasResourceProperties("AWS::KMS::Key", Obj(
            ("EnableKeyRotation", true),
            ("KeyPolicy", Obj(("Statement", Match.ArrayWith(Arr(Obj(
                ("Effect", "Allow"),
                ("Principal", Obj(("Service", "cloudwatch.amazonaws.com"))),
                ("Action", Arr("kms:Decrypt", "kms:GenerateDataKey")),
                ("Resource", "*"),
                ("Sid", Match.AnyValue())))))))));
        stack.Template.HasResourceProperties("AWS::SNS::TopicPolicy", Obj(
            ("PolicyDocument", Obj(("Statement", Match.ArrayWith(Arr(
                Match.ObjectLike(Obj(
                    ("Effect", "Allow"),
                    ("Principal", Obj(("Service", "cloudwatch.amazonaws.com"))),
                    ("Action", "sns:Publish"))),
                Match.ObjectLike(Obj(
                    ("Effect", "Deny"),
                    ("Condition", Obj(("Bool", Obj(("aws:SecureTransport", "false"))))))))))))));
    }

    [Fact]
    public void AlarmTopic_WhenNoEmailIsConfigured_ShouldHaveNoSubscription()
    {
        stack.Template.ResourceCountIs("AWS::SNS::Subscription", 0);
    }

    [Fact]
    public void AlarmTopic_WhenAnEmailIsConfigured_ShouldSubscribeIt()
    {
        customized.Template.HasResourceProperties("AWS::SNS::Subscription", Obj(
            ("Protocol", "email"),
            ("Endpoint", CustomizedStackFixture.AlarmEmail)));
    }

    [Fact]
    public void Dashboard_ShouldShowTrafficErrorsDurationCapacityAndSuccessRate()
    {
        var (_, dashboard) = stack.Single("AWS::CloudWatch::Dashboard");
        var body = JsonNode.Parse(stack.Placeholders.Render(dashboard["Properties"]?["DashboardBody"]));

        var titles = (body?["widgets"]?.AsArray() ?? []).Select(w => w?["properties"]?["title"]?.GetValue<string>());
        var text = body?.ToJsonString() ?? string.Empty;

        Assert.Equal("stroke-detection-ai-ingestion", dashboard["Properties"]?["DashboardName"]?.GetValue<string>());
        Assert.Equal(
            [
                "Upload API requests and errors",
                "Lambda invocations",
                "Lambda errors and throttles",
                "Import execution time (ms)",
                "Execution success rate (%)",
                "Study table consumed capacity",
                "Import queues: messages waiting",
                "Import queues: oldest message (s)",
                "Import dispatcher",
                "Imports ended without their event (per hour)",
            ],
            titles);
        Assert.Contains("ConsumedWriteCapacityUnits", text, StringComparison.Ordinal);
        Assert.Contains("100 * FILL(succeeded, 0)", text, StringComparison.Ordinal);
        Assert.Contains("\"ImportEventsMissing\"", text, StringComparison.Ordinal);
    }
}

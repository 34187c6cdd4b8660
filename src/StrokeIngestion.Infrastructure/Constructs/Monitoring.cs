using Amazon.CDK;
using Amazon.CDK.AWS.Apigatewayv2;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.CloudWatch.Actions;
using Amazon.CDK.AWS.DynamoDB;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.SNS;
using Amazon.CDK.AWS.SNS.Subscriptions;
using Amazon.CDK.AWS.SQS;
using Amazon.CDK.AWS.StepFunctions;
using Constructs;

namespace StrokeIngestion.Infrastructure.Constructs;

internal sealed record MonitoringProps(
    string ProjectName,
    string? AlarmEmail,
    IFunction UploadFunction,
    IFunction MonitorFunction,
    IFunction DispatcherFunction,
    ImportQueues ImportQueues,
    ILogGroup MonitorLogGroup,
    StateMachine StateMachine,
    ITable StudyTable,
    HttpApi Api,
    IQueue BackstopDeadLetterQueue);

/// <summary>
/// Alarms that page someone (through one encrypted SNS topic) and the dashboard an on-call
/// engineer opens first. Every metric here is a count or a duration: no PHI reaches CloudWatch.
/// </summary>
internal sealed class Monitoring : Construct
{
    /// <summary>p90 import duration above this is worth a look (the loop gives up at two hours).</summary>
    public static readonly Duration SlowImportThreshold = Duration.Minutes(30);

    /// <summary>The metric the import-events-missing filter publishes, in the project's own namespace.</summary>
    public const string ImportEventsMissingMetricName = "ImportEventsMissing";

    /// <summary>Studies per hour that ended without an import-end event before someone is told.</summary>
    public const int ImportEventsMissingThreshold = 3;

    /// <summary>
    /// An urgent study still unstarted after this is worth a page: with free slots and 1 TPS it
    /// starts within seconds, so five minutes means the ceiling is full or the dispatcher is failing.
    /// </summary>
    public static readonly Duration UrgentQueueAgeThreshold = Duration.Minutes(5);

    /// <summary>Routine studies may wait behind a backlog; a quarter of an hour without a start is not normal.</summary>
    public static readonly Duration RoutineQueueAgeThreshold = Duration.Minutes(15);

    public Monitoring(Construct scope, string id, MonitoringProps props)
        : base(scope, id)
    {
        ArgumentNullException.ThrowIfNull(props);
        var project = props.ProjectName;

        // A customer managed key, not alias/aws/sns: that AWS managed key's policy cannot be
        // changed to let CloudWatch publish, so alarms on a topic encrypted with it never arrive.
        TopicKey = new Key(this, "AlarmTopicKey", new KeyProps
        {
            Description = $"Encrypts {project} alarm notifications",
            EnableKeyRotation = true,
            // Notifications are transient: nothing durable stays encrypted under this key.
            RemovalPolicy = RemovalPolicy.DESTROY,
            PendingWindow = Duration.Days(7),
        });
        TopicKey.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "LetCloudWatchAlarmsPublish",
            Principals = [new ServicePrincipal("cloudwatch.amazonaws.com")],
            Actions = ["kms:Decrypt", "kms:GenerateDataKey"],
            Resources = ["*"],
        }));

        AlarmTopic = new Topic(this, "AlarmTopic", new TopicProps
        {
            TopicName = $"{project}-ingestion-alarms",
            DisplayName = $"{project} ingestion alarms",
            MasterKey = TopicKey,
            EnforceSSL = true,
        });
        // The topic policy EnforceSSL creates replaces SNS's default one, so CloudWatch needs an
        // explicit grant, limited to this account's alarms.
        AlarmTopic.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "LetCloudWatchAlarmsPublish",
            Principals = [new ServicePrincipal("cloudwatch.amazonaws.com")],
            Actions = ["sns:Publish"],
            Resources = [AlarmTopic.TopicArn],
            Conditions = new Dictionary<string, object>
            {
                ["StringEquals"] = new Dictionary<string, object> { ["aws:SourceAccount"] = Aws.ACCOUNT_ID },
                ["ArnLike"] = new Dictionary<string, object>
                {
                    ["aws:SourceArn"] = Stack.Of(this).FormatArn(new ArnComponents
                    {
                        Service = "cloudwatch",
                        Resource = "alarm",
                        ResourceName = "*",
                        ArnFormat = ArnFormat.COLON_RESOURCE_NAME,
                    }),
                },
            },
        }));
        if (props.AlarmEmail is not null)
        {
            AlarmTopic.AddSubscription(new EmailSubscription(props.AlarmEmail));
        }

        // The monitor logs import_event_missing on every poll; true only on the poll that ends a
        // study whose HealthImaging import-end event never arrived. The project name as the
        // namespace keeps two deployments in one account (say staging and prod) apart.
        ImportEventsMissingFilter = new MetricFilter(this, "ImportEventsMissingFilter", new MetricFilterProps
        {
            LogGroup = props.MonitorLogGroup,
            FilterPattern = FilterPattern.BooleanValue("$.import_event_missing", true),
            MetricNamespace = project,
            MetricName = ImportEventsMissingMetricName,
            MetricValue = "1",
            Unit = Unit.COUNT,
        });
        var eventsMissing = ImportEventsMissingFilter.Metric(new MetricOptions
        {
            Statistic = Stats.SUM,
            Period = Duration.Hours(1),
        });

        var fiveMinutes = Duration.Minutes(5);
        var alarms = new List<Alarm>
        {
            // The upload handler returns rejections as responses; an Errors datapoint is a crash.
            SumAlarm("UploadHandlerErrors", $"{project}-upload-handler-errors", props.UploadFunction.MetricErrors(), 1,
                "The upload handler threw: uploads are failing with 5xx."),
            SumAlarm("UploadHandlerThrottles", $"{project}-upload-handler-throttles", props.UploadFunction.MetricThrottles(), 1,
                "Upload requests were throttled by Lambda concurrency."),
            // Transient dependency errors are retried by the state machine; a few are normal.
            SumAlarm("ImportMonitorErrors", $"{project}-import-monitor-errors", props.MonitorFunction.MetricErrors(), 3,
                "The import monitor failed repeatedly; imports may be stuck or marked monitor_error."),
            SumAlarm("ImportMonitorThrottles", $"{project}-import-monitor-throttles", props.MonitorFunction.MetricThrottles(), 1,
                "Import status checks were throttled by Lambda concurrency."),
            // Partial batch responses report postponed messages without an error: an Errors datapoint
            // is a crashed batch, whose messages all come back.
            SumAlarm("ImportDispatcherErrors", $"{project}-import-dispatcher-errors", props.DispatcherFunction.MetricErrors(), 3,
                "The import dispatcher failed repeatedly; queued studies are not being started."),
            QueueAgeAlarm("UrgentQueueAge", $"{project}-import-urgent-oldest-message-age", props.ImportQueues.Urgent, UrgentQueueAgeThreshold,
                "An urgent study has waited in the import queue too long: check the dispatcher, the admission ledger's slots and HealthImaging's quotas."),
            QueueAgeAlarm("RoutineQueueAge", $"{project}-import-routine-oldest-message-age", props.ImportQueues.Routine, RoutineQueueAgeThreshold,
                "A routine study has waited in the import queue too long: check the dispatcher and HealthImaging's quotas."),
            DeadLetterAlarm("UrgentDeadLetters", $"{project}-import-urgent-dead-letters", props.ImportQueues.UrgentDeadLetterQueue,
                "An urgent study's queue message was moved to the DLQ: its import never started. Replay it after fixing the cause."),
            DeadLetterAlarm("RoutineDeadLetters", $"{project}-import-routine-dead-letters", props.ImportQueues.RoutineDeadLetterQueue,
                "A routine study's queue message was moved to the DLQ: its import never started. Replay it after fixing the cause."),
            SumAlarm("WorkflowExecutionsFailed", $"{project}-processing-failed", props.StateMachine.MetricFailed(), 1,
                "A processing execution failed: an import failed or could not be monitored."),
            SumAlarm("WorkflowExecutionsTimedOut", $"{project}-processing-timed-out", props.StateMachine.MetricTimedOut(), 1,
                "A processing execution hit the state machine timeout."),
            SumAlarm("ApiServerErrors", $"{project}-upload-api-5xx", props.Api.MetricServerError(new MetricOptions { Period = fiveMinutes }), 5,
                "The upload API returned 5xx responses."),
            new Alarm(this, "BackstopDeadLetters", new AlarmProps
            {
                AlarmName = $"{project}-workflow-backstop-dead-letters",
                AlarmDescription = "A failed or timed-out execution could not be recorded on its study; replay the messages.",
                Metric = props.BackstopDeadLetterQueue.MetricApproximateNumberOfMessagesVisible(new MetricOptions
                {
                    Period = fiveMinutes,
                    Statistic = Stats.MAXIMUM,
                }),
                Threshold = 1,
                EvaluationPeriods = 1,
                ComparisonOperator = ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                TreatMissingData = TreatMissingData.NOT_BREACHING,
            }),
            new Alarm(this, "SlowImports", new AlarmProps
            {
                AlarmName = $"{project}-import-duration-p90",
                AlarmDescription = "Imports take longer than usual to become ready for analysis.",
                Metric = props.StateMachine.MetricTime(new MetricOptions
                {
                    Period = Duration.Minutes(15),
                    Statistic = Stats.Percentile(90),
                }),
                Threshold = SlowImportThreshold.ToMilliseconds(),
                EvaluationPeriods = 1,
                ComparisonOperator = ComparisonOperator.GREATER_THAN_THRESHOLD,
                TreatMissingData = TreatMissingData.NOT_BREACHING,
            }),
            // Events are best effort, and an import that outlives the event wait can be seen
            // ending by a poll just before its event lands: one or two an hour are noise, a
            // steady stream means the rule or HealthImaging's events are broken.
            new Alarm(this, "ImportEventsMissing", new AlarmProps
            {
                AlarmName = $"{project}-import-events-missing",
                AlarmDescription = $"Imports end without HealthImaging's import-end event: check the {project}-import-job-ended rule "
                    + "and HealthImaging's EventBridge events. Studies still finish through the fallback poll, up to "
                    + "importEventWaitSeconds late.",
                Metric = eventsMissing,
                Threshold = ImportEventsMissingThreshold,
                EvaluationPeriods = 1,
                ComparisonOperator = ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                TreatMissingData = TreatMissingData.NOT_BREACHING,
            }),
        };

        var action = new SnsAction(AlarmTopic);
        foreach (var alarm in alarms)
        {
            alarm.AddAlarmAction(action);
            alarm.AddOkAction(action);
        }

        Alarms = alarms;

        DashboardName = $"{project}-ingestion";
        Dashboard = new Dashboard(this, "Dashboard", new DashboardProps { DashboardName = DashboardName });
        Dashboard.AddWidgets(
            Graph("Upload API requests and errors", fiveMinutes,
                props.Api.MetricCount(new MetricOptions { Label = "requests", Statistic = Stats.SUM }),
                props.Api.MetricClientError(new MetricOptions { Label = "4xx" }),
                props.Api.MetricServerError(new MetricOptions { Label = "5xx" })),
            Graph("Lambda invocations", fiveMinutes,
                props.UploadFunction.MetricInvocations(new MetricOptions { Label = "upload-handler" }),
                props.MonitorFunction.MetricInvocations(new MetricOptions { Label = "import-monitor" })),
            Graph("Lambda errors and throttles", fiveMinutes,
                props.UploadFunction.MetricErrors(new MetricOptions { Label = "upload-handler errors" }),
                props.MonitorFunction.MetricErrors(new MetricOptions { Label = "import-monitor errors" }),
                props.UploadFunction.MetricThrottles(new MetricOptions { Label = "upload-handler throttles" }),
                props.MonitorFunction.MetricThrottles(new MetricOptions { Label = "import-monitor throttles" })));
        Dashboard.AddWidgets(
            Graph("Import execution time (ms)", Duration.Minutes(15),
                props.StateMachine.MetricTime(new MetricOptions { Statistic = Stats.Percentile(50), Label = "p50" }),
                props.StateMachine.MetricTime(new MetricOptions { Statistic = Stats.Percentile(90), Label = "p90" })),
            Graph("Execution success rate (%)", Duration.Hours(1), ExecutionSuccessRate(props.StateMachine)),
            Graph("Study table consumed capacity", fiveMinutes,
                props.StudyTable.MetricConsumedReadCapacityUnits(new MetricOptions { Label = "read units" }),
                props.StudyTable.MetricConsumedWriteCapacityUnits(new MetricOptions { Label = "write units" })));
        Dashboard.AddWidgets(
            Graph("Import queues: messages waiting", fiveMinutes,
                props.ImportQueues.Urgent.MetricApproximateNumberOfMessagesVisible(new MetricOptions { Label = "urgent", Statistic = Stats.MAXIMUM }),
                props.ImportQueues.Routine.MetricApproximateNumberOfMessagesVisible(new MetricOptions { Label = "routine", Statistic = Stats.MAXIMUM })),
            Graph("Import queues: oldest message (s)", fiveMinutes,
                props.ImportQueues.Urgent.MetricApproximateAgeOfOldestMessage(new MetricOptions { Label = "urgent", Statistic = Stats.MAXIMUM }),
                props.ImportQueues.Routine.MetricApproximateAgeOfOldestMessage(new MetricOptions { Label = "routine", Statistic = Stats.MAXIMUM })),
            Graph("Import dispatcher", fiveMinutes,
                props.DispatcherFunction.MetricInvocations(new MetricOptions { Label = "invocations" }),
                props.DispatcherFunction.MetricErrors(new MetricOptions { Label = "errors" }),
                props.DispatcherFunction.MetricThrottles(new MetricOptions { Label = "throttles" })));
        // Labelled here only: a label on the alarm's metric would render it as a metric-math alarm.
        Dashboard.AddWidgets(Graph(
            "Imports ended without their event (per hour)",
            Duration.Hours(1),
            eventsMissing.With(new MetricOptions { Label = "studies" })));
    }

    public Key TopicKey { get; }

    public Topic AlarmTopic { get; }

    public MetricFilter ImportEventsMissingFilter { get; }

    public IReadOnlyList<Alarm> Alarms { get; }

    public Dashboard Dashboard { get; }

    public string DashboardName { get; }

    private static MathExpression ExecutionSuccessRate(StateMachine machine) => new(new MathExpressionProps
    {
        Label = "succeeded / ended",
        Expression = "100 * FILL(succeeded, 0) / (FILL(succeeded, 0) + FILL(failed, 0) + FILL(timedOut, 0) + FILL(aborted, 0))",
        UsingMetrics = new Dictionary<string, IMetric>
        {
            ["succeeded"] = machine.MetricSucceeded(),
            ["failed"] = machine.MetricFailed(),
            ["timedOut"] = machine.MetricTimedOut(),
            ["aborted"] = machine.MetricAborted(),
        },
        Period = Duration.Hours(1),
    });

    private static GraphWidget Graph(string title, Duration period, params IMetric[] metrics) => new(new GraphWidgetProps
    {
        Title = title,
        Left = metrics,
        Period = period,
        Width = 8,
        Height = 6,
    });

    private Alarm QueueAgeAlarm(string id, string name, Queue queue, Duration threshold, string description) =>
        new(this, id, new AlarmProps
        {
            AlarmName = name,
            AlarmDescription = description,
            Metric = queue.MetricApproximateAgeOfOldestMessage(new MetricOptions { Period = Duration.Minutes(5), Statistic = Stats.MAXIMUM }),
            Threshold = threshold.ToSeconds(),
            EvaluationPeriods = 1,
            ComparisonOperator = ComparisonOperator.GREATER_THAN_THRESHOLD,
            TreatMissingData = TreatMissingData.NOT_BREACHING,
        });

    private Alarm DeadLetterAlarm(string id, string name, Queue queue, string description) =>
        new(this, id, new AlarmProps
        {
            AlarmName = name,
            AlarmDescription = description,
            Metric = queue.MetricApproximateNumberOfMessagesVisible(new MetricOptions { Period = Duration.Minutes(5), Statistic = Stats.MAXIMUM }),
            Threshold = 0,
            EvaluationPeriods = 1,
            ComparisonOperator = ComparisonOperator.GREATER_THAN_THRESHOLD,
            TreatMissingData = TreatMissingData.NOT_BREACHING,
        });

    private Alarm SumAlarm(string id, string name, Metric metric, double threshold, string description) =>
        new(this, id, new AlarmProps
        {
            AlarmName = name,
            AlarmDescription = description,
            Metric = metric.With(new MetricOptions { Statistic = Stats.SUM, Period = Duration.Minutes(5) }),
            Threshold = threshold,
            EvaluationPeriods = 1,
            ComparisonOperator = ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            TreatMissingData = TreatMissingData.NOT_BREACHING,
        });
}

using Amazon.CDK;
using Amazon.CDK.AWS.Events;
using Amazon.CDK.AWS.Events.Targets;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.SQS;
using Constructs;

namespace StrokeIngestion.Infrastructure.Constructs;

/// <param name="DispatcherTimeout">The dispatcher's function timeout; the queues' visibility timeout is six times it.</param>
internal sealed record ImportQueuesProps(string ProjectName, Duration DispatcherTimeout);

/// <summary>
/// The admission path's queues (issue 11): one per study priority, each with its dead-letter
/// queue, the event source mappings that feed them to the dispatcher, and the schedule that
/// runs the dispatcher's slot sweep. Messages carry a study id and a priority only, never PHI.
/// </summary>
internal sealed class ImportQueues : Construct
{
    /// <summary>
    /// A message postponed for admission (no token, no slot, 429) is received again each time, so
    /// this bounds the waits and the crashes together: 20 receives outlast a long backlog, while a
    /// message that keeps failing still reaches the DLQ (and its alarm) instead of cycling for ever.
    /// </summary>
    public const int MaxReceiveCount = 20;

    /// <summary>AWS's guidance for an SQS event source mapping: at least six times the function timeout.</summary>
    public const int VisibilityTimeoutFactor = 6;

    /// <summary>One urgent study per invocation: a large study's copy never holds back the next urgent one.</summary>
    public const int UrgentBatchSize = 1;

    /// <summary>
    /// Enough concurrent urgent dispatchers to copy a few urgent studies side by side while the start
    /// rate (1 TPS, burst 2) is the real limit; few enough to leave the account's Lambda pool to uploads.
    /// </summary>
    public const int UrgentMaximumConcurrency = 5;

    /// <summary>Routine studies wait their turn anyway: full batches amortize the invocations.</summary>
    public const int RoutineBatchSize = 10;

    /// <summary>
    /// The least Lambda allows: routine starts are paced by the token bucket and stop at the
    /// routine ceiling, so more pollers would only receive messages to postpone them again.
    /// </summary>
    public const int RoutineMaximumConcurrency = 2;

    public static readonly Duration RetentionPeriod = Duration.Days(14);

    public static readonly Duration SweepInterval = Duration.Minutes(5);

    /// <summary>The dispatcher's sweep input (ImportDispatcher's <c>Function.SweepAction</c>).</summary>
    public const string SweepAction = "sweep";

    /// <summary>What a function calls on the queues from its own code (the endpoint policy admits these).</summary>
    public static readonly string[] SendActions = ["sqs:SendMessage", "sqs:GetQueueAttributes"];

    /// <summary>What the event source mappings and the dispatcher need to consume the queues.</summary>
    public static readonly string[] ConsumeActions =
    [
        // SendMessage: the dispatcher sends again a study refused for capacity ten times, and the sweep a stuck one.
        "sqs:SendMessage",
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:ChangeMessageVisibility",
        "sqs:GetQueueAttributes",
    ];

    /// <summary>
    /// Called on the queues by the dispatcher's and upload handler's own code, hence over the VPC:
    /// ReceiveMessage and DeleteMessage are the event source mapping poller's, which Lambda runs
    /// outside the function's subnets.
    /// </summary>
    public static readonly string[] CalledFromFunctionActions = ["sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"];

    private readonly string _projectName;

    public ImportQueues(Construct scope, string id, ImportQueuesProps props)
        : base(scope, id)
    {
        ArgumentNullException.ThrowIfNull(props);
        _projectName = props.ProjectName;
        var visibility = Duration.Seconds(props.DispatcherTimeout.ToSeconds() * VisibilityTimeoutFactor);

        UrgentDeadLetterQueue = DeadLetterQueue("UrgentDeadLetterQueue", $"{props.ProjectName}-import-urgent-dlq");
        RoutineDeadLetterQueue = DeadLetterQueue("RoutineDeadLetterQueue", $"{props.ProjectName}-import-routine-dlq");
        Urgent = MainQueue("UrgentQueue", $"{props.ProjectName}-import-urgent", visibility, UrgentDeadLetterQueue);
        Routine = MainQueue("RoutineQueue", $"{props.ProjectName}-import-routine", visibility, RoutineDeadLetterQueue);
    }

    public Queue Urgent { get; }

    public Queue Routine { get; }

    public Queue UrgentDeadLetterQueue { get; }

    public Queue RoutineDeadLetterQueue { get; }

    /// <summary>The urgent queue's mapping to the dispatcher; null until <see cref="ConnectDispatcher"/>.</summary>
    public EventSourceMapping? UrgentMapping { get; private set; }

    /// <summary>The routine queue's mapping to the dispatcher; null until <see cref="ConnectDispatcher"/>.</summary>
    public EventSourceMapping? RoutineMapping { get; private set; }

    /// <summary>The dispatcher's slot sweep every five minutes; null until <see cref="ConnectDispatcher"/>.</summary>
    public Rule? SweepRule { get; private set; }

    /// <summary>The two main queues (not the DLQs), the resources every grant here names.</summary>
    public string[] QueueArns => [Urgent.QueueArn, Routine.QueueArn];

    /// <summary>
    /// The queue and admission variables every function that queues or admits imports reads
    /// (Core's AdmissionSettings); IMPORT_START_BURST is HealthImaging's burst, fixed at 2.
    /// </summary>
    public IReadOnlyDictionary<string, string> Environment(AdmissionConfig admission)
    {
        ArgumentNullException.ThrowIfNull(admission);
        return new Dictionary<string, string>(AdmissionEnvironment(admission))
        {
            ["URGENT_QUEUE_URL"] = Urgent.QueueUrl,
            ["ROUTINE_QUEUE_URL"] = Routine.QueueUrl,
        };
    }

    /// <summary>The admission limits alone, for a function that frees slots but never queues (the import monitor).</summary>
    public static IReadOnlyDictionary<string, string> AdmissionEnvironment(AdmissionConfig admission)
    {
        ArgumentNullException.ThrowIfNull(admission);
        return new Dictionary<string, string>
        {
            ["IMPORT_START_TPS"] = admission.ImportStartTps.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["IMPORT_START_BURST"] = AdmissionConfig.ImportStartBurst.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["MAX_CONCURRENT_IMPORT_JOBS"] = admission.MaxConcurrentImportJobs.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["URGENT_RESERVED_JOBS"] = admission.UrgentReservedJobs.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
    }

    /// <summary>Lets <paramref name="role"/> queue studies and read the backlog of the two main queues.</summary>
    public void GrantEnqueue(IRole role)
    {
        ArgumentNullException.ThrowIfNull(role);
        role.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "QueueImports",
            Actions = SendActions,
            Resources = QueueArns,
        }));
    }

    /// <summary>
    /// Feeds both queues to <paramref name="dispatcher"/> (partial batch responses), lets its role
    /// consume them, and runs its sweep on a schedule.
    /// </summary>
    public void ConnectDispatcher(IFunction dispatcher, IRole role)
    {
        ArgumentNullException.ThrowIfNull(dispatcher);
        ArgumentNullException.ThrowIfNull(role);

        // Written out rather than queue.GrantConsumeMessages, which adds sqs:GetQueueUrl (unused:
        // the URLs are in the environment) and a statement without a Sid.
        role.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "ConsumeImportQueues",
            Actions = ConsumeActions,
            Resources = QueueArns,
        }));

        UrgentMapping = Mapping("UrgentMapping", dispatcher, Urgent, UrgentBatchSize, UrgentMaximumConcurrency);
        RoutineMapping = Mapping("RoutineMapping", dispatcher, Routine, RoutineBatchSize, RoutineMaximumConcurrency);

        SweepRule = new Rule(this, "SweepRule", new RuleProps
        {
            RuleName = $"{_projectName}-import-sweep",
            Description = "Runs the import dispatcher's sweep: frees the job slots of imports that ended, vanished or never started",
            Schedule = Schedule.Rate(SweepInterval),
        });
        SweepRule.AddTarget(new LambdaFunction(dispatcher, new LambdaFunctionProps
        {
            Event = RuleTargetInput.FromObject(new Dictionary<string, object> { ["action"] = SweepAction }),
            // A missed sweep is made good by the next one five minutes later; retrying an old one
            // would only run two sweeps together.
            RetryAttempts = 0,
            MaxEventAge = Duration.Minutes(5),
        }));
        dispatcher.SuppressNag(
            "HIPAA.Security-LambdaDLQ",
            "Queue messages reach the dispatcher through event source mappings, whose failures the queues' "
            + "redrive policies move to the import DLQs (alarmed). Its only asynchronous input is the 5-minute "
            + "sweep, which carries no data and is superseded by the next run; there is nothing to dead-letter.");
    }

    private Queue DeadLetterQueue(string id, string name) => new(this, id, new QueueProps
    {
        QueueName = name,
        // SQS-managed SSE, as the workflow's backstop DLQ: the stack has no shared customer key for
        // data, and the messages hold a study id and a priority only.
        Encryption = QueueEncryption.SQS_MANAGED,
        EnforceSSL = true,
        RetentionPeriod = RetentionPeriod,
    });

    private Queue MainQueue(string id, string name, Duration visibility, Queue deadLetters) => new(this, id, new QueueProps
    {
        QueueName = name,
        Encryption = QueueEncryption.SQS_MANAGED,
        EnforceSSL = true,
        VisibilityTimeout = visibility,
        // As long as the DLQ's: a backlog the age alarm has long reported still loses no study to expiry.
        RetentionPeriod = RetentionPeriod,
        DeadLetterQueue = new DeadLetterQueue { Queue = deadLetters, MaxReceiveCount = MaxReceiveCount },
    });

    private EventSourceMapping Mapping(string id, IFunction dispatcher, Queue queue, int batchSize, int maximumConcurrency) =>
        new(this, id, new EventSourceMappingProps
        {
            Target = dispatcher,
            EventSourceArn = queue.QueueArn,
            BatchSize = batchSize,
            // The dispatcher reports each postponed or failed message by id; the rest are deleted.
            ReportBatchItemFailures = true,
            MaxConcurrency = maximumConcurrency,
        });
}

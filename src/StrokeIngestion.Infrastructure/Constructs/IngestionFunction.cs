using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Logs;
using Constructs;

namespace StrokeIngestion.Infrastructure.Constructs;

/// <summary>What differs between the two functions; everything else is a shared default.</summary>
internal sealed record IngestionFunctionProps(
    string FunctionName,
    string Description,
    string AssetDirectory,
    string Handler,
    int MemorySizeMb,
    Duration Timeout,
    int ReservedConcurrency,
    LambdaArchitecture Architecture,
    EncryptedLogs Logs,
    IReadOnlyDictionary<string, string> Environment);

/// <summary>
/// A .NET function with the project's Lambda defaults: the managed <c>dotnet10</c> runtime,
/// active X-Ray tracing, reserved concurrency, an encrypted log group of its own with a retention
/// period, and a role that may write only to that log group until the caller grants more.
/// </summary>
internal sealed class IngestionFunction : Construct
{
    public const string RuntimeName = "dotnet10";

    /// <summary>
    /// Read by the managed .NET runtime (Amazon.Lambda.RuntimeSupport) before Lambda's own
    /// AWS_LAMBDA_LOG_FORMAT. "Unformatted" writes each Console line as it is: without it the
    /// runtime puts "timestamp, request id, level" before every line (Text) or wraps the line as
    /// the "message" string of its own JSON object (JSON), and no JSON metric filter matches.
    /// </summary>
    public const string HandlerLogFormatVariable = "AWS_LAMBDA_HANDLER_LOG_FORMAT";

    public const string HandlerLogFormat = "Unformatted";

    public IngestionFunction(Construct scope, string id, IngestionFunctionProps props)
        : base(scope, id)
    {
        ArgumentNullException.ThrowIfNull(props);

        // Named the way Lambda would name it, so the console's "View logs" link still works.
        LogGroup = props.Logs.NewLogGroup(this, "LogGroup", $"/aws/lambda/{props.FunctionName}");

        // An explicit role instead of the AWSLambdaBasicExecutionRole managed policy, whose
        // logs:CreateLogGroup/PutLogEvents apply to every log group in the account.
        Role = new Role(this, "Role", new RoleProps
        {
            AssumedBy = new ServicePrincipal("lambda.amazonaws.com"),
            Description = $"Execution role of {props.FunctionName}",
        });
        Role.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "WriteOwnLogs",
            Actions = ["logs:CreateLogStream", "logs:PutLogEvents"],
            Resources = [LogGroup.LogGroupArn],
        }));

        Function = new Function(this, "Function", new FunctionProps
        {
            FunctionName = props.FunctionName,
            Description = props.Description,
            Runtime = new Runtime(RuntimeName, RuntimeFamily.DOTNET_CORE),
            Handler = props.Handler,
            Code = Code.FromAsset(props.AssetDirectory),
            // Graviton (arm64) costs about 20% less per GB-second than x86_64 and runs .NET 10
            // at least as fast; the bundles are published ReadyToRun for linux-arm64 to match.
            Architecture = props.Architecture == LambdaArchitecture.Arm64 ? Architecture.ARM_64 : Architecture.X86_64,
            MemorySize = props.MemorySizeMb,
            Timeout = props.Timeout,
            // A ceiling per function: a flood of one cannot starve the other (or the account's
            // other functions), and throttles surface on the alarms instead of as a bill.
            ReservedConcurrentExecutions = props.ReservedConcurrency,
            Tracing = Tracing.ACTIVE,
            LogGroup = LogGroup,

            // Text, so that Lambda leaves the function's lines alone: the function writes one JSON
            // object per line itself (StructuredLog), and the metric filters read those objects.
            LoggingFormat = LoggingFormat.TEXT,
            Role = Role,
            Environment = new Dictionary<string, string>(props.Environment)
            {
                [HandlerLogFormatVariable] = HandlerLogFormat,
            },
        });

        Function.SuppressNag(
            "HIPAA.Security-LambdaInsideVPC",
            "Nothing to reach inside a VPC: every dependency (S3, DynamoDB, HealthImaging, Step Functions, "
            + "CloudWatch) is an AWS public endpoint called over TLS with SigV4 and this role's least-privilege "
            + "policy. A VPC would add interface endpoints or a NAT gateway per AZ (cost, cold-start and "
            + "operational weight) without narrowing what the function can reach; out of scope for Phase 1.");
        var policy = NagSuppressions.DefaultPolicyOf(Role);
        policy.SuppressNag(
            "AwsSolutions-IAM5",
            "Active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords have no resource-level "
            + "permissions, so IAM only accepts them on \"*\". They write traces, they read nothing.",
            NagFinding.AnyResource);
        policy.SuppressNag(
            "HIPAA.Security-IAMNoInlinePolicy",
            "This policy belongs to one role, the execution role of this one function, and is created and "
            + "deleted with it; that one-to-one binding is what AWS recommends inline policies for. A managed "
            + "policy would be a separately attachable object granting the same statements.");
    }

    public Function Function { get; }

    public Role Role { get; }

    public LogGroup LogGroup { get; }
}

using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Logs;
using Constructs;

namespace StrokeIngestion.Infrastructure.Constructs;

/// <summary>What differs between the functions; everything else is a shared default.</summary>
/// <param name="Network">The stack's VPC placement when context <c>vpc</c> is on; pass it to every function.</param>
internal sealed record IngestionFunctionProps(
    string FunctionName,
    string Description,
    string AssetDirectory,
    string Handler,
    int MemorySizeMb,
    Duration Timeout,
    int? ReservedConcurrency,
    LambdaArchitecture Architecture,
    EncryptedLogs Logs,
    IReadOnlyDictionary<string, string> Environment,
    VpcPlacement? Network = null);

/// <summary>
/// A .NET function with the project's Lambda defaults: the managed <c>dotnet10</c> runtime,
/// active X-Ray tracing, reserved concurrency when configured, an encrypted log group of its own with a retention
/// period, and a role that may write only to that log group until the caller grants more.
/// </summary>
internal sealed class IngestionFunction : Construct
{
    public const string RuntimeName = "dotnet10";

    /// <summary>
    /// What Lambda does with the execution role to attach a function to its subnets (the actions of
    /// AWS's AWSLambdaVPCAccessExecutionRole policy, without its log-group wildcard).
    /// </summary>
    public static readonly string[] VpcNetworkInterfaceActions =
    [
        "ec2:CreateNetworkInterface",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeSubnets",
        "ec2:DeleteNetworkInterface",
        "ec2:AssignPrivateIpAddresses",
        "ec2:UnassignPrivateIpAddresses",
    ];

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
        if (props.Network is not null)
        {
            Role.AddToPolicy(new PolicyStatement(new PolicyStatementProps
            {
                Sid = "AttachToVpcSubnets",
                Actions = VpcNetworkInterfaceActions,
                Resources = ["*"],
            }));
        }

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
            // Opt-in (StackConfig): a ceiling and a guarantee per function, but it needs an account
            // quota of at least the reservations + 100, which new accounts do not have.
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
            Vpc = props.Network?.Vpc,
            VpcSubnets = props.Network is null ? null : new SubnetSelection { Subnets = [.. props.Network.Subnets] },
            SecurityGroups = props.Network is null ? null : [props.Network.SecurityGroup],
        });

        if (props.Network is null)
        {
            Function.SuppressNag(
                "HIPAA.Security-LambdaInsideVPC",
                "Deployed with context vpc=none: every dependency (S3, DynamoDB, HealthImaging, Step Functions, SQS) "
                + "is an AWS public endpoint called over TLS with SigV4 and this role's least-privilege policy. "
                + "vpc=create or vpc=<vpc id> runs the function in private subnets with VPC endpoints instead.");
        }

        if (props.ReservedConcurrency is null)
        {
            Function.SuppressNag(
                "HIPAA.Security-LambdaConcurrency",
                "Reserved concurrency is opt-in (context uploadReservedConcurrency/monitorReservedConcurrency): "
                + "Lambda keeps 100 executions unreserved, so a reservation fails the deploy on accounts whose "
                + "concurrency quota is below the reservations + 100, as new accounts' often is. The API stage's "
                + "throttle (20 rps, burst 50) bounds the upload function's concurrency meanwhile, and the import "
                + "dispatcher's event source mappings cap its own (ScalingConfig.MaximumConcurrency 5 + 2).");
        }

        var policy = NagSuppressions.DefaultPolicyOf(Role);
        policy.SuppressNag(
            "AwsSolutions-IAM5",
            "Active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords have no resource-level "
            + "permissions, so IAM only accepts them on \"*\". They write traces, they read nothing."
            + (props.Network is null
                ? string.Empty
                : " In a VPC, Lambda attaches the function to its subnets with the execution role's ec2 network "
                  + "interface actions, which AWS documents on \"*\" (Describe* cannot be scoped)."),
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

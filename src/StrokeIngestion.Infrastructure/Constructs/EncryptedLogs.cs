using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.Logs;
using Constructs;

namespace StrokeIngestion.Infrastructure.Constructs;

/// <summary>
/// Makes every log group of the stack: encrypted with one customer managed key, retained when the
/// stack is deleted, with the configured retention. The key may be used by CloudWatch Logs for
/// exactly these log groups.
/// </summary>
/// <remarks>
/// The logs are written to carry no PHI, but they hold request metadata, caller identities and
/// study ids of a HIPAA workload; a key of our own (about USD 1 a month) makes reading them an
/// audited, revocable KMS permission rather than a side effect of <c>logs:GetLogEvents</c>.
/// </remarks>
internal sealed class EncryptedLogs : Construct
{
    public const string EncryptionContextKey = "kms:EncryptionContext:aws:logs:arn";

    // What CloudWatch Logs does with a log group's key (AWS's documented key policy, spelled out).
    public static readonly string[] LogsKeyActions =
    [
        "kms:Encrypt",
        "kms:Decrypt",
        "kms:ReEncryptFrom",
        "kms:ReEncryptTo",
        "kms:GenerateDataKey",
        "kms:GenerateDataKeyWithoutPlaintext",
        "kms:DescribeKey",
    ];

    private readonly List<string> _logGroupArns = [];
    private readonly PolicyStatement _logsMayUseKey;

    public EncryptedLogs(Construct scope, string id, string projectName, RetentionDays retention)
        : base(scope, id)
    {
        Retention = retention;
        Key = new Key(this, "Key", new KeyProps
        {
            Description = $"Encrypts the {projectName} ingestion log groups",
            EnableKeyRotation = true,
            // The log groups outlive the stack (they are audit evidence); so must the key that
            // decrypts them. Except when the first deploy rolls back: see NewLogGroup.
            RemovalPolicy = RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
        });

        _logsMayUseKey = new PolicyStatement(new PolicyStatementProps
        {
            Sid = "LetCloudWatchLogsEncryptTheStackLogGroups",
            Principals = [new ServicePrincipal($"logs.{Stack.Of(this).Region}.amazonaws.com")],
            Actions = LogsKeyActions,
            // In a key policy, "*" is this key.
            Resources = ["*"],
        });
        Key.AddToResourcePolicy(_logsMayUseKey);
    }

    public Key Key { get; }

    public RetentionDays Retention { get; }

    /// <summary>ARNs (without the trailing <c>:*</c>) of the log groups the key may encrypt.</summary>
    public IReadOnlyList<string> LogGroupArns => _logGroupArns;

    /// <summary>A retained log group named <paramref name="logGroupName"/>, encrypted with <see cref="Key"/>.</summary>
    public LogGroup NewLogGroup(Construct scope, string id, string logGroupName)
    {
        var logGroup = new LogGroup(scope, id, new LogGroupProps
        {
            LogGroupName = logGroupName,
            Retention = Retention,
            EncryptionKey = Key,
            // Audit evidence outlives the stack (re-creating it after a delete needs the old group
            // deleted or imported first: the name is fixed). RetainExceptOnCreate: when the deploy
            // that created the group rolls back, the still-empty group goes too, so a retry works.
            RemovalPolicy = RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
        });

        // Built from the name, not the log group's Arn attribute: the group depends on the key,
        // so the key policy cannot depend on the group.
        _logGroupArns.Add(Stack.Of(this).FormatArn(new ArnComponents
        {
            Service = "logs",
            Resource = "log-group",
            ResourceName = logGroupName,
            ArnFormat = ArnFormat.COLON_RESOURCE_NAME,
        }));
        // The statement is rendered at synthesis, so it lists every group made before then.
        _logsMayUseKey.AddCondition("ArnEquals", new Dictionary<string, object>
        {
            [EncryptionContextKey] = _logGroupArns.ToArray(),
        });
        return logGroup;
    }
}

using System.Globalization;
using System.Text.RegularExpressions;
using Amazon.CDK.AWS.Logs;

namespace StrokeIngestion.Infrastructure;

/// <summary>CPU architecture of both functions (the published bundles must match it).</summary>
internal enum LambdaArchitecture
{
    Arm64,
    X86_64,
}

/// <summary>Where the functions run (context <c>vpc</c>).</summary>
internal enum VpcMode
{
    /// <summary>Outside any VPC, on Lambda's own network (the default).</summary>
    None,

    /// <summary>In a VPC of the stack's own: isolated subnets in two AZs, no NAT, no internet gateway.</summary>
    Create,

    /// <summary>In private subnets of an existing VPC, named by context.</summary>
    Existing,
}

/// <summary>
/// The network placement of the functions. For <see cref="VpcMode.Existing"/>, the VPC id, the
/// private subnets the functions and interface endpoints use, and the route tables of those
/// subnets (where the S3 and DynamoDB gateway endpoints add their routes); empty otherwise.
/// </summary>
internal sealed record VpcSettings(VpcMode Mode, string? VpcId, IReadOnlyList<string> SubnetIds, IReadOnlyList<string> RouteTableIds)
{
    public static readonly VpcSettings None = new(VpcMode.None, null, [], []);

    public static readonly VpcSettings Create = new(VpcMode.Create, null, [], []);
}

/// <summary>
/// The HealthImaging quotas the dispatcher admits imports under: StartDICOMImportJob calls per
/// second, concurrent import jobs per datastore, and the job slots only urgent studies may use.
/// </summary>
internal sealed record AdmissionConfig(double ImportStartTps, int MaxConcurrentImportJobs, int UrgentReservedJobs)
{
    /// <summary>HealthImaging's default quotas (1 TPS, 100 jobs) with a tenth of the slots kept for urgent studies.</summary>
    public static readonly AdmissionConfig Default = new(1, 100, 10);

    /// <summary>StartDICOMImportJob's burst: HealthImaging's, not configurable.</summary>
    public const int ImportStartBurst = 2;
}

/// <summary>Issuer and audiences of a JWT authorizer; configured together or not at all.</summary>
internal sealed record JwtSettings(string Issuer, IReadOnlyList<string> Audiences);

/// <summary>
/// Everything the stack can be configured with, read from CDK context (cdk.json or
/// <c>-c key=value</c>) and validated here so that constructs receive only valid values.
/// </summary>
internal sealed record StackConfig(
    string ProjectName,
    string StackName,
    string? KmsKeyArn,
    IReadOnlyList<string> CorsAllowedOrigins,
    JwtSettings? Jwt,
    string? AlarmEmail,
    int LogRetentionDays,
    LambdaArchitecture Architecture,
    string UploadHandlerAsset,
    string ImportMonitorAsset,
    string ImportDispatcherAsset,
    int ImportEventWaitSeconds)
{
    /// <summary>Retention of every log group the stack creates.</summary>
    public RetentionDays LogRetention => RetentionPeriods[LogRetentionDays];

    /// <summary>Where the functions run (context <c>vpc</c>, <c>vpcSubnetIds</c>, <c>vpcRouteTableIds</c>).</summary>
    public VpcSettings Vpc { get; init; } = VpcSettings.None;

    /// <summary>Whether the stack adds its own CloudTrail trail (context <c>auditTrail</c>).</summary>
    public bool AuditTrail { get; init; }

    // Reserved concurrency (opt-in). Lambda keeps 100 executions of the account's quota
    // unreserved, so reserving N needs a quota of at least N + 100 (plus whatever other
    // functions reserve); new accounts may have 10 or 50, where any reservation fails the deploy.
    public const string UploadReservedConcurrencyKey = "uploadReservedConcurrency";
    public const string MonitorReservedConcurrencyKey = "monitorReservedConcurrency";

    /// <summary>Executions reserved for the upload handler; null (the default) reserves none.</summary>
    public int? UploadReservedConcurrency { get; init; }

    /// <summary>Executions reserved for the import monitor; null (the default) reserves none.</summary>
    public int? MonitorReservedConcurrency { get; init; }

    /// <summary>HealthImaging's quotas the import admission holds to (context <c>importStartTps</c>, <c>maxConcurrentImportJobs</c>, <c>urgentReservedJobs</c>).</summary>
    public AdmissionConfig Admission { get; init; } = AdmissionConfig.Default;

    public const string ProjectNameKey = "projectName";
    public const string StackNameKey = "stackName";
    public const string KmsKeyArnKey = "kmsKeyArn";
    public const string CorsAllowedOriginsKey = "corsAllowedOrigins";
    public const string JwtIssuerKey = "jwtIssuer";
    public const string JwtAudienceKey = "jwtAudience";
    public const string AlarmEmailKey = "alarmEmail";
    public const string LogRetentionDaysKey = "logRetentionDays";
    public const string ArchitectureKey = "architecture";
    public const string UploadHandlerAssetKey = "uploadHandlerAsset";
    public const string ImportMonitorAssetKey = "importMonitorAsset";
    public const string ImportDispatcherAssetKey = "importDispatcherAsset";
    public const string ImportEventWaitSecondsKey = "importEventWaitSeconds";

    public const string DefaultProjectName = "stroke-detection-ai";
    public const string DefaultStackName = "stroke-detection-phase1";

    // A year of PHI-free application and audit logs covers incident investigation and an
    // annual audit cycle; longer-term evidence belongs in the organisation's log archive.
    public const int DefaultLogRetentionDays = 365;

    // Most imports of one study end within 10 minutes; past that the workflow polls every 30 s
    // in case HealthImaging's event (best effort) was lost. Below a minute the wait saves
    // nothing; above an hour a lost event delays READY by as much.
    public const int DefaultImportEventWaitSeconds = 600;
    public const int MinImportEventWaitSeconds = 60;
    public const int MaxImportEventWaitSeconds = 3600;

    public const string DefaultUploadHandlerAsset = "artifacts/upload-handler";
    public const string DefaultImportMonitorAsset = "artifacts/import-monitor";
    public const string DefaultImportDispatcherAsset = "artifacts/import-dispatcher";

    /// <summary>The retention periods CloudWatch Logs accepts, in days.</summary>
    public static readonly IReadOnlyDictionary<int, RetentionDays> RetentionPeriods = new Dictionary<int, RetentionDays>
    {
        [1] = RetentionDays.ONE_DAY,
        [3] = RetentionDays.THREE_DAYS,
        [5] = RetentionDays.FIVE_DAYS,
        [7] = RetentionDays.ONE_WEEK,
        [14] = RetentionDays.TWO_WEEKS,
        [30] = RetentionDays.ONE_MONTH,
        [60] = RetentionDays.TWO_MONTHS,
        [90] = RetentionDays.THREE_MONTHS,
        [120] = RetentionDays.FOUR_MONTHS,
        [150] = RetentionDays.FIVE_MONTHS,
        [180] = RetentionDays.SIX_MONTHS,
        [365] = RetentionDays.ONE_YEAR,
        [400] = RetentionDays.THIRTEEN_MONTHS,
        [545] = RetentionDays.EIGHTEEN_MONTHS,
        [731] = RetentionDays.TWO_YEARS,
        [1096] = RetentionDays.THREE_YEARS,
        [1827] = RetentionDays.FIVE_YEARS,
        [2192] = RetentionDays.SIX_YEARS,
        [2557] = RetentionDays.SEVEN_YEARS,
        [2922] = RetentionDays.EIGHT_YEARS,
        [3288] = RetentionDays.NINE_YEARS,
        [3653] = RetentionDays.TEN_YEARS,
    };

    // 3–36 characters: the longest derived name, the bucket "<project>-dicom-uploads-<12-digit
    // account>", must stay within S3's 63. No dots (bucket and EventBridge source rules).
    private static readonly Regex ProjectNamePattern = new("^[a-z][a-z0-9-]{1,34}[a-z0-9]$", RegexOptions.CultureInvariant);
    private static readonly Regex StackNamePattern = new("^[A-Za-z][A-Za-z0-9-]{0,127}$", RegexOptions.CultureInvariant);
    private static readonly Regex KmsKeyArnPattern = new(@"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/(mrk-)?[0-9a-f-]{32,36}$", RegexOptions.CultureInvariant);
    private static readonly Regex OriginPattern = new(@"^https?://[A-Za-z0-9.-]+(:\d{1,5})?$", RegexOptions.CultureInvariant);
    private static readonly Regex EmailPattern = new(@"^[^@\s]+@[^@\s]+\.[^@\s]+$", RegexOptions.CultureInvariant);

    /// <summary>
    /// Reads and validates every key. <paramref name="context"/> returns a context value or
    /// null; relative asset paths resolve against <paramref name="baseDirectory"/> (the folder
    /// holding cdk.json when the CLI runs the app).
    /// </summary>
    /// <exception cref="StackConfigException">One or more values are invalid; the message names each key.</exception>
    public static StackConfig FromContext(Func<string, object?> context, string baseDirectory)
    {
        ArgumentNullException.ThrowIfNull(context);
        var errors = new List<string>();

        var projectName = ReadString(context, ProjectNameKey) ?? DefaultProjectName;
        if (!ProjectNamePattern.IsMatch(projectName))
        {
            errors.Add($"Context '{ProjectNameKey}' must be 3-36 characters of lower-case letters, digits and hyphens, start with a letter and end with a letter or digit (got '{projectName}').");
        }

        var stackName = ReadString(context, StackNameKey) ?? DefaultStackName;
        if (!StackNamePattern.IsMatch(stackName))
        {
            errors.Add($"Context '{StackNameKey}' must be a CloudFormation stack name: a letter followed by up to 127 letters, digits or hyphens (got '{stackName}').");
        }

        var kmsKeyArn = ReadString(context, KmsKeyArnKey);
        if (kmsKeyArn is not null && !KmsKeyArnPattern.IsMatch(kmsKeyArn))
        {
            errors.Add($"Context '{KmsKeyArnKey}' must be the ARN of a KMS key (arn:aws:kms:<region>:<account>:key/<key id>); aliases cannot scope IAM policies.");
        }

        var origins = ReadList(context, CorsAllowedOriginsKey) ?? ["*"];
        if (origins.Count == 0)
        {
            errors.Add($"Context '{CorsAllowedOriginsKey}' must name at least one origin, or '*'.");
        }
        else if (origins.Contains("*") && origins.Count > 1)
        {
            errors.Add($"Context '{CorsAllowedOriginsKey}' cannot combine '*' with specific origins.");
        }
        else
        {
            foreach (var origin in origins.Where(o => o != "*" && !OriginPattern.IsMatch(o)))
            {
                errors.Add($"Context '{CorsAllowedOriginsKey}' has '{origin}', which is not an origin (scheme://host[:port], no path).");
            }
        }

        var jwt = ReadJwt(context, errors);

        var alarmEmail = ReadString(context, AlarmEmailKey);
        if (alarmEmail is not null && !EmailPattern.IsMatch(alarmEmail))
        {
            errors.Add($"Context '{AlarmEmailKey}' must be an e-mail address.");
        }

        var retention = ReadWholeNumber(context, LogRetentionDaysKey, "days", errors) ?? DefaultLogRetentionDays;
        if (!RetentionPeriods.ContainsKey(retention))
        {
            errors.Add($"Context '{LogRetentionDaysKey}' must be one of the periods CloudWatch Logs accepts ({string.Join(", ", RetentionPeriods.Keys)}); got {retention}.");
        }

        var architectureText = ReadString(context, ArchitectureKey) ?? "arm64";
        LambdaArchitecture architecture;
        switch (architectureText)
        {
            case "arm64":
                architecture = LambdaArchitecture.Arm64;
                break;
            case "x86_64":
                architecture = LambdaArchitecture.X86_64;
                break;
            default:
                architecture = LambdaArchitecture.Arm64;
                errors.Add($"Context '{ArchitectureKey}' must be 'arm64' or 'x86_64' (got '{architectureText}').");
                break;
        }

        var eventWait = ReadWholeNumber(context, ImportEventWaitSecondsKey, "seconds", errors) ?? DefaultImportEventWaitSeconds;
        if (eventWait is < MinImportEventWaitSeconds or > MaxImportEventWaitSeconds)
        {
            errors.Add($"Context '{ImportEventWaitSecondsKey}' must be {MinImportEventWaitSeconds}-{MaxImportEventWaitSeconds} seconds (got {eventWait}).");
        }

        var uploadReserved = ReadReservedConcurrency(context, UploadReservedConcurrencyKey, errors);
        var monitorReserved = ReadReservedConcurrency(context, MonitorReservedConcurrencyKey, errors);

        var uploadAsset = ReadAsset(context, UploadHandlerAssetKey, DefaultUploadHandlerAsset, baseDirectory, errors);
        var monitorAsset = ReadAsset(context, ImportMonitorAssetKey, DefaultImportMonitorAsset, baseDirectory, errors);
        var dispatcherAsset = ReadAsset(context, ImportDispatcherAssetKey, DefaultImportDispatcherAsset, baseDirectory, errors);
        var admission = ReadAdmission(context, errors);

        var vpc = ReadVpc(context, errors);
        var auditTrail = ReadFlag(context, AuditTrailKey, errors);

        if (errors.Count > 0)
        {
            throw new StackConfigException(errors);
        }

        return new StackConfig(
            projectName,
            stackName,
            kmsKeyArn,
            origins,
            jwt,
            alarmEmail,
            retention,
            architecture,
            uploadAsset,
            monitorAsset,
            dispatcherAsset,
            eventWait)
        {
            Admission = admission,
            Vpc = vpc,
            AuditTrail = auditTrail,
            UploadReservedConcurrency = uploadReserved,
            MonitorReservedConcurrency = monitorReserved,
        };
    }

    private static int? ReadReservedConcurrency(Func<string, object?> context, string key, List<string> errors)
    {
        var reserved = ReadWholeNumber(context, key, "executions", errors);
        if (reserved is < 1)
        {
            errors.Add($"Context '{key}' must be a positive number of executions (got {reserved}); leave it unset to reserve none. "
                + "The account's Lambda concurrency quota must be at least the sum of reservations + 100.");
            return null;
        }

        return reserved;
    }

    // ---- Import admission under HealthImaging quotas (issue 11) ----

    public const string ImportStartTpsKey = "importStartTps";
    public const string MaxConcurrentImportJobsKey = "maxConcurrentImportJobs";
    public const string UrgentReservedJobsKey = "urgentReservedJobs";

    private static AdmissionConfig ReadAdmission(Func<string, object?> context, List<string> errors)
    {
        var tps = AdmissionConfig.Default.ImportStartTps;
        var tpsText = ReadString(context, ImportStartTpsKey);
        if (tpsText is not null
            && (!double.TryParse(tpsText, NumberStyles.Float, CultureInfo.InvariantCulture, out tps) || !double.IsFinite(tps) || tps <= 0))
        {
            errors.Add($"Context '{ImportStartTpsKey}' must be a positive number of StartDICOMImportJob calls per second, the account's HealthImaging quota (got '{tpsText}').");
            tps = AdmissionConfig.Default.ImportStartTps;
        }

        var maxJobs = ReadWholeNumber(context, MaxConcurrentImportJobsKey, "import jobs", errors) ?? AdmissionConfig.Default.MaxConcurrentImportJobs;
        if (maxJobs < 1)
        {
            errors.Add($"Context '{MaxConcurrentImportJobsKey}' must be at least 1 import job, the datastore's concurrent-import quota (got {maxJobs}).");
            maxJobs = AdmissionConfig.Default.MaxConcurrentImportJobs;
        }

        var reserved = ReadWholeNumber(context, UrgentReservedJobsKey, "import jobs", errors) ?? AdmissionConfig.Default.UrgentReservedJobs;
        if (reserved < 0 || reserved >= maxJobs)
        {
            errors.Add($"Context '{UrgentReservedJobsKey}' must be 0 or more and less than '{MaxConcurrentImportJobsKey}' ({maxJobs}), or routine studies would never start (got {reserved}).");
            reserved = 0;
        }

        return new AdmissionConfig(tps, maxJobs, reserved);
    }

    // ---- end of issue 11 block ----

    // ---- Network isolation and audit trail (issue 16) ----

    public const string VpcKey = "vpc";
    public const string VpcSubnetIdsKey = "vpcSubnetIds";
    public const string VpcRouteTableIdsKey = "vpcRouteTableIds";
    public const string AuditTrailKey = "auditTrail";

    /// <summary>Two AZs: one AZ outage must not stop uploads.</summary>
    public const int MinVpcSubnets = 2;

    // EC2 ids: the prefix and 8 (older) or 17 hexadecimal digits.
    private static readonly Regex VpcIdPattern = new("^vpc-([0-9a-f]{8}|[0-9a-f]{17})$", RegexOptions.CultureInvariant);
    private static readonly Regex SubnetIdPattern = new("^subnet-([0-9a-f]{8}|[0-9a-f]{17})$", RegexOptions.CultureInvariant);
    private static readonly Regex RouteTableIdPattern = new("^rtb-([0-9a-f]{8}|[0-9a-f]{17})$", RegexOptions.CultureInvariant);

    private static VpcSettings ReadVpc(Func<string, object?> context, List<string> errors)
    {
        var value = ReadString(context, VpcKey) ?? "none";
        var subnets = ReadList(context, VpcSubnetIdsKey);
        var routeTables = ReadList(context, VpcRouteTableIdsKey);
        if (value is "none" or "create")
        {
            if (subnets is not null || routeTables is not null)
            {
                errors.Add($"Context '{VpcSubnetIdsKey}' and '{VpcRouteTableIdsKey}' name parts of an existing VPC: set them only with '{VpcKey}' = <vpc id> (got '{VpcKey}' = '{value}').");
            }

            return value == "none" ? VpcSettings.None : VpcSettings.Create;
        }

        if (!VpcIdPattern.IsMatch(value))
        {
            errors.Add($"Context '{VpcKey}' must be 'none', 'create' or an existing VPC id (vpc- and 8 or 17 hex digits); got '{value}'.");
            return VpcSettings.None;
        }

        var subnetIds = ReadIds(subnets, VpcSubnetIdsKey, SubnetIdPattern, "subnet", errors);
        if (subnets is null || subnetIds.Count < MinVpcSubnets)
        {
            errors.Add($"Context '{VpcSubnetIdsKey}' must list at least {MinVpcSubnets} private subnets of {value} in different availability zones (comma-separated subnet ids).");
        }

        var routeTableIds = ReadIds(routeTables, VpcRouteTableIdsKey, RouteTableIdPattern, "route table", errors);
        if (routeTables is null || routeTableIds.Count == 0)
        {
            errors.Add($"Context '{VpcRouteTableIdsKey}' must list the route tables of the subnets in '{VpcSubnetIdsKey}' (comma-separated rtb- ids): the S3 and DynamoDB gateway endpoints add their routes there.");
        }

        return new VpcSettings(VpcMode.Existing, value, subnetIds, routeTableIds);
    }

    private static List<string> ReadIds(List<string>? values, string key, Regex pattern, string what, List<string> errors)
    {
        foreach (var bad in (values ?? []).Where(v => !pattern.IsMatch(v)))
        {
            errors.Add($"Context '{key}' has '{bad}', which is not a {what} id (its prefix and 8 or 17 hex digits).");
        }

        return (values ?? []).Where(v => pattern.IsMatch(v)).ToList();
    }

    private static bool ReadFlag(Func<string, object?> context, string key, List<string> errors)
    {
        var text = ReadString(context, key);
        if (text is null)
        {
            return false;
        }

        if (bool.TryParse(text, out var value))
        {
            return value;
        }

        errors.Add($"Context '{key}' must be true or false (got '{text}').");
        return false;
    }

    // ---- end of issue 16 block ----

    private static JwtSettings? ReadJwt(Func<string, object?> context, List<string> errors)
    {
        var issuer = ReadString(context, JwtIssuerKey);
        var audiences = ReadList(context, JwtAudienceKey);
        if (issuer is null && audiences is null)
        {
            return null;
        }

        if (issuer is null || audiences is null || audiences.Count == 0)
        {
            errors.Add($"Context '{JwtIssuerKey}' and '{JwtAudienceKey}' must be set together (both for a JWT authorizer, neither for IAM authorization).");
            return null;
        }

        if (!Uri.TryCreate(issuer, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps)
        {
            errors.Add($"Context '{JwtIssuerKey}' must be an https URL (got '{issuer}').");
            return null;
        }

        return new JwtSettings(issuer, audiences);
    }

    private static string ReadAsset(Func<string, object?> context, string key, string fallback, string baseDirectory, List<string> errors)
    {
        var value = ReadString(context, key) ?? fallback;
        var path = Path.GetFullPath(value, baseDirectory);
        if (!Directory.Exists(path))
        {
            errors.Add($"Context '{key}': the function bundle directory '{path}' does not exist. `cdk synth` publishes it first (the \"build\" command in cdk.json); when running the app directly, publish the function or point '{key}' at a bundle.");
        }

        return path;
    }

    private static string? ReadString(Func<string, object?> context, string key)
    {
        var text = context(key) switch
        {
            null => null,
            string s => s,
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            var other => other.ToString(),
        };
        text = text?.Trim();
        return string.IsNullOrEmpty(text) ? null : text;
    }

    private static List<string>? ReadList(Func<string, object?> context, string key)
    {
        var raw = context(key);
        IEnumerable<string?> items = raw switch
        {
            null => [],
            string s => s.Split(','),
            IEnumerable<object> list => list.Select(o => o?.ToString()),
            var other => [other.ToString()],
        };
        var values = items
            .Select(s => s?.Trim())
            .Where(s => !string.IsNullOrEmpty(s))
            .Select(s => s ?? string.Empty)
            .Distinct(StringComparer.Ordinal)
            .ToList();
        return raw is null || (raw is string text && string.IsNullOrWhiteSpace(text)) ? null : values;
    }

    /// <summary>Null when the key is absent; records an error (and answers null) when it is not a whole number.</summary>
    private static int? ReadWholeNumber(Func<string, object?> context, string key, string unit, List<string> errors)
    {
        var text = ReadString(context, key);
        if (text is null)
        {
            return null;
        }

        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        errors.Add($"Context '{key}' must be a whole number of {unit} (got '{text}').");
        return null;
    }
}

/// <summary>The CDK context holds invalid values; the message lists each one with its key.</summary>
internal sealed class StackConfigException : Exception
{
    public StackConfigException(IReadOnlyList<string> errors)
        : base("Invalid stack configuration:" + Environment.NewLine + string.Join(Environment.NewLine, errors.Select(e => "  - " + e)))
    {
        Errors = errors;
    }

    public IReadOnlyList<string> Errors { get; }
}

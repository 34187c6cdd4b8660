using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.Assertions;
using Constructs;

namespace StrokeIngestion.Infrastructure.Tests.Support;

/// <summary>
/// Synthesizes the stack once, with cdk.json's context plus test overrides, from stand-in
/// function bundles (the CLI test checks the real ones). Exposes the assertion
/// <see cref="Template"/> and the raw template JSON.
/// </summary>
public abstract class StackFixture : IDisposable
{
    private const string ResourcesKey = "Resources";

    private readonly DirectoryInfo _root;

    protected StackFixture(IReadOnlyDictionary<string, object> overrides)
    {
        // The Node process jsii starts inherits this; without it Node 20 prints an end-of-life banner.
        System.Environment.SetEnvironmentVariable("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20");
        _root = Directory.CreateTempSubdirectory("stroke-cdk-test-");
        var context = CdkJson.Context();
        context[StackConfig.UploadHandlerAssetKey] = StandInBundle("upload-handler", "StrokeIngestion.UploadHandler.dll");
        context[StackConfig.ImportMonitorAssetKey] = StandInBundle("import-monitor", "StrokeIngestion.ImportMonitor.dll");
        context[StackConfig.ImportDispatcherAssetKey] = StandInBundle("import-dispatcher", "StrokeIngestion.ImportDispatcher.dll");
        foreach (var (key, value) in overrides)
        {
            context[key] = value;
        }

        App = new App(new AppProps { Context = context, Outdir = Path.Combine(_root.FullName, "cdk.out") });
        // The same path Program.cs takes, including jsii's conversion of context values.
        Config = StackConfig.FromContext(key => App.Node.TryGetContext(key), _root.FullName);
        Stack = new IngestionStack(App, Config.StackName, Config);
        Template = Template.FromStack(Stack);

        var assembly = App.Synth();
        Json = JsonNode.Parse(File.ReadAllText(Path.Combine(assembly.Directory, Stack.TemplateFile)))?.AsObject()
            ?? throw new InvalidOperationException("Synthesized template is empty.");
        Resources = Json[ResourcesKey]?.AsObject() ?? throw new InvalidOperationException("Template has no Resources.");
    }

    internal App App { get; }

    internal StackConfig Config { get; }

    internal IngestionStack Stack { get; }

    internal Template Template { get; }

    internal JsonObject Json { get; }

    internal JsonObject Resources { get; }

    internal TemplateTokens Placeholders => TemplateTokens.Placeholders(Json);

    /// <summary>Logical id CloudFormation knows a construct's resource by.</summary>
    internal string LogicalId(IConstruct construct)
    {
        var element = construct as CfnElement
            ?? construct.Node.DefaultChild as CfnElement
            ?? throw new ArgumentException(construct.Node.Path + " has no CloudFormation resource.", nameof(construct));
        return (string)Stack.Resolve(element.LogicalId);
    }

    /// <summary>The one resource of a type; fails when there is not exactly one.</summary>
    internal (string LogicalId, JsonObject Resource) Single(string type)
    {
        var matches = OfType(type).ToList();
        Assert.True(matches.Count == 1, $"Expected one {type}, found {matches.Count}.");
        return matches[0];
    }

    internal IEnumerable<(string LogicalId, JsonObject Resource)> OfType(string type) =>
        Resources
            .Where(pair => pair.Value?["Type"]?.GetValue<string>() == type)
            .Select(pair => (pair.Key, pair.Value?.AsObject() ?? []));

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing && _root.Exists)
        {
            _root.Delete(recursive: true);
        }
    }

    private string StandInBundle(string name, string assembly)
    {
        var directory = _root.CreateSubdirectory(name);
        File.WriteAllText(Path.Combine(directory.FullName, assembly), "stand-in bundle for synthesis tests");
        return directory.FullName;
    }
}

/// <summary>The stack as cdk.json configures it.</summary>
public sealed class DefaultStackFixture : StackFixture
{
    public DefaultStackFixture()
        : base(new Dictionary<string, object>())
    {
    }
}

/// <summary>Every optional setting switched on, under another project name.</summary>
public sealed class CustomizedStackFixture : StackFixture
{
    public const string ProjectName = "acme-neuro";
    public const string KmsKeyArn = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    public const string JwtIssuer = "https://login.example.org/tenant";
    public const string AlarmEmail = "oncall@example.org";

    /// <summary>The longest wait allowed: it pushes the state machine timeout out.</summary>
    public const int ImportEventWaitSeconds = 3600;

    public const int UploadReservedConcurrency = 40;
    public const int MonitorReservedConcurrency = 10;

    /// <summary>A raised HealthImaging quota (40 TPS, 400 jobs), as before a backfill.</summary>
    public const double ImportStartTps = 40;
    public const int MaxConcurrentImportJobs = 400;
    public const int UrgentReservedJobs = 50;

    public CustomizedStackFixture()
        : base(new Dictionary<string, object>
        {
            [StackConfig.ProjectNameKey] = ProjectName,
            [StackConfig.StackNameKey] = "acme-neuro-ingestion",
            [StackConfig.KmsKeyArnKey] = KmsKeyArn,
            [StackConfig.JwtIssuerKey] = JwtIssuer,
            [StackConfig.JwtAudienceKey] = "upload-api, upload-cli",
            [StackConfig.CorsAllowedOriginsKey] = "https://viewer.example.org,https://portal.example.org",
            [StackConfig.AlarmEmailKey] = AlarmEmail,
            [StackConfig.LogRetentionDaysKey] = "90",
            [StackConfig.ArchitectureKey] = "x86_64",
            [StackConfig.ImportEventWaitSecondsKey] = ImportEventWaitSeconds,
            [StackConfig.UploadReservedConcurrencyKey] = UploadReservedConcurrency,
            [StackConfig.MonitorReservedConcurrencyKey] = $"{MonitorReservedConcurrency}",
            [StackConfig.ImportStartTpsKey] = ImportStartTps,
            [StackConfig.MaxConcurrentImportJobsKey] = $"{MaxConcurrentImportJobs}",
            [StackConfig.UrgentReservedJobsKey] = UrgentReservedJobs,
        })
    {
    }
}

/// <summary>The isolated deployment: <c>-c vpc=create -c auditTrail=true</c>.</summary>
public sealed class IsolatedStackFixture : StackFixture
{
    public IsolatedStackFixture()
        : base(new Dictionary<string, object>
        {
            [StackConfig.VpcKey] = "create",
            [StackConfig.AuditTrailKey] = "true",
        })
    {
    }
}

/// <summary>The functions in two private subnets of an existing VPC, named by id.</summary>
public sealed class ExistingVpcStackFixture : StackFixture
{
    public const string VpcId = "vpc-0a1b2c3d4e5f60718";
    public const string SubnetA = "subnet-0a1b2c3d4e5f60718";
    public const string SubnetB = "subnet-1b2c3d4e";
    public const string RouteTableA = "rtb-0a1b2c3d4e5f60718";
    public const string RouteTableB = "rtb-2c3d4e5f";

    public ExistingVpcStackFixture()
        : base(new Dictionary<string, object>
        {
            [StackConfig.VpcKey] = VpcId,
            [StackConfig.VpcSubnetIdsKey] = $"{SubnetA},{SubnetB}",
            [StackConfig.VpcRouteTableIdsKey] = new object[] { RouteTableA, RouteTableB },
        })
    {
    }
}

[CollectionDefinition(Name)]
public sealed class SynthesizedStacks :
    ICollectionFixture<DefaultStackFixture>,
    ICollectionFixture<CustomizedStackFixture>,
    ICollectionFixture<IsolatedStackFixture>,
    ICollectionFixture<ExistingVpcStackFixture>
{
    public const string Name = "synthesized stacks";
}

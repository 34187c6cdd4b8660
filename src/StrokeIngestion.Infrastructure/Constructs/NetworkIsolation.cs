using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.IAM;
using Constructs;

namespace StrokeIngestion.Infrastructure.Constructs;

/// <summary>Where a function runs inside the VPC: its subnets and its security group.</summary>
internal sealed record VpcPlacement(IVpc Vpc, IReadOnlyList<ISubnet> Subnets, ISecurityGroup SecurityGroup);

/// <summary>
/// The functions' network when context <c>vpc</c> is on: private subnets with no route to the
/// internet (the stack's own isolated VPC, or the named subnets of an existing one), a security
/// group for the functions that allows only HTTPS to the stack's VPC endpoints, and those endpoints:
/// gateway endpoints for S3 and DynamoDB, interface endpoints (private DNS) for every other service
/// a function calls. Each endpoint carries a policy that admits only this account's principals
/// acting on this stack's resources.
/// </summary>
/// <remarks>
/// Adding a service a function calls is one line in the stack:
/// <c>network.AddInterfaceEndpoint("Sqs", "sqs", EndpointPolicy.Allow([...], queueArn))</c>.
/// </remarks>
internal sealed class NetworkIsolation : Construct
{
    public const int HttpsPort = 443;

    /// <summary>The stack's own VPC: 256 addresses, two /26 subnets (59 usable each) for ENIs of functions and endpoints.</summary>
    public const string VpcCidr = "10.42.0.0/24";
    public const int SubnetCidrMask = 26;
    public const int AvailabilityZones = 2;
    public const string SubnetGroupName = "isolated";

    /// <summary>
    /// AWS-managed prefix lists of the S3 and DynamoDB gateway endpoints, per region. A gateway
    /// endpoint has no security group: the functions' group must allow HTTPS to these lists, and
    /// CloudFormation cannot look them up. The regions are HealthImaging's (ids as
    /// <c>aws ec2 describe-prefix-lists</c> prints them); add a row to deploy elsewhere.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, (string S3, string DynamoDb)> GatewayPrefixLists =
        new Dictionary<string, (string, string)>(StringComparer.Ordinal)
        {
            ["us-east-1"] = ("pl-63a5400a", "pl-02cd2c6b"),
            ["us-west-2"] = ("pl-68a54001", "pl-00a54069"),
            ["eu-west-1"] = ("pl-6da54004", "pl-6fa54006"),
            ["ap-southeast-2"] = ("pl-6ca54005", "pl-62a5400b"),
        };

    /// <summary>
    /// One line saying why functions cannot be placed in a VPC in <paramref name="region"/>, or
    /// null when they can: without its row in <see cref="GatewayPrefixLists"/> the deploy would
    /// fail late on a missing mapping key. A null region (environment-agnostic) is checked again
    /// when the CLI resolves the region on deploy.
    /// </summary>
    public static string? RegionRefusal(VpcMode mode, string? region) =>
        mode == VpcMode.None || string.IsNullOrWhiteSpace(region) || GatewayPrefixLists.ContainsKey(region)
            ? null
            : $"Context 'vpc' needs the S3 and DynamoDB gateway prefix lists of {region}, which NetworkIsolation.GatewayPrefixLists does not have yet "
              + $"(it has {string.Join(", ", GatewayPrefixLists.Keys)}); add that region's row from `aws ec2 describe-prefix-lists`, or deploy with vpc=none.";

    private readonly List<string> _subnetIds;
    private readonly List<string> _routeTableIds;
    private readonly CfnMapping _prefixLists;

    public NetworkIsolation(Construct scope, string id, VpcSettings settings, EncryptedLogs logs, string projectName)
        : base(scope, id)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(logs);
        IVpc vpc;
        IReadOnlyList<ISubnet> subnets;
        switch (settings.Mode)
        {
            case VpcMode.Create:
                var created = new Vpc(this, "Vpc", new VpcProps
                {
                    IpAddresses = IpAddresses.Cidr(VpcCidr),
                    MaxAzs = AvailabilityZones,
                    // Isolated subnets only: no public subnet, so no internet gateway, and no NAT.
                    NatGateways = 0,
                    SubnetConfiguration =
                    [
                        new SubnetConfiguration { Name = SubnetGroupName, SubnetType = SubnetType.PRIVATE_ISOLATED, CidrMask = SubnetCidrMask },
                    ],
                    // Private DNS of the interface endpoints needs both.
                    EnableDnsHostnames = true,
                    EnableDnsSupport = true,
                    // CDK's fix for the default security group is a custom-resource Lambda running
                    // outside this VPC; nothing here uses the default group (see the suppression).
                    RestrictDefaultSecurityGroup = false,
                });
                created.AddFlowLog("FlowLog", new FlowLogOptions
                {
                    Destination = FlowLogDestination.ToCloudWatchLogs(logs.NewLogGroup(this, "FlowLogGroup", $"/aws/vpc/{projectName}-flow-logs")),
                    TrafficType = FlowLogTrafficType.ALL,
                });
                SuppressFlowLogRoleFindings(created);
                created.SuppressNag(
                    "HIPAA.Security-VPCDefaultSecurityGroupClosed",
                    "No resource of this stack uses the VPC's default security group: the functions and the "
                    + "endpoints each have their own group. Closing it needs CDK's custom-resource Lambda, which would "
                    + "run outside this VPC with EC2 permissions; an AWS Config rule or the account baseline should close it.");
                vpc = created;
                subnets = created.IsolatedSubnets;
                _subnetIds = subnets.Select(s => s.SubnetId).ToList();
                _routeTableIds = subnets.Select(s => s.RouteTable.RouteTableId).ToList();
                break;

            case VpcMode.Existing:
                // Imported from ids alone: no lookup, so synthesis needs no account. The AZs are
                // required by the import but unused: subnets are passed to functions and endpoints by id.
                vpc = Amazon.CDK.AWS.EC2.Vpc.FromVpcAttributes(this, "Vpc", new VpcAttributes
                {
                    VpcId = settings.VpcId ?? throw new ArgumentException("An existing VPC needs its id.", nameof(settings)),
                    AvailabilityZones = Fn.GetAzs(),
                });
                subnets = settings.SubnetIds.Select((subnetId, i) => Subnet.FromSubnetId(this, $"Subnet{i + 1}", subnetId)).ToList();
                _subnetIds = [.. settings.SubnetIds];
                _routeTableIds = [.. settings.RouteTableIds];
                break;

            default:
                throw new ArgumentException("NetworkIsolation needs a VPC mode other than None.", nameof(settings));
        }

        Vpc = vpc;
        EndpointSecurityGroup = new SecurityGroup(this, "EndpointSecurityGroup", new SecurityGroupProps
        {
            Vpc = vpc,
            Description = "Interface endpoints of the stack: HTTPS from the functions only",
            AllowAllOutbound = false,
        });
        FunctionSecurityGroup = new SecurityGroup(this, "FunctionSecurityGroup", new SecurityGroupProps
        {
            Vpc = vpc,
            Description = "Functions of the stack: HTTPS to the stack VPC endpoints only",
            AllowAllOutbound = false,
        });
        FunctionSecurityGroup.Connections.AllowTo(EndpointSecurityGroup, Port.Tcp(HttpsPort), "HTTPS to the interface endpoints");

        _prefixLists = new CfnMapping(this, "GatewayPrefixLists", new CfnMappingProps
        {
            // Resolved at synthesis when the stack's region is known (the CLI's default region);
            // a region-agnostic template keeps the table and looks up AWS::Region at deploy.
            Lazy = true,
            Mapping = GatewayPrefixLists.ToDictionary(
                r => r.Key,
                r => (IDictionary<string, object>)new Dictionary<string, object> { ["s3"] = r.Value.S3, ["dynamodb"] = r.Value.DynamoDb }),
        });
        Placement = new VpcPlacement(vpc, subnets, FunctionSecurityGroup);
    }

    public IVpc Vpc { get; }

    /// <summary>Security group of every function in the VPC.</summary>
    public SecurityGroup FunctionSecurityGroup { get; }

    /// <summary>Security group of every interface endpoint: HTTPS in from the functions' group.</summary>
    public SecurityGroup EndpointSecurityGroup { get; }

    /// <summary>Pass to every function (<see cref="IngestionFunctionProps.Network"/>).</summary>
    public VpcPlacement Placement { get; }

    /// <summary>The subnets the functions and interface endpoints use.</summary>
    public IReadOnlyList<string> SubnetIds => _subnetIds;

    /// <summary>
    /// A gateway endpoint (<c>s3</c> or <c>dynamodb</c>) on the subnets' route tables, and an
    /// HTTPS egress rule from the functions to the service's prefix list.
    /// </summary>
    public CfnVPCEndpoint AddGatewayEndpoint(string id, string service, params PolicyStatement[] statements)
    {
        var endpoint = new CfnVPCEndpoint(this, id, new CfnVPCEndpointProps
        {
            VpcId = Vpc.VpcId,
            ServiceName = ServiceName(service),
            VpcEndpointType = "Gateway",
            RouteTableIds = [.. _routeTableIds],
            PolicyDocument = EndpointPolicy.Document(statements),
        });
        FunctionSecurityGroup.AddEgressRule(
            Peer.PrefixList(_prefixLists.FindInMap(Stack.Of(this).Region, service)),
            Port.Tcp(HttpsPort),
            $"HTTPS to {service} through its gateway endpoint");
        return endpoint;
    }

    /// <summary>An interface endpoint with private DNS in every subnet, behind <see cref="EndpointSecurityGroup"/>.</summary>
    public CfnVPCEndpoint AddInterfaceEndpoint(string id, string service, params PolicyStatement[] statements) =>
        new(this, id, new CfnVPCEndpointProps
        {
            VpcId = Vpc.VpcId,
            ServiceName = ServiceName(service),
            VpcEndpointType = "Interface",
            // The SDK's default host name (e.g. medical-imaging.<region>.amazonaws.com) then resolves
            // to the endpoint's private addresses: the functions need no endpoint configuration.
            PrivateDnsEnabled = true,
            SubnetIds = [.. _subnetIds],
            SecurityGroupIds = [EndpointSecurityGroup.SecurityGroupId],
            PolicyDocument = EndpointPolicy.Document(statements),
        });

    private string ServiceName(string service) => $"com.amazonaws.{Stack.Of(this).Region}.{service}";

    private static void SuppressFlowLogRoleFindings(Vpc vpc)
    {
        var role = vpc.Node.FindChild("FlowLog").Node.FindChild("IAMRole");
        NagSuppressions.DefaultPolicyOf((IRole)role).SuppressNag(
            "HIPAA.Security-IAMNoInlinePolicy",
            "CDK's flow-log role: assumable only by vpc-flow-logs.amazonaws.com, created and deleted with the "
            + "flow log, and allowed to write to that one log group; one role, one inline policy, bound one-to-one.");
    }
}

/// <summary>Endpoint policies: this account's principals, on the named resources only.</summary>
internal static class EndpointPolicy
{
    /// <summary>A statement for an endpoint policy; principals are narrowed to the account in <see cref="Document"/>.</summary>
    public static PolicyStatement Allow(string[] actions, params string[] resources) =>
        new(new PolicyStatementProps { Actions = actions, Resources = resources });

    public static PolicyDocument Document(IEnumerable<PolicyStatement> statements)
    {
        var document = new PolicyDocument();
        foreach (var statement in statements)
        {
            // Endpoint policies name principals as "*" narrowed by condition: a role ARN here would
            // have to exist before the endpoint, and the roles' own policies already say who may do what.
            statement.AddAnyPrincipal();
            statement.AddCondition("StringEquals", new Dictionary<string, object> { ["aws:PrincipalAccount"] = Aws.ACCOUNT_ID });
            document.AddStatements(statement);
        }

        return document;
    }
}

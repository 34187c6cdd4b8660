using System.Text.Json.Nodes;
using StrokeIngestion.Infrastructure.Constructs;
using StrokeIngestion.Infrastructure.Tests.Support;

namespace StrokeIngestion.Infrastructure.Tests.Constructs;

/// <summary>Context <c>vpc</c>: none (the default), create, and an existing VPC id.</summary>
[Collection(SynthesizedStacks.Name)]
public sealed class NetworkIsolationTests(DefaultStackFixture none, IsolatedStackFixture created, ExistingVpcStackFixture existing)
{
    private const string EndpointType = "AWS::EC2::VPCEndpoint";

    // Service prefixes of IAM actions the functions hold that are not calls over the function's
    // network: Lambda itself writes logs and traces and attaches the ENIs; iam:PassRole is checked
    // by HealthImaging when the import starts.
    private static readonly HashSet<string> NotCalledOverTheVpc = ["logs", "xray", "ec2", "iam"];

    private static readonly string[] InternetPathTypes =
    [
        "AWS::EC2::InternetGateway",
        "AWS::EC2::EgressOnlyInternetGateway",
        "AWS::EC2::VPCGatewayAttachment",
        "AWS::EC2::NatGateway",
        "AWS::EC2::EIP",
        "AWS::EC2::Route",
        "AWS::EC2::TransitGatewayAttachment",
    ];

    public static TheoryData<string> IsolatedModes => ["create", "existing"];

    [Fact]
    public void None_ShouldCreateNoNetworkAndKeepTheReasonedLambdaInsideVpcSuppression()
    {
        Assert.DoesNotContain(none.Resources, r => r.Value?["Type"]?.GetValue<string>()?.StartsWith("AWS::EC2::", StringComparison.Ordinal) == true);
        Assert.All(none.OfType("AWS::Lambda::Function"), f =>
        {
            Assert.Null(f.Resource["Properties"]?["VpcConfig"]);
            Assert.Contains("HIPAA.Security-LambdaInsideVPC", SuppressedRules(f.Resource));
        });
        Assert.Null(none.Stack.Network);
    }

    [Fact]
    public void Create_ShouldMakeTwoIsolatedSubnetsInTwoZonesWithNoPathToTheInternet()
    {
        var (vpcId, vpc) = created.Single("AWS::EC2::VPC");
        Assert.Equal(NetworkIsolation.VpcCidr, vpc["Properties"]?["CidrBlock"]?.GetValue<string>());
        Assert.True(vpc["Properties"]?["EnableDnsHostnames"]?.GetValue<bool>());
        Assert.True(vpc["Properties"]?["EnableDnsSupport"]?.GetValue<bool>());

        var subnets = created.OfType("AWS::EC2::Subnet").ToList();
        Assert.Equal(2, subnets.Count);
        Assert.All(subnets, s =>
        {
            Assert.Equal(vpcId, s.Resource["Properties"]?["VpcId"]?["Ref"]?.GetValue<string>());
            Assert.False(s.Resource["Properties"]?["MapPublicIpOnLaunch"]?.GetValue<bool>());
        });
        // Fn::Select 0 and 1 of the region's zones: two different AZs.
        Assert.Equal(
            ["0", "1"],
            subnets.Select(s => s.Resource["Properties"]?["AvailabilityZone"]?["Fn::Select"]?[0]?.ToJsonString()).Order(StringComparer.Ordinal));

        foreach (var type in InternetPathTypes)
        {
            Assert.Empty(created.OfType(type));
        }
    }

    [Fact]
    public void Create_ShouldRecordFlowLogsOfTheVpcInAnEncryptedRetainedLogGroup()
    {
        var (_, flowLog) = created.Single("AWS::EC2::FlowLog");
        var logGroupId = flowLog["Properties"]?["LogGroupName"]?["Ref"]?.GetValue<string>() ?? string.Empty;

        Assert.Equal("ALL", flowLog["Properties"]?["TrafficType"]?.GetValue<string>());
        Assert.Equal("/aws/vpc/stroke-detection-ai-flow-logs", created.Resources[logGroupId]?["Properties"]?["LogGroupName"]?.GetValue<string>());
        Assert.NotNull(created.Resources[logGroupId]?["Properties"]?["KmsKeyId"]);
        Assert.Equal("RetainExceptOnCreate", created.Resources[logGroupId]?["DeletionPolicy"]?.GetValue<string>());
    }

    [Fact]
    public void Existing_ShouldImportTheVpcByIdAndCreateNoSubnetsRoutesOrGateways()
    {
        Assert.Empty(existing.OfType("AWS::EC2::VPC"));
        Assert.Empty(existing.OfType("AWS::EC2::Subnet"));
        Assert.Empty(existing.OfType("AWS::EC2::RouteTable"));
        Assert.Empty(existing.OfType("AWS::EC2::FlowLog"));
        foreach (var type in InternetPathTypes)
        {
            Assert.Empty(existing.OfType(type));
        }

        Assert.All(existing.OfType("AWS::EC2::SecurityGroup"), g =>
            Assert.Equal(ExistingVpcStackFixture.VpcId, g.Resource["Properties"]?["VpcId"]?.GetValue<string>()));
    }

    [Theory]
    [MemberData(nameof(IsolatedModes))]
    public void Endpoints_ShouldBeGatewaysForS3AndDynamoDbAndPrivateDnsInterfacesForHealthImagingAndStepFunctions(string mode)
    {
        var fixture = Fixture(mode);
        var (subnets, routeTables) = Placement(mode);

        var endpoints = fixture.OfType(EndpointType).ToDictionary(e => Service(fixture, e.Resource), e => e.Resource["Properties"]?.AsObject() ?? []);

        Assert.Equal(["dynamodb", "medical-imaging", "s3", "sqs", "states"], endpoints.Keys.Order(StringComparer.Ordinal));
        foreach (var service in new[] { "s3", "dynamodb" })
        {
            Assert.Equal("Gateway", endpoints[service]["VpcEndpointType"]?.GetValue<string>());
            Assert.Equal(routeTables, Rendered(fixture, endpoints[service]["RouteTableIds"]));
        }

        var endpointGroup = fixture.LogicalId(fixture.Stack.Network!.EndpointSecurityGroup);
        foreach (var service in new[] { "medical-imaging", "states", "sqs" })
        {
            Assert.Equal("Interface", endpoints[service]["VpcEndpointType"]?.GetValue<string>());
            Assert.True(endpoints[service]["PrivateDnsEnabled"]?.GetValue<bool>());
            Assert.Equal(subnets, Rendered(fixture, endpoints[service]["SubnetIds"]));
            Assert.Equal([$"{{{endpointGroup}.GroupId}}"], Rendered(fixture, endpoints[service]["SecurityGroupIds"]));
        }
    }

    [Theory]
    [MemberData(nameof(IsolatedModes))]
    public void EndpointPolicies_ShouldAdmitThisAccountOnTheStackResourcesOnly(string mode)
    {
        var fixture = Fixture(mode);
        const string Account = """ if {"StringEquals":{"aws:PrincipalAccount":{"Ref":"AWS::AccountId"}}}""";

        var policies = fixture.OfType(EndpointType).ToDictionary(
            e => Service(fixture, e.Resource),
            e => PolicyStatements.Flatten(Statements(e.Resource), fixture.Placeholders));

        Assert.Equal(
            [
                "Allow s3:GetObject {DicomUploadBucket.Arn}/*" + Account,
                "Allow s3:GetObjectVersion {DicomUploadBucket.Arn}/*" + Account,
                "Allow s3:ListBucket {DicomUploadBucket.Arn}" + Account,
                "Allow s3:PutObject {DicomUploadBucket.Arn}/*" + Account,
            ],
            policies["s3"]);
        Assert.Equal(
            [
                "Allow dynamodb:GetItem {StudyMetadataTable.Arn}" + Account,
                "Allow dynamodb:PutItem {StudyMetadataTable.Arn}" + Account,
                "Allow dynamodb:Query {StudyMetadataTable.Arn}/index/status-index" + Account,
                "Allow dynamodb:UpdateItem {StudyMetadataTable.Arn}" + Account,
            ],
            policies["dynamodb"]);
        Assert.Equal(
            [
                "Allow medical-imaging:GetDICOMImportJob {ImagingDatastore.DatastoreArn}" + Account,
                "Allow medical-imaging:StartDICOMImportJob {ImagingDatastore.DatastoreArn}" + Account,
            ],
            policies["medical-imaging"]);
        const string Machine = "arn:{AWS::Partition}:states:{AWS::Region}:{AWS::AccountId}:stateMachine:stroke-detection-ai-processing";
        Assert.Equal(
            [
                $"Allow states:SendTaskSuccess {Machine}{Account}",
                $"Allow states:StartExecution {Machine}{Account}",
            ],
            policies["states"]);
        var urgent = fixture.LogicalId(fixture.Stack.Queues.Urgent);
        var routine = fixture.LogicalId(fixture.Stack.Queues.Routine);
        Assert.Equal(
            [
                // What the functions' own code calls on the two main queues; the mappings' ReceiveMessage
                // and DeleteMessage are Lambda's poller, outside the subnets.
                $"Allow sqs:ChangeMessageVisibility {{{routine}.Arn}}{Account}",
                $"Allow sqs:ChangeMessageVisibility {{{urgent}.Arn}}{Account}",
                $"Allow sqs:GetQueueAttributes {{{routine}.Arn}}{Account}",
                $"Allow sqs:GetQueueAttributes {{{urgent}.Arn}}{Account}",
                $"Allow sqs:SendMessage {{{routine}.Arn}}{Account}",
                $"Allow sqs:SendMessage {{{urgent}.Arn}}{Account}",
            ],
            policies["sqs"]);
        Assert.All(fixture.OfType(EndpointType), e => Assert.All(Statements(e.Resource), s =>
            Assert.Equal("""{"AWS":"*"}""", s["Principal"]?.ToJsonString())));
    }

    [Theory]
    [MemberData(nameof(IsolatedModes))]
    public void EndpointPolicies_ShouldAdmitEveryCallTheFunctionRolesAllowAndEveryCalledServiceShouldHaveAnEndpoint(string mode)
    {
        var fixture = Fixture(mode);
        var endpointActions = fixture.OfType(EndpointType)
            .SelectMany(e => Statements(e.Resource).SelectMany(s => PolicyStatements.Strings(s["Action"])))
            .ToHashSet(StringComparer.Ordinal);

        // Lambda's asynchronous-invocation destinations are delivered by the Lambda service with
        // the function's role, not sent from the function's subnets.
        var destinations = fixture.OfType("AWS::Lambda::EventInvokeConfig")
            .Select(c => fixture.Placeholders.Render(c.Resource["Properties"]?["DestinationConfig"]?["OnFailure"]?["Destination"]))
            .ToHashSet(StringComparer.Ordinal);

        // An SQS event source mapping's poller is Lambda's too: it receives and deletes the
        // messages outside the function's subnets.
        var mappingSources = fixture.OfType("AWS::Lambda::EventSourceMapping")
            .Select(m => fixture.Placeholders.Render(m.Resource["Properties"]?["EventSourceArn"]))
            .ToHashSet(StringComparer.Ordinal);

        var functionActions = FunctionRoles(fixture)
            .SelectMany(role => PolicyStatements.OfRole(fixture, role))
            .Where(s => !PolicyStatements.Items(s["Resource"]).All(r => destinations.Contains(fixture.Placeholders.Render(r))))
            .SelectMany(s => PolicyStatements.Strings(s["Action"])
                .Where(a => !(a is "sqs:ReceiveMessage" or "sqs:DeleteMessage"
                    && PolicyStatements.Items(s["Resource"]).All(r => mappingSources.Contains(fixture.Placeholders.Render(r))))))
            .Where(a => !NotCalledOverTheVpc.Contains(a.Split(':')[0]))
            .Distinct(StringComparer.Ordinal)
            .ToList();

        // A function granted a call the endpoint would refuse (or a service without an endpoint)
        // would fail only once deployed; add the endpoint or the action in IngestionStack.AddEndpoints.
        Assert.NotEmpty(functionActions);
        Assert.All(functionActions, action => Assert.Contains(action, endpointActions));
    }

    [Theory]
    [MemberData(nameof(IsolatedModes))]
    public void Functions_ShouldEachRunInThePrivateSubnetsBehindTheFunctionSecurityGroup(string mode)
    {
        var fixture = Fixture(mode);
        var (subnets, _) = Placement(mode);
        var functionGroup = fixture.LogicalId(fixture.Stack.Network!.FunctionSecurityGroup);

        var functions = fixture.OfType("AWS::Lambda::Function").ToList();

        Assert.Equal(3, functions.Count);
        Assert.All(functions, f =>
        {
            var config = f.Resource["Properties"]?["VpcConfig"];
            Assert.Equal(subnets, Rendered(fixture, config?["SubnetIds"]));
            Assert.Equal([$"{{{functionGroup}.GroupId}}"], Rendered(fixture, config?["SecurityGroupIds"]));
            Assert.DoesNotContain("HIPAA.Security-LambdaInsideVPC", SuppressedRules(f.Resource));
        });
        Assert.All(FunctionRoles(fixture), role => Assert.Contains(
            PolicyStatements.OfRole(fixture, role),
            s => s["Sid"]?.GetValue<string>() == "AttachToVpcSubnets"
                && PolicyStatements.Strings(s["Action"]).Order(StringComparer.Ordinal).SequenceEqual(IngestionFunction.VpcNetworkInterfaceActions.Order(StringComparer.Ordinal))));
    }

    [Theory]
    [MemberData(nameof(IsolatedModes))]
    public void FunctionSecurityGroup_ShouldAllowOnlyHttpsToTheInterfaceEndpointsAndTheGatewayPrefixLists(string mode)
    {
        var fixture = Fixture(mode);
        var network = fixture.Stack.Network!;
        var functionGroup = fixture.LogicalId(network.FunctionSecurityGroup);
        var endpointGroup = fixture.LogicalId(network.EndpointSecurityGroup);
        var mapping = fixture.LogicalId((Amazon.CDK.CfnMapping)network.Node.FindChild("GatewayPrefixLists"));

        var egress = Rules(fixture, "AWS::EC2::SecurityGroupEgress", functionGroup)
            .Concat(Inline(fixture, functionGroup, "SecurityGroupEgress"))
            .ToList();
        var ingress = Rules(fixture, "AWS::EC2::SecurityGroupIngress", endpointGroup)
            .Concat(Inline(fixture, endpointGroup, "SecurityGroupIngress"))
            .ToList();

        Assert.Equal(
            [
                $$"""tcp 443-443 to {"Fn::FindInMap":["{{mapping}}",{"Ref":"AWS::Region"},"dynamodb"]}""",
                $$"""tcp 443-443 to {"Fn::FindInMap":["{{mapping}}",{"Ref":"AWS::Region"},"s3"]}""",
                $$"""tcp 443-443 to {"Fn::GetAtt":["{{endpointGroup}}","GroupId"]}""",
            ],
            egress.Order(StringComparer.Ordinal));
        Assert.Equal([$$"""tcp 443-443 from {"Fn::GetAtt":["{{functionGroup}}","GroupId"]}"""], ingress);
        // The endpoints' group sends nothing: CDK's placeholder rule stands for "no egress".
        Assert.Equal(
            ["""{"CidrIp":"255.255.255.255/32","Description":"Disallow all traffic","FromPort":252,"IpProtocol":"icmp","ToPort":86}"""],
            fixture.Resources[endpointGroup]?["Properties"]?["SecurityGroupEgress"]?.AsArray().Select(r => r?.ToJsonString()));
        Assert.Empty(Rules(fixture, "AWS::EC2::SecurityGroupEgress", endpointGroup));
        Assert.Empty(Rules(fixture, "AWS::EC2::SecurityGroupIngress", functionGroup).Concat(Inline(fixture, functionGroup, "SecurityGroupIngress")));
    }

    [Fact]
    public void GatewayPrefixLists_ShouldNameTheS3AndDynamoDbListsOfEveryHealthImagingRegion()
    {
        var network = created.Stack.Network!;
        var mapping = created.Json["Mappings"]?[created.LogicalId((Amazon.CDK.CfnMapping)network.Node.FindChild("GatewayPrefixLists"))]?.AsObject() ?? [];

        Assert.Equal(["ap-southeast-2", "eu-west-1", "us-east-1", "us-west-2"], mapping.Select(m => m.Key).Order(StringComparer.Ordinal));
        Assert.All(mapping, region =>
        {
            Assert.Matches("^pl-[0-9a-f]{8}$", region.Value?["s3"]?.GetValue<string>() ?? string.Empty);
            Assert.Matches("^pl-[0-9a-f]{8}$", region.Value?["dynamodb"]?.GetValue<string>() ?? string.Empty);
            Assert.NotEqual(region.Value?["s3"]?.GetValue<string>(), region.Value?["dynamodb"]?.GetValue<string>());
        });
    }

    private StackFixture Fixture(string mode) => mode == "create" ? created : existing;

    private (List<string> Subnets, List<string> RouteTables) Placement(string mode)
    {
        if (mode == "existing")
        {
            return (
                [ExistingVpcStackFixture.SubnetA, ExistingVpcStackFixture.SubnetB],
                [ExistingVpcStackFixture.RouteTableA, ExistingVpcStackFixture.RouteTableB]);
        }

        var subnets = created.OfType("AWS::EC2::Subnet").Select(s => "{" + s.LogicalId + "}").ToList();
        var routeTables = created.OfType("AWS::EC2::RouteTable").Select(r => "{" + r.LogicalId + "}").ToList();
        return (subnets, routeTables);
    }

    private static List<string> Rendered(StackFixture fixture, JsonNode? list) =>
        PolicyStatements.Items(list).Select(fixture.Placeholders.Render).ToList();

    /// <summary>"medical-imaging" from com.amazonaws.{AWS::Region}.medical-imaging.</summary>
    private static string Service(StackFixture fixture, JsonObject endpoint)
    {
        var name = fixture.Placeholders.Render(endpoint["Properties"]?["ServiceName"]);
        Assert.StartsWith("com.amazonaws.{AWS::Region}.", name, StringComparison.Ordinal);
        return name["com.amazonaws.{AWS::Region}.".Length..];
    }

    private static IEnumerable<JsonObject> Statements(JsonObject endpoint) =>
        PolicyStatements.Items(endpoint["Properties"]?["PolicyDocument"]?["Statement"]).OfType<JsonObject>();

    [Theory]
    [InlineData("Create", "eu-west-2")]
    [InlineData("Existing", "eu-west-2")]
    public void RegionRefusal_WhenAVpcIsAskedForInARegionWithoutPrefixLists_ShouldRefuseInOneLine(string mode, string region)
    {
        var line = NetworkIsolation.RegionRefusal(Enum.Parse<VpcMode>(mode), region);

        Assert.NotNull(line);
        Assert.Contains(region, line, StringComparison.Ordinal);
        Assert.Contains("vpc=none", line, StringComparison.Ordinal);
        Assert.DoesNotContain(Environment.NewLine, line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("None", "eu-west-2")]
    [InlineData("Create", "us-east-1")]
    [InlineData("Create", null)]
    public void RegionRefusal_WhenNoVpcOrAKnownOrUnresolvedRegion_ShouldAllowIt(string mode, string? region)
    {
        Assert.Null(NetworkIsolation.RegionRefusal(Enum.Parse<VpcMode>(mode), region));
    }

    private static IEnumerable<string> FunctionRoles(StackFixture fixture) =>
        fixture.OfType("AWS::Lambda::Function").Select(f => f.Resource["Properties"]?["Role"]?["Fn::GetAtt"]?[0]?.GetValue<string>() ?? string.Empty);

    private static IEnumerable<string> SuppressedRules(JsonObject resource) =>
        PolicyStatements.Items(resource["Metadata"]?[NagSuppressions.MetadataKey]?[NagSuppressions.RulesKey])
            .Select(r => r?["id"]?.GetValue<string>() ?? string.Empty);

    /// <summary>Stand-alone rules of a group as "tcp 443-443 to|from {peer json}".</summary>
    private static IEnumerable<string> Rules(StackFixture fixture, string type, string groupLogicalId) =>
        fixture.OfType(type)
            .Select(r => r.Resource["Properties"]?.AsObject() ?? [])
            .Where(p => p["GroupId"]?["Fn::GetAtt"]?[0]?.GetValue<string>() == groupLogicalId)
            .Select(Describe);

    private static IEnumerable<string> Inline(StackFixture fixture, string groupLogicalId, string property) =>
        (fixture.Resources[groupLogicalId]?["Properties"]?[property]?.AsArray() ?? [])
            .OfType<JsonObject>()
            .Where(r => r["Description"]?.GetValue<string>() != "Disallow all traffic")
            .Select(Describe);

    private static string Describe(JsonObject rule)
    {
        var destination = rule["DestinationPrefixListId"] ?? rule["DestinationSecurityGroupId"];
        var source = rule["SourceSecurityGroupId"] ?? rule["SourcePrefixListId"];
        var peer = destination ?? source ?? rule["CidrIp"];
        var direction = destination is not null ? "to" : source is not null ? "from" : "cidr";
        return $"{rule["IpProtocol"]} {rule["FromPort"]}-{rule["ToPort"]} {direction} {peer?.ToJsonString()}";
    }
}

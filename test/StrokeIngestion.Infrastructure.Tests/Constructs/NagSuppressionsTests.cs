using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.Assertions;
using Constructs;
using StrokeIngestion.Infrastructure.Constructs;

namespace StrokeIngestion.Infrastructure.Tests.Constructs;

public sealed class NagSuppressionsTests
{
    private const string Reason = "A reason long enough to tell a reviewer what is accepted and why.";

    public NagSuppressionsTests()
    {
        // The Node process jsii starts inherits this; without it Node 20 prints an end-of-life banner.
        System.Environment.SetEnvironmentVariable("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20");
    }

    [Fact]
    public void SuppressNag_WhenCalledTwice_ShouldWriteBothRulesIntoTheResourceMetadata()
    {
        var stack = new Stack();
        var bucket = new Bucket(stack, "Bucket");

        bucket.SuppressNag("AwsSolutions-S1", Reason);
        bucket.SuppressNag("AwsSolutions-IAM5", Reason, "Resource::*", "Action::s3:Get*");

        var metadata = Metadata(stack, "AWS::S3::Bucket");
        Assert.Equal(
            """{"rules_to_suppress":[{"id":"AwsSolutions-S1","reason":"A reason long enough to tell a reviewer what is accepted and why."},"""
            + """{"id":"AwsSolutions-IAM5","reason":"A reason long enough to tell a reviewer what is accepted and why.","applies_to":["Resource::*","Action::s3:Get*"]}]}""",
            metadata?["cdk_nag"]?.ToJsonString());
    }

    [Theory]
    [InlineData("AwsSolutions-S1", "Too short to say why.")]
    [InlineData("AwsSolutions-S1", "A reason that is long enough but written with an en dash – here.")]
    [InlineData("AwsSolutions-IAM5[Resource::*]", Reason)]
    [InlineData(" ", Reason)]
    public void SuppressNag_WhenRuleOrReasonIsUnfit_ShouldThrow(string ruleId, string reason)
    {
        var bucket = new Bucket(new Stack(), "Bucket");

        Assert.ThrowsAny<ArgumentException>(() => bucket.SuppressNag(ruleId, reason));
    }

    [Fact]
    public void SuppressNag_OnAConstructWithoutACloudFormationResource_ShouldThrow()
    {
        var plain = new Construct(new Stack(), "Plain");

        var error = Assert.Throws<ArgumentException>(() => plain.SuppressNag("AwsSolutions-S1", Reason));

        Assert.Contains("Plain", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NagFinding_Resource_ShouldSpellReferencesTheWayCdkNagReportsThem()
    {
        var stack = new Stack();
        var bucket = new Bucket(stack, "Bucket");
        bucket.DefaultChildAs<CfnBucket>().OverrideLogicalId("Uploads");

        var objects = NagFinding.Resource(stack, bucket.ArnForObjects("imports/*"));
        var anyLogGroup = NagFinding.Resource(stack, stack.FormatArn(new ArnComponents
        {
            Service = "logs",
            Resource = "log-group",
            ResourceName = "*",
            ArnFormat = ArnFormat.COLON_RESOURCE_NAME,
        }));

        Assert.Equal("Resource::<Uploads.Arn>/imports/*", objects);
        Assert.Equal("Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:*", anyLogGroup);
        Assert.Equal("Action::s3:Get*", NagFinding.Action("s3:Get*"));
    }

    [Fact]
    public void DefaultPolicyOf_WhenTheRoleHasNoStatementsYet_ShouldThrow()
    {
        var role = new Role(new Stack(), "Role", new RoleProps { AssumedBy = new ServicePrincipal("lambda.amazonaws.com") });

        Assert.Throws<InvalidOperationException>(() => NagSuppressions.DefaultPolicyOf(role));
    }

    [Fact]
    public void DefaultPolicyOf_WhenTheRoleHasStatements_ShouldBeThePolicyTheStatementsAreIn()
    {
        var stack = new Stack();
        var role = new Role(stack, "Role", new RoleProps { AssumedBy = new ServicePrincipal("lambda.amazonaws.com") });
        role.AddToPolicy(new PolicyStatement(new PolicyStatementProps { Actions = ["sqs:SendMessage"], Resources = ["*"] }));

        NagSuppressions.DefaultPolicyOf(role).SuppressNag("AwsSolutions-IAM5", Reason, NagFinding.AnyResource);

        Assert.NotNull(Metadata(stack, "AWS::IAM::Policy")?["cdk_nag"]);
        Assert.Null(Metadata(stack, "AWS::IAM::Role")?["cdk_nag"]);
    }

    private static JsonObject? Metadata(Stack stack, string type)
    {
        var template = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(Template.FromStack(stack).ToJSON()))?.AsObject();
        return template?["Resources"]?.AsObject()
            .Single(r => r.Value?["Type"]?.GetValue<string>() == type)
            .Value?["Metadata"]?.AsObject();
    }
}

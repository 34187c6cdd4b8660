using System.Text.Json.Nodes;
using StrokeIngestion.Sandbox.Iam;

namespace StrokeIngestion.EndToEnd.Tests.Iam;

public sealed class PolicyEvaluatorTests
{
    private const string Bucket = "arn:aws:s3:::stroke-uploads";

    [Theory]
    [InlineData("s3:GetObject", "arn:aws:s3:::stroke-uploads/uploads/a.dcm", AccessDecision.Allowed)]
    [InlineData("S3:getobject", "arn:aws:s3:::stroke-uploads/uploads/dir/a.dcm", AccessDecision.Allowed)]
    [InlineData("s3:GetObject", "arn:aws:s3:::stroke-uploads/imports/a.dcm", AccessDecision.ImplicitDeny)]
    [InlineData("s3:GetObject", "arn:aws:s3:::stroke-uploads/Uploads/a.dcm", AccessDecision.ImplicitDeny)]
    [InlineData("s3:PutObject", "arn:aws:s3:::stroke-uploads/uploads/a.dcm", AccessDecision.ImplicitDeny)]
    internal void Evaluate_WhenActionAndResourceAreMatched_ShouldAllowOnlyWhatIsListed(string action, string resource, AccessDecision expected)
    {
        var statements = Parse("""{ "Effect": "Allow", "Action": ["s3:GetObject", "s3:GetObjectVersion"], "Resource": "arn:aws:s3:::stroke-uploads/uploads/*" }""");

        Assert.Equal(expected, PolicyEvaluator.Evaluate(statements, new AccessRequest(action, resource)));
    }

    [Theory]
    [InlineData("uploads/", AccessDecision.Allowed)]
    [InlineData("uploads/study-7/", AccessDecision.Allowed)]
    [InlineData("", AccessDecision.ImplicitDeny)]
    [InlineData("imports/", AccessDecision.ImplicitDeny)]
    [InlineData(null, AccessDecision.ImplicitDeny)]
    internal void Evaluate_WhenListBucketIsConditionedOnAPrefix_ShouldAllowListingsUnderItAndNothingWithoutAPrefix(string? prefix, AccessDecision expected)
    {
        var statements = Parse("""{ "Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::stroke-uploads", "Condition": { "StringLike": { "s3:prefix": "uploads/*" } } }""");
        var context = prefix is null ? AccessRequest.NoContext : new Dictionary<string, string> { ["s3:prefix"] = prefix };

        Assert.Equal(expected, PolicyEvaluator.Evaluate(statements, new AccessRequest("s3:ListBucket", Bucket, context)));
    }

    [Theory]
    [InlineData("medical-imaging.amazonaws.com", AccessDecision.Allowed)]
    [InlineData("lambda.amazonaws.com", AccessDecision.ImplicitDeny)]
    [InlineData(null, AccessDecision.ImplicitDeny)]
    internal void Evaluate_WhenPassRoleIsConditionedOnTheService_ShouldAllowPassingToThatServiceOnly(string? service, AccessDecision expected)
    {
        var statements = Parse("""{ "Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::000000000000:role/import", "Condition": { "StringEquals": { "iam:PassedToService": "medical-imaging.amazonaws.com" } } }""");
        var context = service is null ? AccessRequest.NoContext : new Dictionary<string, string> { ["iam:PassedToService"] = service };

        Assert.Equal(expected, PolicyEvaluator.Evaluate(statements, new AccessRequest("iam:PassRole", "arn:aws:iam::000000000000:role/import", context)));
    }

    [Fact]
    public void Evaluate_WhenAStatementDenies_ShouldDenyWhateverElseAllows()
    {
        var statements = Parse(
            """{ "Effect": "Allow", "Action": "s3:*", "Resource": "*" }""",
            """{ "Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::stroke-uploads/uploads/*" }""");

        Assert.Equal(AccessDecision.ExplicitDeny, PolicyEvaluator.Evaluate(statements, new AccessRequest("s3:GetObject", Bucket + "/uploads/a.dcm")));
        Assert.Equal(AccessDecision.Allowed, PolicyEvaluator.Evaluate(statements, new AccessRequest("s3:GetObject", Bucket + "/imports/a.dcm")));
    }

    [Theory]
    [InlineData("ArnLike", "arn:aws:medical-imaging:us-east-1:000000000000:datastore/*", true)]
    [InlineData("ArnEquals", "arn:aws:medical-imaging:us-east-1:000000000000:datastore/other", false)]
    [InlineData("StringNotEquals", "arn:aws:medical-imaging:us-east-1:000000000000:datastore/other", true)]
    [InlineData("StringLikeIfExists", "arn:aws:medical-imaging:us-east-1:111111111111:*", false)]
    public void Evaluate_WhenConditionOperatorsCompareTheSourceArn_ShouldFollowIam(string op, string value, bool allowed)
    {
        var statements = Parse($$"""{ "Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*", "Condition": { "{{op}}": { "aws:SourceArn": "{{value}}" } } }""");
        var context = new Dictionary<string, string> { ["aws:SourceArn"] = "arn:aws:medical-imaging:us-east-1:000000000000:datastore/abc" };

        var decision = PolicyEvaluator.Evaluate(statements, new AccessRequest("sts:AssumeRole", "arn:aws:iam::000000000000:role/import", context));

        Assert.Equal(allowed ? AccessDecision.Allowed : AccessDecision.ImplicitDeny, decision);
    }

    [Fact]
    public void Evaluate_WhenTheConditionKeyIsAbsent_ShouldFailPositiveAndPassNegatedAndIfExistsOperators()
    {
        AccessDecision With(string op) => PolicyEvaluator.Evaluate(
            Parse($$"""{ "Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*", "Condition": { "{{op}}": { "s3:prefix": "uploads/*" } } }"""),
            new AccessRequest("s3:ListBucket", Bucket));

        Assert.Equal(AccessDecision.ImplicitDeny, With("StringLike"));
        Assert.Equal(AccessDecision.Allowed, With("StringNotLike"));
        Assert.Equal(AccessDecision.Allowed, With("StringLikeIfExists"));
    }

    [Fact]
    public void Evaluate_WhenNotActionIsUsed_ShouldApplyToEveryOtherAction()
    {
        var statements = Parse("""{ "Effect": "Allow", "NotAction": "s3:Delete*", "Resource": "*" }""");

        Assert.Equal(AccessDecision.Allowed, PolicyEvaluator.Evaluate(statements, new AccessRequest("s3:GetObject", Bucket)));
        Assert.Equal(AccessDecision.ImplicitDeny, PolicyEvaluator.Evaluate(statements, new AccessRequest("s3:DeleteObject", Bucket)));
    }

    [Fact]
    public void Evaluate_WhenAnOperatorIsUnknown_ShouldRefuseToGuess()
    {
        var statements = Parse("""{ "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": { "DateGreaterThan": { "aws:CurrentTime": "2026-01-01T00:00:00Z" } } }""");
        var request = new AccessRequest("s3:GetObject", Bucket, new Dictionary<string, string> { ["aws:CurrentTime"] = "2026-12-04T00:00:00Z" });

        Assert.Throws<NotSupportedException>(() => PolicyEvaluator.Evaluate(statements, request));
    }

    private static IReadOnlyList<PolicyStatement> Parse(params string[] statements) =>
        PolicyStatement.ParseDocument(
            new JsonObject { ["Statement"] = new JsonArray(statements.Select(s => JsonNode.Parse(s)).ToArray()) },
            "test policy");
}

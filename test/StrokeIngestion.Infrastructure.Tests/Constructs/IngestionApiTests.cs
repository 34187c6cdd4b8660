using System.Text.Json.Nodes;
using Amazon.CDK.Assertions;
using StrokeIngestion.Infrastructure.Tests.Support;
using static StrokeIngestion.Infrastructure.Tests.Support.J;

namespace StrokeIngestion.Infrastructure.Tests.Constructs;

[Collection(SynthesizedStacks.Name)]
public sealed class IngestionApiTests(DefaultStackFixture stack, CustomizedStackFixture customized)
{
    [Fact]
    public void Api_ShouldExposeOnlyPostUploadAndGetStudyBehindIamAuthorizationOnOneIntegration()
    {
        var routes = stack.OfType("AWS::ApiGatewayV2::Route").Select(r => r.Resource["Properties"]).ToList();

        Assert.Equal(["GET /studies/{study_id}", "POST /upload"], routes.Select(r => r?["RouteKey"]?.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.All(routes, route => Assert.Equal("AWS_IAM", route?["AuthorizationType"]?.GetValue<string>()));
        Assert.Single(routes.Select(r => r?["Target"]?.ToJsonString()).Distinct());
        stack.Template.ResourceCountIs("AWS::ApiGatewayV2::Authorizer", 0);
        stack.Template.ResourceCountIs("AWS::ApiGatewayV2::Integration", 1);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Routes_ShouldAllRequireAuthorization(bool customizedStack)
    {
        var fixture = customizedStack ? (StackFixture)customized : stack;
        var authorizers = fixture.OfType("AWS::ApiGatewayV2::Authorizer").Select(a => a.LogicalId).ToHashSet();

        var routes = fixture.OfType("AWS::ApiGatewayV2::Route").Select(r => r.Resource["Properties"]).ToList();

        Assert.NotEmpty(routes);
        Assert.All(routes, route =>
        {
            var type = route?["AuthorizationType"]?.GetValue<string>();
            Assert.True(type is "AWS_IAM" or "JWT", $"{route?["RouteKey"]} is authorized by '{type ?? "NONE"}'");
            if (type == "JWT")
            {
                Assert.Contains(route?["AuthorizerId"]?["Ref"]?.GetValue<string>() ?? string.Empty, authorizers);
            }
        });
        // A $default route would catch every path and method the routes above do not name.
        Assert.DoesNotContain(routes, r => r?["RouteKey"]?.GetValue<string>() == "$default");
    }

    [Fact]
    public void Api_WhenJwtIsConfigured_ShouldAuthorizeEveryRouteWithTheJwtAuthorizer()
    {
        var (authorizerId, _) = customized.Single("AWS::ApiGatewayV2::Authorizer");

        customized.Template.HasResourceProperties("AWS::ApiGatewayV2::Authorizer", Obj(
            ("AuthorizerType", "JWT"),
            ("IdentitySource", Arr("$request.header.Authorization")),
            ("JwtConfiguration", Obj(
                ("Issuer", CustomizedStackFixture.JwtIssuer),
                ("Audience", Arr("upload-api", "upload-cli"))))));
        Assert.All(customized.OfType("AWS::ApiGatewayV2::Route"), route =>
        {
            Assert.Equal("JWT", route.Resource["Properties"]?["AuthorizationType"]?.GetValue<string>());
            Assert.Equal(authorizerId, route.Resource["Properties"]?["AuthorizerId"]?["Ref"]?.GetValue<string>());
        });
    }

    [Fact]
    public void Api_ShouldInvokeTheUploadHandlerWithPayloadFormat2()
    {
        var functionId = stack.LogicalId(stack.Stack.UploadHandler.Function);

        stack.Template.HasResourceProperties("AWS::ApiGatewayV2::Integration", Obj(
            ("IntegrationType", "AWS_PROXY"),
            ("PayloadFormatVersion", "2.0"),
            ("IntegrationUri", GetAtt(functionId, "Arn"))));
        stack.Template.HasResourceProperties("AWS::Lambda::Permission", Obj(
            ("Action", "lambda:InvokeFunction"),
            ("Principal", "apigateway.amazonaws.com"),
            ("FunctionName", GetAtt(functionId, "Arn"))));
    }

    [Fact]
    public void Api_ShouldAllowBrowserPreflightForSignedPosts()
    {
        stack.Template.HasResourceProperties("AWS::ApiGatewayV2::Api", Obj(
            ("Name", "stroke-detection-ai-upload-api"),
            ("ProtocolType", "HTTP"),
            ("CorsConfiguration", Obj(
                ("AllowOrigins", Arr("*")),
                ("AllowMethods", Arr("POST", "GET", "OPTIONS")),
                ("AllowHeaders", Arr(
                    "authorization",
                    "content-type",
                    "x-amz-date",
                    "x-amz-security-token",
                    "x-amz-content-sha256",
                    "idempotency-key")),
                ("MaxAge", 3600)))));
    }

    [Fact]
    public void Api_WhenOriginsAreConfigured_ShouldAllowOnlyThoseOrigins()
    {
        customized.Template.HasResourceProperties("AWS::ApiGatewayV2::Api", Obj(
            ("CorsConfiguration", Match.ObjectLike(Obj(
                ("AllowOrigins", Arr("https://viewer.example.org", "https://portal.example.org")))))));
    }

    [Fact]
    public void Stage_ShouldBeTheOnlyStageNamedProdWithAutoDeployAndThrottling()
    {
        var (_, stage) = stack.Single("AWS::ApiGatewayV2::Stage");

        var properties = stage["Properties"];
        Assert.Equal("prod", properties?["StageName"]?.GetValue<string>());
        Assert.True(properties?["AutoDeploy"]?.GetValue<bool>());
        Assert.Equal(50, properties?["DefaultRouteSettings"]?["ThrottlingBurstLimit"]?.GetValue<int>());
        Assert.Equal(20, properties?["DefaultRouteSettings"]?["ThrottlingRateLimit"]?.GetValue<int>());
    }

    [Fact]
    public void Stage_ShouldWriteJsonAccessLogsWithRequestMetadataOnly()
    {
        var (_, stage) = stack.Single("AWS::ApiGatewayV2::Stage");
        var settings = stage["Properties"]?["AccessLogSettings"];
        var logGroupId = settings?["DestinationArn"]?["Fn::GetAtt"]?[0]?.GetValue<string>() ?? string.Empty;

        var format = JsonNode.Parse(settings?["Format"]?.GetValue<string>() ?? "null")?.AsObject();

        Assert.NotNull(format);
        Assert.Equal("$context.requestId", format["requestId"]?.GetValue<string>());
        Assert.Equal("$context.routeKey", format["routeKey"]?.GetValue<string>());
        Assert.Equal("$context.status", format["status"]?.GetValue<string>());
        Assert.Equal("$context.integrationErrorMessage", format["integrationError"]?.GetValue<string>());
        Assert.Equal("$context.identity.userArn", format["principal"]?.GetValue<string>());
        Assert.All(format, field => Assert.DoesNotMatch("requestBody|header|querystring|path", field.Value?.GetValue<string>() ?? string.Empty));
        Assert.Equal(
            "/aws/apigateway/stroke-detection-ai-upload-api/access",
            stack.Resources[logGroupId]?["Properties"]?["LogGroupName"]?.GetValue<string>());
    }

    [Fact]
    public void Stage_WhenJwtIsConfigured_ShouldLogTheTokenSubjectAsPrincipal()
    {
        var (_, stage) = customized.Single("AWS::ApiGatewayV2::Stage");

        var format = JsonNode.Parse(stage["Properties"]?["AccessLogSettings"]?["Format"]?.GetValue<string>() ?? "null");

        Assert.Equal("$context.authorizer.claims.sub", format?["principal"]?.GetValue<string>());
    }
}

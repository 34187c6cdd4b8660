using System.Text.Json;
using Amazon.CDK;
using Amazon.CDK.AWS.Apigatewayv2;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AwsApigatewayv2Authorizers;
using Amazon.CDK.AwsApigatewayv2Integrations;
using Constructs;

namespace StrokeIngestion.Infrastructure.Constructs;

internal sealed record IngestionApiProps(
    string ProjectName,
    IFunction UploadFunction,
    IReadOnlyList<string> CorsAllowedOrigins,
    JwtSettings? Jwt,
    EncryptedLogs Logs);

/// <summary>
/// The HTTP API in front of the upload handler: <c>POST /upload</c> on stage <c>prod</c>,
/// SigV4 (AWS_IAM) authorization unless a JWT issuer is configured, CORS for browser clients,
/// stage throttling and JSON access logs without PHI.
/// </summary>
internal sealed class IngestionApi : Construct
{
    public const string StageName = "prod";
    public const string UploadPath = "/upload";

    /// <summary>A study's public view for the caller who submitted it; same authorizer as POST.</summary>
    public const string StudyStatusPath = "/studies/{study_id}";

    // A ceiling against runaway clients, not a capacity match: clinical traffic is a few studies
    // a minute per site, and HealthImaging's StartDICOMImportJob throttles near 1 TPS anyway
    // (the handler reports that as a retryable error).
    public const int ThrottleBurstLimit = 50;
    public const int ThrottleRateLimit = 20;

    public static readonly IReadOnlyList<string> CorsAllowedHeaders =
    [
        "authorization",
        "content-type",
        "x-amz-date",
        "x-amz-security-token",
        "x-amz-content-sha256",
        "idempotency-key",
    ];

    public IngestionApi(Construct scope, string id, IngestionApiProps props)
        : base(scope, id)
    {
        ArgumentNullException.ThrowIfNull(props);

        IHttpRouteAuthorizer authorizer = props.Jwt is null
            ? new HttpIamAuthorizer()
            : new HttpJwtAuthorizer("UploadJwtAuthorizer", props.Jwt.Issuer, new HttpJwtAuthorizerProps
            {
                AuthorizerName = $"{props.ProjectName}-jwt",
                JwtAudience = [.. props.Jwt.Audiences],
            });

        Api = new HttpApi(this, "HttpApi", new HttpApiProps
        {
            ApiName = $"{props.ProjectName}-upload-api",
            Description = "Accepts DICOM study uploads for import into HealthImaging",
            // The default "$default" stage would publish the API a second time, unthrottled.
            CreateDefaultStage = false,
            // Applies to every route added later too, so no route can be left open by mistake.
            DefaultAuthorizer = authorizer,
            CorsPreflight = new CorsPreflightOptions
            {
                AllowOrigins = [.. props.CorsAllowedOrigins],
                AllowMethods = [CorsHttpMethod.POST, CorsHttpMethod.GET, CorsHttpMethod.OPTIONS],
                AllowHeaders = [.. CorsAllowedHeaders],
                MaxAge = Duration.Hours(1),
            },
        });

        var integration = new HttpLambdaIntegration("UploadIntegration", props.UploadFunction, new HttpLambdaIntegrationProps
        {
            PayloadFormatVersion = PayloadFormatVersion.VERSION_2_0,
        });
        Api.AddRoutes(new AddRoutesOptions
        {
            Path = UploadPath,
            Methods = [Amazon.CDK.AWS.Apigatewayv2.HttpMethod.POST],
            Integration = integration,
        });

        // The same function answers from the study table it already reads.
        Api.AddRoutes(new AddRoutesOptions
        {
            Path = StudyStatusPath,
            Methods = [Amazon.CDK.AWS.Apigatewayv2.HttpMethod.GET],
            Integration = integration,
        });

        props.UploadFunction.SuppressNag(
            "HIPAA.Security-LambdaDLQ",
            "Invoked only synchronously, by this API's Lambda proxy integration: a failure reaches the "
            + "caller as an error response to retry, and there is no asynchronous event to dead-letter.");

        AccessLogs = props.Logs.NewLogGroup(this, "AccessLogs", $"/aws/apigateway/{props.ProjectName}-upload-api/access");

        Stage = new HttpStage(this, "ProdStage", new HttpStageProps
        {
            HttpApi = Api,
            StageName = StageName,
            AutoDeploy = true,
            Throttle = new ThrottleSettings { BurstLimit = ThrottleBurstLimit, RateLimit = ThrottleRateLimit },
        });
        // HttpStage has no typed access-log property in CDK 2.160.
        Stage.DefaultChildAs<CfnStage>().AccessLogSettings = new CfnStage.AccessLogSettingsProperty
        {
            DestinationArn = AccessLogs.LogGroupArn,
            Format = AccessLogFormat(props.Jwt is not null),
        };

        UploadUrl = $"{Api.ApiEndpoint}/{StageName}{UploadPath}";
        UploadRouteArn = Api.ArnForExecuteApi("POST", UploadPath, StageName);
    }

    public HttpApi Api { get; }

    public HttpStage Stage { get; }

    public LogGroup AccessLogs { get; }

    /// <summary>Full URL of <c>POST /upload</c>.</summary>
    public string UploadUrl { get; }

    /// <summary>The resource callers need <c>execute-api:Invoke</c> on.</summary>
    public string UploadRouteArn { get; }

    /// <summary>
    /// One JSON object per request. Only request metadata: no headers, query string or body,
    /// which is where anything patient-related would travel.
    /// </summary>
    public static string AccessLogFormat(bool jwt)
    {
        var fields = new Dictionary<string, string>
        {
            ["requestId"] = "$context.requestId",
            ["requestTime"] = "$context.requestTimeEpoch",
            ["ip"] = "$context.identity.sourceIp",
            ["routeKey"] = "$context.routeKey",
            ["status"] = "$context.status",
            ["protocol"] = "$context.protocol",
            ["responseLength"] = "$context.responseLength",
            ["responseLatency"] = "$context.responseLatency",
            ["integrationLatency"] = "$context.integrationLatency",
            ["integrationStatus"] = "$context.integrationStatus",
            ["integrationError"] = "$context.integrationErrorMessage",
            ["authorizerError"] = "$context.authorizer.error",
            ["principal"] = jwt ? "$context.authorizer.claims.sub" : "$context.identity.userArn",
        };
        return JsonSerializer.Serialize(fields);
    }
}

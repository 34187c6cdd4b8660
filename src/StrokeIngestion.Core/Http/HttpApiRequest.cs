using System.Text.Json.Serialization;

namespace StrokeIngestion.Core.Http;

/// <summary>API Gateway HTTP API request, payload format 2.0 (only the members the handler reads).</summary>
public sealed record HttpApiRequest
{
    [JsonPropertyName("version")]
    public string? Version { get; init; }

    [JsonPropertyName("routeKey")]
    public string? RouteKey { get; init; }

    [JsonPropertyName("rawPath")]
    public string? RawPath { get; init; }

    /// <summary>Header names are lower case; repeated headers arrive comma-joined.</summary>
    [JsonPropertyName("headers")]
    public Dictionary<string, string>? Headers { get; init; }

    /// <summary>Values of the route's path variables, e.g. <c>study_id</c> for <c>GET /studies/{study_id}</c>.</summary>
    [JsonPropertyName("pathParameters")]
    public Dictionary<string, string>? PathParameters { get; init; }

    [JsonPropertyName("body")]
    public string? Body { get; init; }

    [JsonPropertyName("isBase64Encoded")]
    public bool IsBase64Encoded { get; init; }

    [JsonPropertyName("requestContext")]
    public HttpApiRequestContext? RequestContext { get; init; }

    public string? Header(string lowerCaseName) =>
        Headers is not null && Headers.TryGetValue(lowerCaseName, out var value) ? value : null;
}

public sealed record HttpApiRequestContext
{
    [JsonPropertyName("requestId")]
    public string? RequestId { get; init; }

    [JsonPropertyName("routeKey")]
    public string? RouteKey { get; init; }

    [JsonPropertyName("stage")]
    public string? Stage { get; init; }

    [JsonPropertyName("http")]
    public HttpApiHttpContext? Http { get; init; }

    [JsonPropertyName("authorizer")]
    public HttpApiAuthorizer? Authorizer { get; init; }
}

public sealed record HttpApiHttpContext
{
    [JsonPropertyName("method")]
    public string? Method { get; init; }

    [JsonPropertyName("path")]
    public string? Path { get; init; }

    [JsonPropertyName("sourceIp")]
    public string? SourceIp { get; init; }
}

public sealed record HttpApiAuthorizer
{
    [JsonPropertyName("iam")]
    public HttpApiIamIdentity? Iam { get; init; }

    [JsonPropertyName("jwt")]
    public HttpApiJwtIdentity? Jwt { get; init; }

    /// <summary>The caller as the authorizer established it: the IAM user/role ARN, or the JWT subject.</summary>
    public string? CallerIdentity =>
        Iam?.UserArn ?? (Jwt?.Claims is { } claims && claims.TryGetValue("sub", out var sub) ? "jwt:" + sub : null);
}

public sealed record HttpApiIamIdentity
{
    [JsonPropertyName("accessKey")]
    public string? AccessKey { get; init; }

    [JsonPropertyName("accountId")]
    public string? AccountId { get; init; }

    [JsonPropertyName("callerId")]
    public string? CallerId { get; init; }

    [JsonPropertyName("userArn")]
    public string? UserArn { get; init; }

    [JsonPropertyName("userId")]
    public string? UserId { get; init; }
}

public sealed record HttpApiJwtIdentity
{
    [JsonPropertyName("claims")]
    public Dictionary<string, string>? Claims { get; init; }

    [JsonPropertyName("scopes")]
    public List<string>? Scopes { get; init; }
}

using System.Text;
using StrokeIngestion.Core.Http;

namespace StrokeIngestion.Core.Tests.Upload;

/// <summary>Builds POST /upload (and GET /studies/{study_id}) events as API Gateway sends them (payload 2.0).</summary>
internal sealed class HttpApiRequestBuilder
{
    private readonly Dictionary<string, string> _headers = new(StringComparer.Ordinal) { ["content-type"] = "application/json" };
    private string? _body = """{"patient_id":"P123456","study_description":"Brain CT - Suspected Stroke","file_key":"uploads/brain_scan.dcm"}""";
    private bool _base64;
    private byte[]? _bytes;
    private string? _caller = "arn:aws:iam::111122223333:user/clinician-tool";
    private string? _statusStudyId;

    private string RouteKey => _statusStudyId is null ? "POST /upload" : "GET /studies/{study_id}";

    private string Path => _statusStudyId is null ? "/prod/upload" : "/prod/studies/" + _statusStudyId;

    public HttpApiRequestBuilder WithBody(string? body)
    {
        _body = body;
        return this;
    }

    public HttpApiRequestBuilder WithFields(string? patientId = "P123456", string? description = "Brain CT - Suspected Stroke", string? fileKey = "uploads/brain_scan.dcm", bool? acceptMismatch = null)
    {
        var parts = new List<string>();
        if (patientId is not null)
        {
            parts.Add($"\"patient_id\":{System.Text.Json.JsonSerializer.Serialize(patientId)}");
        }

        if (description is not null)
        {
            parts.Add($"\"study_description\":{System.Text.Json.JsonSerializer.Serialize(description)}");
        }

        if (fileKey is not null)
        {
            parts.Add($"\"file_key\":{System.Text.Json.JsonSerializer.Serialize(fileKey)}");
        }

        if (acceptMismatch is not null)
        {
            parts.Add($"\"accept_patient_id_mismatch\":{(acceptMismatch.Value ? "true" : "false")}");
        }

        _body = "{" + string.Join(',', parts) + "}";
        return this;
    }

    public HttpApiRequestBuilder WithHeader(string name, string? value)
    {
        if (value is null)
        {
            _headers.Remove(name);
        }
        else
        {
            _headers[name] = value;
        }

        return this;
    }

    /// <summary>Raw bytes, sent base64-encoded as API Gateway does for a body that is not UTF-8 text.</summary>
    public HttpApiRequestBuilder WithBytes(byte[] body)
    {
        _bytes = body;
        _base64 = true;
        return this;
    }

    public HttpApiRequestBuilder Base64Encoded()
    {
        _base64 = true;
        return this;
    }

    public HttpApiRequestBuilder WithCaller(string? userArn)
    {
        _caller = userArn;
        return this;
    }

    /// <summary>Makes the event a <c>GET /studies/{study_id}</c> for <paramref name="studyId"/> (no body).</summary>
    public HttpApiRequestBuilder ForStudyStatus(string studyId)
    {
        _statusStudyId = studyId;
        _body = null;
        return this;
    }

    public HttpApiRequest Build() => new()
    {
        Version = "2.0",
        RouteKey = RouteKey,
        RawPath = Path,
        PathParameters = _statusStudyId is null ? null : new Dictionary<string, string>(StringComparer.Ordinal) { ["study_id"] = _statusStudyId },
        Headers = new Dictionary<string, string>(_headers),
        Body = _bytes is not null ? Convert.ToBase64String(_bytes)
            : _base64 && _body is not null ? Convert.ToBase64String(Encoding.UTF8.GetBytes(_body))
            : _body,
        IsBase64Encoded = _base64,
        RequestContext = new HttpApiRequestContext
        {
            RequestId = "req-" + Guid.NewGuid().ToString("N")[..8],
            RouteKey = RouteKey,
            Stage = "prod",
            Http = new HttpApiHttpContext { Method = _statusStudyId is null ? "POST" : "GET", Path = Path, SourceIp = "203.0.113.7" },
            Authorizer = _caller is null ? null : new HttpApiAuthorizer { Iam = new HttpApiIamIdentity { UserArn = _caller, AccountId = "111122223333" } },
        },
    };
}

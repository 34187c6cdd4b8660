using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace StrokeIngestion.Core.Tests.Aws.Signing;

/// <summary>The parts of a SigV4 <c>Authorization</c> header.</summary>
internal sealed record SigV4Authorization(string AccessKey, string Date, string Region, string Service, IReadOnlyList<string> SignedHeaders, string Signature);

/// <summary>
/// SigV4 written out from the specification, independently of the code under test: canonical
/// request → string to sign → HMAC key chain. Tests recompute a received request's signature
/// with it, so a signature is proven right, not merely present.
/// </summary>
internal static partial class SigV4Reference
{
    public static SigV4Authorization ParseAuthorization(string? header)
    {
        var match = AuthorizationPattern().Match(header ?? string.Empty);
        Assert.True(match.Success, $"Not a SigV4 Authorization header: {header}");
        return new SigV4Authorization(
            match.Groups["key"].Value,
            match.Groups["date"].Value,
            match.Groups["region"].Value,
            match.Groups["service"].Value,
            match.Groups["headers"].Value.Split(';'),
            match.Groups["signature"].Value);
    }

    /// <summary>
    /// The signature of a request as it went over the wire (<paramref name="rawPath"/> already
    /// percent-encoded), for a service other than S3, signing <paramref name="signedHeaders"/>.
    /// </summary>
    public static string Sign(
        string secretKey,
        string region,
        string service,
        string method,
        string rawPath,
        IReadOnlyDictionary<string, string> headers,
        IEnumerable<string> signedHeaders,
        byte[] body)
    {
        Assert.DoesNotContain('?', rawPath);
        var names = signedHeaders.Select(n => n.ToLowerInvariant()).Order(StringComparer.Ordinal).ToList();
        var canonicalHeaders = new StringBuilder();
        foreach (var name in names)
        {
            Assert.True(headers.TryGetValue(name, out var value), $"Signed header {name} was not sent.");
            canonicalHeaders.Append(name).Append(':').Append(WhitespaceRun().Replace(value.Trim(), " ")).Append('\n');
        }

        var amzDate = headers["x-amz-date"];
        var date = amzDate[..8];
        var canonicalRequest = string.Join(
            '\n',
            method,
            CanonicalUri(rawPath),
            string.Empty,
            canonicalHeaders.ToString(),
            string.Join(';', names),
            Hex(SHA256.HashData(body)));
        var scope = $"{date}/{region}/{service}/aws4_request";
        var stringToSign = string.Join('\n', "AWS4-HMAC-SHA256", amzDate, scope, Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest))));

        var key = Encoding.UTF8.GetBytes("AWS4" + secretKey);
        foreach (var part in new[] { date, region, service, "aws4_request" })
        {
            key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(part));
        }

        return Hex(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(stringToSign)));
    }

    /// <summary>
    /// Recomputes the signature of a received request from its Authorization header's scope
    /// and signed-header list and asserts it equals the one sent.
    /// </summary>
    public static SigV4Authorization AssertValidSignature(RecordedRequest request, string secretKey)
    {
        var authorization = ParseAuthorization(request.Header("Authorization"));
        var expected = Sign(
            secretKey,
            authorization.Region,
            authorization.Service,
            request.Method,
            request.RawPath,
            request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value),
            authorization.SignedHeaders,
            request.Body);
        Assert.Equal(expected, authorization.Signature);
        return authorization;
    }

    public static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);

    // Services other than S3 sign each path segment URI-encoded once more than on the wire.
    private static string CanonicalUri(string rawPath)
    {
        if (rawPath.Length == 0)
        {
            return "/";
        }

        return string.Join('/', rawPath.Split('/').Select(UriEncode));
    }

    private static string UriEncode(string text)
    {
        var encoded = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~')
            {
                encoded.Append(c);
            }
            else
            {
                encoded.Append('%').Append(b.ToString("X2"));
            }
        }

        return encoded.ToString();
    }

    [GeneratedRegex(@"\AAWS4-HMAC-SHA256 Credential=(?<key>[^/]+)/(?<date>[0-9]{8})/(?<region>[^/]+)/(?<service>[^/]+)/aws4_request, SignedHeaders=(?<headers>[a-z0-9;-]+), Signature=(?<signature>[0-9a-f]{64})\z")]
    private static partial Regex AuthorizationPattern();

    [GeneratedRegex(" +")]
    private static partial Regex WhitespaceRun();
}

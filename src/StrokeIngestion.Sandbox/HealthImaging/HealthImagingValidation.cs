using System.Text.RegularExpressions;

namespace StrokeIngestion.Sandbox.HealthImaging;

/// <summary>
/// The input constraints of the import API (botocore <c>medical-imaging/2023-07-19</c>), with
/// patterns matched against the whole value. Messages follow the service's
/// "N validation errors detected" form but never echo the offending value.
/// </summary>
internal static partial class HealthImagingValidation
{
    public static bool IsDatastoreId(string? value) => value is not null && DatastoreIdPattern().IsMatch(value);

    /// <summary>Collects constraint violations in request order.</summary>
    internal sealed class Errors
    {
        private readonly List<string> _errors = [];

        public bool Any => _errors.Count > 0;

        public void Required(string member, string? value)
        {
            if (value is null)
            {
                _errors.Add($"Value null at '{member}' failed to satisfy constraint: Member must not be null");
            }
        }

        public void Length(string member, string? value, int min, int max)
        {
            if (value is null)
            {
                return;
            }

            if (value.Length < min)
            {
                _errors.Add($"Value at '{member}' failed to satisfy constraint: Member must have length greater than or equal to {min}");
            }
            else if (value.Length > max)
            {
                _errors.Add($"Value at '{member}' failed to satisfy constraint: Member must have length less than or equal to {max}");
            }
        }

        public void Pattern(string member, string? value, Regex pattern, string patternText)
        {
            if (value is not null && value.Length > 0 && !pattern.IsMatch(value))
            {
                _errors.Add($"Value at '{member}' failed to satisfy constraint: Member must satisfy regular expression pattern: {patternText}");
            }
        }

        public void Range(string member, int? value, int min, int max)
        {
            if (value is { } v && (v < min || v > max))
            {
                _errors.Add($"Value at '{member}' failed to satisfy constraint: Member must have value between {min} and {max}");
            }
        }

        public void Enum(string member, string? value, bool known, string allowed)
        {
            if (value is not null && !known)
            {
                _errors.Add($"Value at '{member}' failed to satisfy constraint: Member must satisfy enum value set: [{allowed}]");
            }
        }

        public void Add(string message) => _errors.Add(message);

        public string Message()
        {
            var noun = _errors.Count == 1 ? "error" : "errors";
            return $"{_errors.Count} validation {noun} detected: {string.Join("; ", _errors)}";
        }
    }

    public static void DatastoreId(Errors errors, string? value)
    {
        errors.Required("datastoreId", value);
        errors.Pattern("datastoreId", value, DatastoreIdPattern(), "[0-9a-z]{32}");
        if (value is { Length: 0 })
        {
            errors.Add("Value at 'datastoreId' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9a-z]{32}");
        }
    }

    public static void JobId(Errors errors, string? value)
    {
        errors.Required("jobId", value);
        errors.Length("jobId", value, 1, 32);
        errors.Pattern("jobId", value, JobIdPattern(), "[0-9a-z]+");
    }

    public static void JobName(Errors errors, string? value)
    {
        errors.Length("jobName", value, 1, 64);
        errors.Pattern("jobName", value, JobNamePattern(), "[A-Za-z0-9._/#-]+");
    }

    public static void ClientToken(Errors errors, string? value)
    {
        errors.Required("clientToken", value);
        errors.Length("clientToken", value, 1, 64);
        errors.Pattern("clientToken", value, ClientTokenPattern(), "[A-Za-z0-9._-]+");
    }

    public static void RoleArn(Errors errors, string? value)
    {
        errors.Required("dataAccessRoleArn", value);
        errors.Length("dataAccessRoleArn", value, 20, 2048);
        errors.Pattern("dataAccessRoleArn", value, RoleArnPattern(), "arn:aws(-[^:]+)?:iam::[0-9]{12}:role/.+");
    }

    public static void S3Uri(Errors errors, string member, string? value)
    {
        errors.Required(member, value);
        errors.Length(member, value, 1, 1024);
        errors.Pattern(member, value, S3UriPattern(), @"s3://[a-z0-9][\.\-a-z0-9]{1,61}[a-z0-9](/.*)?");
    }

    public static void AccountId(Errors errors, string? value)
    {
        errors.Length("inputOwnerAccountId", value, 12, 12);
        errors.Pattern("inputOwnerAccountId", value, DigitsPattern(), @"\d+");
    }

    public static void NextToken(Errors errors, string? value)
    {
        errors.Length("nextToken", value, 1, 8192);
        errors.Pattern("nextToken", value, AsciiPattern(), @"\p{ASCII}{0,8192}");
    }

    [GeneratedRegex(@"^[0-9a-z]{32}\z")]
    private static partial Regex DatastoreIdPattern();

    [GeneratedRegex(@"^[0-9a-z]+\z")]
    private static partial Regex JobIdPattern();

    [GeneratedRegex(@"^[A-Za-z0-9._/#-]+\z")]
    private static partial Regex JobNamePattern();

    [GeneratedRegex(@"^[A-Za-z0-9._-]+\z")]
    private static partial Regex ClientTokenPattern();

    [GeneratedRegex(@"^arn:aws(-[^:]+)?:iam::[0-9]{12}:role/.+\z", RegexOptions.Singleline)]
    private static partial Regex RoleArnPattern();

    [GeneratedRegex(@"^s3://[a-z0-9][\.\-a-z0-9]{1,61}[a-z0-9](/.*)?\z", RegexOptions.Singleline)]
    private static partial Regex S3UriPattern();

    [GeneratedRegex(@"^[0-9]+\z")]
    private static partial Regex DigitsPattern();

    [GeneratedRegex(@"^[\x00-\x7F]*$")]
    private static partial Regex AsciiPattern();
}

/// <summary>An <c>s3://bucket/key-prefix</c> location.</summary>
internal sealed record S3Location(string Bucket, string Key)
{
    /// <summary>Parses a URI that already passed the API's S3Uri pattern.</summary>
    public static S3Location Parse(string uri)
    {
        const string Scheme = "s3://";
        if (!uri.StartsWith(Scheme, StringComparison.Ordinal))
        {
            throw new ArgumentException("Not an s3:// URI.", nameof(uri));
        }

        var rest = uri[Scheme.Length..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? new S3Location(rest, string.Empty) : new S3Location(rest[..slash], rest[(slash + 1)..]);
    }

    public override string ToString() => $"s3://{Bucket}/{Key}";
}

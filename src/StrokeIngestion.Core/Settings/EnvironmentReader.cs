using System.Collections;
using System.Text.RegularExpressions;

namespace StrokeIngestion.Core.Settings;

/// <summary>Reads environment variables once, failing with the variable's name when one is missing or malformed.</summary>
public sealed class EnvironmentReader
{
    private readonly IReadOnlyDictionary<string, string> _values;

    public EnvironmentReader(IReadOnlyDictionary<string, string> values) => _values = values;

    /// <summary>The process environment.</summary>
    public static EnvironmentReader FromProcess()
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            if (entry.Key is string key && entry.Value is string value)
            {
                values[key] = value;
            }
        }

        return new EnvironmentReader(values);
    }

    public string Required(string name, Regex? pattern = null)
    {
        var value = Optional(name) ?? throw new SettingsException(name, "is not set");
        if (pattern is not null && !pattern.IsMatch(value))
        {
            throw new SettingsException(name, $"does not match {pattern}");
        }

        return value;
    }

    public string? Optional(string name) =>
        _values.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;

    public string OptionalOrDefault(string name, string fallback) => Optional(name) ?? fallback;

    /// <summary>A folder-like key prefix: non-empty, no leading slash, ending in '/'.</summary>
    public string Prefix(string name, string fallback)
    {
        var value = OptionalOrDefault(name, fallback);
        if (value.StartsWith('/') || !value.EndsWith('/') || value.Length < 2)
        {
            throw new SettingsException(name, "must be a key prefix like 'uploads/' (no leading '/', ending in '/')");
        }

        return value;
    }

    /// <summary>An absolute http(s) endpoint override, or null when unset (the AWS default endpoint applies).</summary>
    public Uri? Endpoint(string name)
    {
        var value = Optional(name);
        if (value is null)
        {
            return null;
        }

        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new SettingsException(name, "must be an absolute http(s) URL");
        }

        return uri;
    }
}

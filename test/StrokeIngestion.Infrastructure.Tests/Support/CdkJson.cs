using System.Text.Json;
using StrokeIngestion.Testing;

namespace StrokeIngestion.Infrastructure.Tests.Support;

/// <summary>The repository's cdk.json, so tests synthesize with the feature flags and defaults the CLI uses.</summary>
internal static class CdkJson
{
    public static string Path { get; } = System.IO.Path.Combine(ExternalTool.RepoRoot, "cdk.json");

    public static JsonElement Root { get; } = JsonDocument.Parse(File.ReadAllText(Path)).RootElement.Clone();

    /// <summary>The "context" object as plain values (string, bool, double, object[]) jsii can pass on.</summary>
    public static Dictionary<string, object> Context() =>
        Root.GetProperty("context").EnumerateObject().ToDictionary(p => p.Name, p => ToPlain(p.Value));

    private static object ToPlain(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString() ?? string.Empty,
        JsonValueKind.Number => value.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Array => value.EnumerateArray().Select(ToPlain).ToArray(),
        JsonValueKind.Object => value.EnumerateObject().ToDictionary(p => p.Name, p => ToPlain(p.Value)),
        _ => throw new NotSupportedException($"cdk.json context value of kind {value.ValueKind}"),
    };
}

namespace StrokeIngestion.Infrastructure.Tests.Support;

/// <summary>Short builders for the nested objects <c>Match</c> patterns are made of.</summary>
internal static class J
{
    public static Dictionary<string, object> Obj(params (string Key, object Value)[] entries) =>
        entries.ToDictionary(e => e.Key, e => e.Value);

    public static object[] Arr(params object[] items) => items;

    public static Dictionary<string, object> Ref(string logicalId) => Obj(("Ref", logicalId));

    public static Dictionary<string, object> GetAtt(string logicalId, string attribute) =>
        Obj(("Fn::GetAtt", Arr(logicalId, attribute)));
}

using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace StrokeIngestion.Sandbox.StepFunctions.Asl;

/// <summary>
/// The JSONPath subset Step Functions definitions use for InputPath, OutputPath, ResultPath,
/// <c>.$</c> fields and Choice variables: <c>$</c>, <c>$.a.b</c>, <c>$['a']</c>, <c>$.a[0]</c>, and the
/// same forms rooted at the context object (<c>$$.Execution.Id</c>); in <c>.$</c> fields also the
/// wildcard <c>[*]</c> (<c>$.Item.ids.L[*].S</c>: every element of an array, or every value of
/// an object), which selects a list. Other wildcards,
/// filters, slices and deep scan raise <see cref="AslDefinitionException"/> when the definition is parsed.
/// </summary>
internal sealed class JsonPath
{
    private readonly IReadOnlyList<object> _segments;

    private JsonPath(string text, bool isContext, IReadOnlyList<object> segments)
    {
        Text = text;
        IsContext = isContext;
        _segments = segments;
    }

    public static JsonPath Root { get; } = Parse("$");

    public string Text { get; }

    /// <summary>True for paths rooted at the context object (<c>$$</c>).</summary>
    public bool IsContext { get; }

    public bool IsRoot => !IsContext && _segments.Count == 0;

    /// <summary>True when every step is a field name (what ResultPath accepts).</summary>
    public bool IsFieldsOnly => _segments.All(s => s is string);

    /// <summary>False when the path has a wildcard: it then selects a list of every match.</summary>
    public bool IsDefinite => !_segments.Any(s => s is Wildcard);

    public override string ToString() => Text;

    /// <param name="allowWildcard">
    /// Whether <c>[*]</c> may appear: only where the interpreter implements it (<c>.$</c> fields of
    /// Parameters and ResultSelector); everywhere else it is rejected as unimplemented.
    /// </param>
    public static JsonPath Parse(string text, bool allowWildcard = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!text.StartsWith('$'))
        {
            throw new AslDefinitionException($"'{text}' is not a JSONPath (it must start with '$').");
        }

        var isContext = text.StartsWith("$$", StringComparison.Ordinal);
        var position = isContext ? 2 : 1;
        var segments = new List<object>();
        while (position < text.Length)
        {
            var c = text[position];
            if (c == '.')
            {
                if (position + 1 < text.Length && text[position + 1] == '.')
                {
                    throw Unsupported(text, "deep scan '..'");
                }

                var start = ++position;
                while (position < text.Length && text[position] != '.' && text[position] != '[')
                {
                    position++;
                }

                var name = text[start..position];
                if (name.Length == 0)
                {
                    throw new AslDefinitionException($"JSONPath '{text}' has an empty field name.");
                }

                if (name == "*" || name.Contains('@', StringComparison.Ordinal))
                {
                    throw Unsupported(text, $"'{name}'");
                }

                segments.Add(name);
            }
            else if (c == '[')
            {
                var end = text.IndexOf(']', position);
                if (end < 0)
                {
                    throw new AslDefinitionException($"JSONPath '{text}' has an unclosed '['.");
                }

                var inside = text[(position + 1)..end].Trim();
                if (inside == "*")
                {
                    if (!allowWildcard)
                    {
                        throw Unsupported(text, "'[*]' outside a Parameters or ResultSelector field");
                    }

                    segments.Add(Wildcard.Instance);
                }
                else if (inside.Length >= 2 && (inside[0] == '\'' || inside[0] == '"') && inside[^1] == inside[0])
                {
                    segments.Add(inside[1..^1]);
                }
                else if (int.TryParse(inside, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                {
                    segments.Add(index);
                }
                else
                {
                    throw Unsupported(text, $"'[{inside}]' (only [index], ['name'] and [*] are implemented)");
                }

                position = end + 1;
            }
            else
            {
                throw new AslDefinitionException($"JSONPath '{text}' is malformed at position {position}.");
            }
        }

        return new JsonPath(text, isContext, segments);
    }

    /// <summary>
    /// Finds the node the path selects. A JSON <c>null</c> that is present yields true with a null
    /// <paramref name="value"/>; the returned node still belongs to its tree (clone before reuse).
    /// </summary>
    /// <remarks>
    /// A path with <c>[*]</c> yields a new array of (copies of) every match, as Step Functions'
    /// Jayway JSONPath does: a step missing after the wildcard drops that element, a step missing
    /// before it means the path is not found.
    /// </remarks>
    public bool TryGet(JsonNode? input, JsonNode? context, out JsonNode? value)
    {
        var current = IsContext ? context : input;
        if (!IsDefinite)
        {
            var matches = new List<JsonNode?>();
            var found = Collect(current, 0, matches);
            value = found ? new JsonArray(matches.Select(m => m?.DeepClone()).ToArray()) : null;
            return found;
        }

        foreach (var segment in _segments)
        {
            switch (segment, current)
            {
                case (string name, JsonObject obj) when obj.TryGetPropertyValue(name, out var child):
                    current = child;
                    break;
                case (int index, JsonArray array) when index < array.Count:
                    current = array[index];
                    break;
                default:
                    value = null;
                    return false;
            }
        }

        value = current;
        return true;
    }

    // Returns false only for a step missing before any wildcard; after one, a miss just adds nothing.
    private bool Collect(JsonNode? node, int index, List<JsonNode?> matches)
    {
        if (index == _segments.Count)
        {
            matches.Add(node);
            return true;
        }

        switch (_segments[index], node)
        {
            case (Wildcard, JsonArray array):
                foreach (var item in array)
                {
                    _ = Collect(item, index + 1, matches);
                }

                return true;
            case (Wildcard, JsonObject obj):
                foreach (var (_, child) in obj)
                {
                    _ = Collect(child, index + 1, matches);
                }

                return true;
            case (Wildcard, _):
                return true;
            case (string name, JsonObject obj) when obj.TryGetPropertyValue(name, out var child):
                return Collect(child, index + 1, matches);
            case (int i, JsonArray array) when i < array.Count:
                return Collect(array[i], index + 1, matches);
            default:
                return _segments.Take(index).Any(s => s is Wildcard);
        }
    }

    /// <summary>
    /// A copy of <paramref name="root"/> with <paramref name="value"/> placed at this path,
    /// creating missing objects on the way (ResultPath semantics). Fails with
    /// <c>States.Runtime</c> when a step on the way exists but is not an object.
    /// </summary>
    public JsonNode? Place(JsonNode? root, JsonNode? value, string stateName)
    {
        if (_segments.Count == 0)
        {
            return value?.DeepClone();
        }

        var result = root?.DeepClone() ?? new JsonObject();
        if (result is not JsonObject current)
        {
            throw ResultPathFailure(stateName);
        }

        for (var i = 0; i < _segments.Count; i++)
        {
            if (_segments[i] is not string name)
            {
                throw ResultPathFailure(stateName);
            }

            if (i == _segments.Count - 1)
            {
                current[name] = value?.DeepClone();
                break;
            }

            if (!current.TryGetPropertyValue(name, out var child) || child is null)
            {
                child = new JsonObject();
                current[name] = child;
            }

            current = child as JsonObject ?? throw ResultPathFailure(stateName);
        }

        return result;
    }

    private StatesErrorException ResultPathFailure(string stateName) => new(
        StatesErrors.Runtime,
        $"An error occurred while executing the state '{stateName}'. Unable to apply ResultPath '{Text}' to the input: a step on the way is not an object.");

    private sealed class Wildcard
    {
        public static readonly Wildcard Instance = new();
    }

    private static AslDefinitionException Unsupported(string text, string what) =>
        new(new StringBuilder().Append("JSONPath '").Append(text).Append("' uses ").Append(what)
            .Append(", which the sandbox interpreter does not implement.").ToString());
}

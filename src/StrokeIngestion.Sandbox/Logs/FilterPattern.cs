using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace StrokeIngestion.Sandbox.Logs;

/// <summary>
/// A CloudWatch Logs filter pattern, matched against one log event's message as CloudWatch
/// matches it. JSON patterns — <c>{ $.field = value }</c> with <c>=</c> <c>!=</c> <c>&lt;</c>
/// <c>&gt;</c> <c>&lt;=</c> <c>&gt;=</c>, <c>IS TRUE</c>/<c>IS FALSE</c>/<c>IS NULL</c>,
/// <c>NOT EXISTS</c>, <c>&amp;&amp;</c>, <c>||</c> and parentheses — only match a message that
/// is a JSON object as a whole: a line with text before the object matches nothing.
/// Term patterns match when every term occurs (case-sensitive), any <c>?term</c> occurs and no
/// <c>-term</c> does; the empty pattern matches every event. Space-delimited patterns
/// (<c>[a, b]</c>) are refused rather than guessed.
/// </summary>
internal abstract class FilterPattern
{
    public abstract bool Matches(string message);

    public static FilterPattern Parse(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        var text = pattern.Trim();
        if (text.StartsWith('{'))
        {
            return new JsonPattern(text);
        }

        if (text.StartsWith('['))
        {
            throw new NotSupportedException($"The sandbox does not evaluate space-delimited filter patterns: {pattern}");
        }

        return new TermPattern(text);
    }

    private sealed class TermPattern : FilterPattern
    {
        private readonly List<string> _all = [];
        private readonly List<string> _any = [];
        private readonly List<string> _none = [];

        public TermPattern(string pattern)
        {
            foreach (Match term in Regex.Matches(pattern, "([?-]?)(\"(?:[^\"\\\\]|\\\\.)*\"|\\S+)", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)))
            {
                var value = term.Groups[2].Value;
                if (value.Length >= 2 && value[0] == '"' && value[^1] == '"')
                {
                    value = value[1..^1].Replace("\\\"", "\"", StringComparison.Ordinal);
                }

                if (value.Length == 0)
                {
                    continue;
                }

                (term.Groups[1].Value switch { "?" => _any, "-" => _none, _ => _all }).Add(value);
            }
        }

        public override bool Matches(string message) =>
            _all.All(t => message.Contains(t, StringComparison.Ordinal))
            && (_any.Count == 0 || _any.Any(t => message.Contains(t, StringComparison.Ordinal)))
            && !_none.Any(t => message.Contains(t, StringComparison.Ordinal));
    }

    private sealed class JsonPattern : FilterPattern
    {
        // Two-character operators first, so "<=" is not read as "<".
        private static readonly string[] Operators = ["!=", "<=", ">=", "=", "<", ">"];

        private readonly string _text;
        private readonly Func<JsonObject, bool> _expression;
        private int _at;

        public JsonPattern(string text)
        {
            _text = text;
            Expect('{');
            _expression = ParseOr();
            Expect('}');
            SkipSpaces();
            if (_at != _text.Length)
            {
                throw Error("text after the closing brace");
            }
        }

        public override bool Matches(string message)
        {
            var trimmed = message.Trim();
            if (!trimmed.StartsWith('{'))
            {
                return false;
            }

            try
            {
                return JsonNode.Parse(trimmed) is JsonObject json && _expression(json);
            }
            catch (JsonException)
            {
                return false;
            }
        }

        private Func<JsonObject, bool> ParseOr()
        {
            var left = ParseAnd();
            while (TryTake("||"))
            {
                var l = left;
                var r = ParseAnd();
                left = json => l(json) || r(json);
            }

            return left;
        }

        private Func<JsonObject, bool> ParseAnd()
        {
            var left = ParseTerm();
            while (TryTake("&&"))
            {
                var l = left;
                var r = ParseTerm();
                left = json => l(json) && r(json);
            }

            return left;
        }

        private Func<JsonObject, bool> ParseTerm()
        {
            if (TryTake("("))
            {
                var inner = ParseOr();
                Expect(')');
                return inner;
            }

            var selector = ParseSelector();
            if (TryTake("IS"))
            {
                var word = ParseWord();
                return word switch
                {
                    "TRUE" => json => Select(json, selector) is JsonValue v && v.GetValueKind() == JsonValueKind.True,
                    "FALSE" => json => Select(json, selector) is JsonValue v && v.GetValueKind() == JsonValueKind.False,
                    "NULL" => json => Exists(json, selector) && Select(json, selector) is null,
                    _ => throw Error($"IS {word}"),
                };
            }

            if (TryTake("NOT"))
            {
                var word = ParseWord();
                return word == "EXISTS" ? json => !Exists(json, selector) : throw Error($"NOT {word}");
            }

            var op = Operators.FirstOrDefault(TryTake) ?? throw Error("an operator");
            var (value, quoted) = ParseValue();
            var number = !quoted && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) ? n : (double?)null;
            return json => Compare(Select(json, selector), op, value, number);
        }

        private static bool Compare(JsonNode? node, string op, string value, double? number)
        {
            if (node is not JsonValue actual)
            {
                return false;
            }

            if (number is { } expected && actual.GetValueKind() == JsonValueKind.Number)
            {
                var a = actual.GetValue<double>();
                return op switch
                {
                    "=" => a == expected,
                    "!=" => a != expected,
                    "<" => a < expected,
                    ">" => a > expected,
                    "<=" => a <= expected,
                    _ => a >= expected,
                };
            }

            if (actual.GetValueKind() != JsonValueKind.String || op is not ("=" or "!="))
            {
                return false;
            }

            var regex = "^" + Regex.Escape(value).Replace("\\*", ".*", StringComparison.Ordinal) + "$";
            var equal = Regex.IsMatch(actual.GetValue<string>(), regex, RegexOptions.Singleline | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            return op == "=" ? equal : !equal;
        }

        private static bool Exists(JsonObject json, IReadOnlyList<object> selector) => Walk(json, selector, out _);

        private static JsonNode? Select(JsonObject json, IReadOnlyList<object> selector) => Walk(json, selector, out var node) ? node : null;

        private static bool Walk(JsonObject json, IReadOnlyList<object> selector, out JsonNode? node)
        {
            node = json;
            foreach (var step in selector)
            {
                switch (step)
                {
                    case string property when node is JsonObject o && o.TryGetPropertyValue(property, out var child):
                        node = child;
                        break;
                    case int index when node is JsonArray a && index < a.Count:
                        node = a[index];
                        break;
                    default:
                        node = null;
                        return false;
                }
            }

            return true;
        }

        private List<object> ParseSelector()
        {
            SkipSpaces();
            if (!TryTake("$"))
            {
                throw Error("a selector starting with $");
            }

            var steps = new List<object>();
            while (_at < _text.Length)
            {
                if (_text[_at] == '.')
                {
                    _at++;
                    var start = _at;
                    while (_at < _text.Length && (char.IsLetterOrDigit(_text[_at]) || _text[_at] is '_' or '-' or '@'))
                    {
                        _at++;
                    }

                    steps.Add(_text[start.._at]);
                }
                else if (_text[_at] == '[')
                {
                    var end = _text.IndexOf(']', _at);
                    steps.Add(int.Parse(_text[(_at + 1)..end], CultureInfo.InvariantCulture));
                    _at = end + 1;
                }
                else
                {
                    break;
                }
            }

            return steps;
        }

        private (string Value, bool Quoted) ParseValue()
        {
            SkipSpaces();
            if (_at < _text.Length && _text[_at] == '"')
            {
                var end = _text.IndexOf('"', _at + 1);
                var value = _text[(_at + 1)..end];
                _at = end + 1;
                return (value, true);
            }

            var start = _at;
            while (_at < _text.Length && !char.IsWhiteSpace(_text[_at]) && _text[_at] is not ('}' or ')' or '&' or '|'))
            {
                _at++;
            }

            return (_text[start.._at], false);
        }

        private string ParseWord()
        {
            SkipSpaces();
            var start = _at;
            while (_at < _text.Length && char.IsLetter(_text[_at]))
            {
                _at++;
            }

            return _text[start.._at];
        }

        private bool TryTake(string token)
        {
            SkipSpaces();
            if (string.CompareOrdinal(_text, _at, token, 0, token.Length) != 0)
            {
                return false;
            }

            _at += token.Length;
            return true;
        }

        private void Expect(char token)
        {
            if (!TryTake(token.ToString()))
            {
                throw Error($"'{token}'");
            }
        }

        private void SkipSpaces()
        {
            while (_at < _text.Length && char.IsWhiteSpace(_text[_at]))
            {
                _at++;
            }
        }

        private FormatException Error(string expected) =>
            new($"Filter pattern '{_text}': expected {expected} at position {_at}.");
    }
}

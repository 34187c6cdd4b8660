using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace StrokeIngestion.Sandbox.StepFunctions.Asl;

/// <summary>
/// A Choice rule: And/Or/Not over comparisons of a <c>Variable</c> with a literal or with the
/// value at another path (the <c>…Path</c> operators). Implemented operators: String/Numeric
/// Equals, LessThan, GreaterThan, LessThanEquals, GreaterThanEquals, BooleanEquals (each with
/// its Path form), IsPresent, IsNull, IsNumeric, IsString, IsBoolean. Timestamp operators and
/// StringMatches are rejected when the definition is parsed.
/// </summary>
internal abstract class ChoiceRule
{
    private static readonly HashSet<string> ComparisonOperators = new(StringComparer.Ordinal)
    {
        "StringEquals", "StringLessThan", "StringGreaterThan", "StringLessThanEquals", "StringGreaterThanEquals",
        "NumericEquals", "NumericLessThan", "NumericGreaterThan", "NumericLessThanEquals", "NumericGreaterThanEquals",
        "BooleanEquals",
    };

    private static readonly HashSet<string> TypeTests = new(StringComparer.Ordinal)
    {
        "IsPresent", "IsNull", "IsNumeric", "IsString", "IsBoolean",
    };

    public abstract bool Evaluate(JsonNode? input, JsonNode context);

    /// <summary>Parses one rule; <paramref name="topLevel"/> rules carry Next, nested ones must not.</summary>
    public static ChoiceRule Parse(JsonObject rule, string stateName, bool topLevel)
    {
        var operators = rule.Select(p => p.Key).Where(k => k is not ("Next" or "Comment" or "Variable")).ToList();
        if (rule.ContainsKey("Next") != topLevel)
        {
            throw new AslDefinitionException(topLevel
                ? $"State '{stateName}': a Choice rule has no Next."
                : $"State '{stateName}': a nested Choice rule must not have Next.");
        }

        if (operators.Count != 1)
        {
            throw new AslDefinitionException(
                $"State '{stateName}': a Choice rule must have exactly one operator, found [{string.Join(", ", operators)}].");
        }

        var op = operators[0];
        var operand = rule[op];
        switch (op)
        {
            case "And" or "Or":
                if (operand is not JsonArray { Count: > 0 } items || items.Any(i => i is not JsonObject))
                {
                    throw new AslDefinitionException($"State '{stateName}': '{op}' takes a non-empty list of rules.");
                }

                var children = items.OfType<JsonObject>().Select(i => Parse(i, stateName, topLevel: false)).ToList();
                return op == "And" ? new AllRule(children) : new AnyRule(children);
            case "Not":
                return operand is JsonObject inner
                    ? new NotRule(Parse(inner, stateName, topLevel: false))
                    : throw new AslDefinitionException($"State '{stateName}': 'Not' takes one rule.");
        }

        var variable = rule["Variable"] is JsonValue v && v.TryGetValue<string>(out var variableText)
            ? ParsePath(variableText, stateName, "Variable")
            : throw new AslDefinitionException($"State '{stateName}': the Choice rule with '{op}' has no Variable.");

        if (TypeTests.Contains(op))
        {
            return operand is JsonValue b && b.GetValueKind() is JsonValueKind.True or JsonValueKind.False
                ? new TypeTestRule(variable, op, b.GetValue<bool>())
                : throw new AslDefinitionException($"State '{stateName}': '{op}' takes true or false.");
        }

        var isPathForm = op.EndsWith("Path", StringComparison.Ordinal);
        var baseOp = isPathForm ? op[..^4] : op;
        if (!ComparisonOperators.Contains(baseOp))
        {
            throw new AslDefinitionException(
                $"State '{stateName}': the Choice operator '{op}' is not implemented by the sandbox interpreter.");
        }

        if (isPathForm)
        {
            return operand is JsonValue pv && pv.TryGetValue<string>(out var pathText)
                ? new ComparisonRule(variable, baseOp, null, ParsePath(pathText, stateName, op))
                : throw new AslDefinitionException($"State '{stateName}': '{op}' takes a path.");
        }

        var expectedKind = baseOp switch
        {
            _ when baseOp.StartsWith("String", StringComparison.Ordinal) => "string",
            _ when baseOp.StartsWith("Numeric", StringComparison.Ordinal) => "number",
            _ => "boolean",
        };
        return operand is not null && Kind(operand) == expectedKind
            ? new ComparisonRule(variable, baseOp, operand.DeepClone(), null)
            : throw new AslDefinitionException($"State '{stateName}': '{op}' takes a {expectedKind}.");
    }

    private static JsonPath ParsePath(string text, string stateName, string field)
    {
        try
        {
            return JsonPath.Parse(text);
        }
        catch (AslDefinitionException ex)
        {
            throw new AslDefinitionException($"State '{stateName}': {field}: {ex.Message}", ex);
        }
    }

    private static string Kind(JsonNode? node) => node?.GetValueKind() switch
    {
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Null or null => "null",
        _ => "structure",
    };

    private static JsonNode? Resolve(JsonPath path, JsonNode? input, JsonNode context)
    {
        if (!path.TryGet(input, context, out var value))
        {
            throw new StatesErrorException(
                StatesErrors.Runtime,
                $"Invalid path '{path.Text}': The choice state's condition path references an invalid value.");
        }

        return value;
    }

    private sealed class AllRule(IReadOnlyList<ChoiceRule> rules) : ChoiceRule
    {
        public override bool Evaluate(JsonNode? input, JsonNode context) => rules.All(r => r.Evaluate(input, context));
    }

    private sealed class AnyRule(IReadOnlyList<ChoiceRule> rules) : ChoiceRule
    {
        public override bool Evaluate(JsonNode? input, JsonNode context) => rules.Any(r => r.Evaluate(input, context));
    }

    private sealed class NotRule(ChoiceRule rule) : ChoiceRule
    {
        public override bool Evaluate(JsonNode? input, JsonNode context) => !rule.Evaluate(input, context);
    }

    private sealed class TypeTestRule(JsonPath variable, string test, bool expected) : ChoiceRule
    {
        public override bool Evaluate(JsonNode? input, JsonNode context)
        {
            if (test == "IsPresent")
            {
                return variable.TryGet(input, context, out _) == expected;
            }

            var kind = Kind(Resolve(variable, input, context));
            var actual = test switch
            {
                "IsNull" => kind == "null",
                "IsNumeric" => kind == "number",
                "IsString" => kind == "string",
                _ => kind == "boolean",
            };
            return actual == expected;
        }
    }

    private sealed class ComparisonRule(JsonPath variable, string op, JsonNode? literal, JsonPath? otherPath) : ChoiceRule
    {
        public override bool Evaluate(JsonNode? input, JsonNode context)
        {
            var left = Resolve(variable, input, context);
            var right = otherPath is null ? literal : Resolve(otherPath, input, context);

            // Like AWS, a value of the wrong type makes the comparison false rather than an error.
            if (left is null || right is null)
            {
                return false;
            }

            if (op.StartsWith("String", StringComparison.Ordinal))
            {
                return Kind(left) == "string" && Kind(right) == "string"
                    && Compare(string.CompareOrdinal(left.GetValue<string>(), right.GetValue<string>()));
            }

            if (op.StartsWith("Numeric", StringComparison.Ordinal))
            {
                return Kind(left) == "number" && Kind(right) == "number"
                    && Compare(Number(left).CompareTo(Number(right)));
            }

            return Kind(left) == "boolean" && Kind(right) == "boolean"
                && left.GetValue<bool>() == right.GetValue<bool>();
        }

        private bool Compare(int comparison) => op switch
        {
            _ when op.EndsWith("LessThanEquals", StringComparison.Ordinal) => comparison <= 0,
            _ when op.EndsWith("GreaterThanEquals", StringComparison.Ordinal) => comparison >= 0,
            _ when op.EndsWith("LessThan", StringComparison.Ordinal) => comparison < 0,
            _ when op.EndsWith("GreaterThan", StringComparison.Ordinal) => comparison > 0,
            _ => comparison == 0,
        };

        private static double Number(JsonNode node) =>
            double.Parse(node.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);
    }
}

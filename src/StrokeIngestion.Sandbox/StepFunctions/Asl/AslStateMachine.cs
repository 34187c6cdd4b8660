using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace StrokeIngestion.Sandbox.StepFunctions.Asl;

/// <summary>
/// A parsed, validated Amazon States Language definition (JSONPath query language). Parsing
/// rejects anything the interpreter does not implement with an <see cref="AslDefinitionException"/>
/// naming the state and field: state types other than Wait, Task, Choice, Pass, Succeed and
/// Fail; unknown fields; Task resources other than Lambda invoke (plain or .waitForTaskToken, which
/// must pass $$.Task.Token), DynamoDB UpdateItem and GetItem and
/// EventBridge PutEvents; intrinsic functions; JSONPath beyond names, indexes and [*] in <c>.$</c> fields.
/// </summary>
internal sealed partial class AslStateMachine
{
    // The JSON field, not this class's States property (CA1507 would confuse the two).
    private const string StatesField = "States";

    /// <summary>Where a <c>.waitForTaskToken</c> task's Parameters read the token it must hand out.</summary>
    public const string TaskTokenPath = "$$.Task.Token";

    private static readonly HashSet<string> TopLevelFields = ["StartAt", "States", "Comment", "TimeoutSeconds", "Version", "QueryLanguage"];

    private static readonly Dictionary<string, HashSet<string>> FieldsByType = new(StringComparer.Ordinal)
    {
        ["Wait"] = ["Type", "Comment", "QueryLanguage", "Next", "End", "InputPath", "OutputPath", "Seconds", "SecondsPath"],
        ["Pass"] = ["Type", "Comment", "QueryLanguage", "Next", "End", "InputPath", "OutputPath", "Parameters", "Result", "ResultPath"],
        ["Task"] =
        [
            "Type", "Comment", "QueryLanguage", "Next", "End", "InputPath", "OutputPath", "Parameters", "ResultSelector", "ResultPath",
            "Resource", "TimeoutSeconds", "Retry", "Catch",
        ],
        ["Choice"] = ["Type", "Comment", "QueryLanguage", "InputPath", "OutputPath", "Choices", "Default"],
        ["Succeed"] = ["Type", "Comment", "QueryLanguage", "InputPath", "OutputPath"],
        ["Fail"] = ["Type", "Comment", "QueryLanguage", "Error", "Cause", "ErrorPath", "CausePath"],
    };

    private static readonly Dictionary<TaskResourceKind, HashSet<string>> ParametersByResource = new()
    {
        [TaskResourceKind.LambdaInvoke] = ["FunctionName", "Payload", "Qualifier"],
        [TaskResourceKind.DynamoDbUpdateItem] =
        [
            "TableName", "Key", "UpdateExpression", "ConditionExpression", "ExpressionAttributeNames",
            "ExpressionAttributeValues", "ReturnValues", "ReturnConsumedCapacity", "ReturnItemCollectionMetrics",
            "ReturnValuesOnConditionCheckFailure",
        ],
        [TaskResourceKind.DynamoDbGetItem] =
        [
            "TableName", "Key", "ConsistentRead", "ProjectionExpression", "ExpressionAttributeNames", "ReturnConsumedCapacity",
        ],
        [TaskResourceKind.EventBridgePutEvents] = ["Entries"],
    };

    private static readonly Dictionary<TaskResourceKind, string[]> RequiredParametersByResource = new()
    {
        [TaskResourceKind.LambdaInvoke] = ["FunctionName"],
        [TaskResourceKind.DynamoDbUpdateItem] = ["TableName", "Key"],
        [TaskResourceKind.DynamoDbGetItem] = ["TableName", "Key"],
        [TaskResourceKind.EventBridgePutEvents] = ["Entries"],
    };

    private AslStateMachine(string startAt, IReadOnlyDictionary<string, AslState> states, int? timeoutSeconds)
    {
        StartAt = startAt;
        States = states;
        TimeoutSeconds = timeoutSeconds;
    }

    public string StartAt { get; }

    public IReadOnlyDictionary<string, AslState> States { get; }

    /// <summary>The execution timeout; null when the definition sets none (AWS then allows a year).</summary>
    public int? TimeoutSeconds { get; }

    public static AslStateMachine Parse(string definitionJson)
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(definitionJson) as JsonObject
                ?? throw new AslDefinitionException("The definition is not a JSON object.");
        }
        catch (JsonException ex)
        {
            throw new AslDefinitionException("The definition is not valid JSON.", ex);
        }

        RejectUnknownFields(root, TopLevelFields, "the top level of the definition");
        RequireJsonPathLanguage(root, "the definition");
        var startAt = RequiredString(root, "StartAt", "the definition");
        var statesObject = root[StatesField] as JsonObject
            ?? throw new AslDefinitionException("The definition has no States object.");
        var states = new Dictionary<string, AslState>(StringComparer.Ordinal);
        foreach (var (name, node) in statesObject)
        {
            states[name] = node is JsonObject state
                ? ParseState(name, state)
                : throw new AslDefinitionException($"State '{name}' is not an object.");
        }

        var machine = new AslStateMachine(startAt, states, OptionalInt(root, "TimeoutSeconds", "the definition", minimum: 1));
        machine.ValidateTransitions();
        return machine;
    }

    private void ValidateTransitions()
    {
        if (!States.ContainsKey(StartAt))
        {
            throw new AslDefinitionException($"StartAt names '{StartAt}', which is not a state.");
        }

        foreach (var state in States.Values)
        {
            var targets = state switch
            {
                ChoiceState choice => choice.Choices.Select(c => c.Next).Append(choice.Default),
                TaskState task => task.Catch.Select(c => c.Next).Append(task.Next),
                _ => [state.Next],
            };
            foreach (var target in targets.OfType<string>())
            {
                if (!States.ContainsKey(target))
                {
                    throw new AslDefinitionException($"State '{state.Name}' transitions to '{target}', which is not a state.");
                }
            }
        }
    }

    private static AslState ParseState(string name, JsonObject state)
    {
        var type = RequiredString(state, "Type", $"state '{name}'");
        if (!FieldsByType.TryGetValue(type, out var allowed))
        {
            throw new AslDefinitionException(
                $"State '{name}' has Type '{type}', which the sandbox interpreter does not implement (Wait, Task, Choice, Pass, Succeed, Fail).");
        }

        RequireJsonPathLanguage(state, $"state '{name}'");
        RejectUnknownFields(state, allowed, $"{type} state '{name}'");
        var inputPath = OptionalPath(state, "InputPath", name);
        var outputPath = OptionalPath(state, "OutputPath", name);

        return type switch
        {
            "Wait" => ParseWait(name, state, inputPath, outputPath),
            "Pass" => new PassState(
                name,
                ParseNext(name, state),
                inputPath,
                outputPath,
                state.ContainsKey("Parameters") ? PayloadTemplate.Parse(state["Parameters"], name, "Parameters") : null,
                state.ContainsKey("Result"),
                state["Result"]?.DeepClone(),
                OptionalResultPath(state, "ResultPath", name)),
            "Task" => ParseTask(name, state, inputPath, outputPath),
            "Choice" => ParseChoice(name, state, inputPath, outputPath),
            "Succeed" => new SucceedState(name, inputPath, outputPath),
            _ => ParseFail(name, state),
        };
    }

    private static WaitState ParseWait(string name, JsonObject state, JsonPath? inputPath, JsonPath? outputPath)
    {
        var seconds = OptionalInt(state, "Seconds", $"state '{name}'", minimum: 0);
        var secondsPath = state.ContainsKey("SecondsPath") ? OptionalPath(state, "SecondsPath", name) : null;
        if ((seconds is null) == (secondsPath is null))
        {
            throw new AslDefinitionException($"Wait state '{name}' must have exactly one of Seconds and SecondsPath.");
        }

        return new WaitState(name, ParseNext(name, state), inputPath, outputPath, seconds, secondsPath);
    }

    private static TaskState ParseTask(string name, JsonObject state, JsonPath? inputPath, JsonPath? outputPath)
    {
        var resource = ParseResource(name, RequiredString(state, "Resource", $"Task state '{name}'"));
        PayloadTemplate? parameters = null;
        if (state.ContainsKey("Parameters"))
        {
            parameters = PayloadTemplate.Parse(state["Parameters"], name, "Parameters");
        }

        if (ParametersByResource.TryGetValue(resource.Kind, out var allowedParameters))
        {
            var fields = parameters?.TopLevelFields.ToList()
                ?? throw new AslDefinitionException($"Task state '{name}' ({resource.Arn}) needs Parameters.");
            foreach (var field in fields.Where(f => !allowedParameters.Contains(f)))
            {
                throw new AslDefinitionException(
                    $"Task state '{name}': parameter '{field}' of {resource.Arn} is not implemented by the sandbox interpreter.");
            }

            foreach (var required in RequiredParametersByResource[resource.Kind].Where(r => !fields.Contains(r)))
            {
                throw new AslDefinitionException($"Task state '{name}': {resource.Arn} needs parameter '{required}'.");
            }
        }

        // CreateStateMachine refuses this too: without the token nobody could ever resume the task.
        if (resource.WaitForTaskToken && parameters?.References(TaskTokenPath) != true)
        {
            throw new AslDefinitionException(
                $"Task state '{name}': the field 'Parameters' of a .waitForTaskToken resource must pass the task token ({TaskTokenPath}).");
        }

        return new TaskState(
            name,
            ParseNext(name, state),
            inputPath,
            outputPath,
            resource,
            parameters,
            state.ContainsKey("ResultSelector") ? PayloadTemplate.Parse(state["ResultSelector"], name, "ResultSelector") : null,
            OptionalResultPath(state, "ResultPath", name),
            OptionalInt(state, "TimeoutSeconds", $"state '{name}'", minimum: 1),
            ParseList(state, "Retry", name, ParseRetrier),
            ParseList(state, "Catch", name, ParseCatcher));
    }

    private static TaskResource ParseResource(string stateName, string arn)
    {
        if (LambdaInvokePattern().IsMatch(arn))
        {
            return new TaskResource(TaskResourceKind.LambdaInvoke, arn, null);
        }

        if (LambdaInvokeWaitForTaskTokenPattern().IsMatch(arn))
        {
            return new TaskResource(TaskResourceKind.LambdaInvoke, arn, null, WaitForTaskToken: true);
        }

        if (LambdaFunctionPattern().Match(arn) is { Success: true } function)
        {
            return new TaskResource(TaskResourceKind.LambdaFunctionArn, arn, function.Groups["name"].Value);
        }

        if (DynamoDbUpdateItemPattern().IsMatch(arn))
        {
            return new TaskResource(TaskResourceKind.DynamoDbUpdateItem, arn, null);
        }

        if (DynamoDbGetItemPattern().IsMatch(arn))
        {
            return new TaskResource(TaskResourceKind.DynamoDbGetItem, arn, null);
        }

        if (PutEventsPattern().IsMatch(arn))
        {
            return new TaskResource(TaskResourceKind.EventBridgePutEvents, arn, null);
        }

        throw new AslDefinitionException(
            $"Task state '{stateName}' uses Resource '{arn}', which the sandbox interpreter does not implement " +
            "(lambda:invoke, lambda:invoke.waitForTaskToken, a Lambda function ARN, dynamodb:updateItem, dynamodb:getItem and events:putEvents are; no .sync).");
    }

    private static ChoiceState ParseChoice(string name, JsonObject state, JsonPath? inputPath, JsonPath? outputPath)
    {
        if (state["Choices"] is not JsonArray { Count: > 0 } choices)
        {
            throw new AslDefinitionException($"Choice state '{name}' needs a non-empty Choices list.");
        }

        var branches = new List<ChoiceBranch>();
        foreach (var choice in choices)
        {
            if (choice is not JsonObject rule)
            {
                throw new AslDefinitionException($"Choice state '{name}': every choice must be an object.");
            }

            if (rule.ContainsKey("Assign") || rule.ContainsKey("Condition"))
            {
                throw new AslDefinitionException($"Choice state '{name}': JSONata Condition/Assign are not implemented by the sandbox interpreter.");
            }

            branches.Add(new ChoiceBranch(ChoiceRule.Parse(rule, name, topLevel: true), RequiredString(rule, "Next", $"a choice of '{name}'")));
        }

        return new ChoiceState(name, inputPath, outputPath, branches, OptionalString(state, "Default", $"state '{name}'"));
    }

    private static FailState ParseFail(string name, JsonObject state) => new(
        name,
        OptionalString(state, "Error", $"state '{name}'"),
        OptionalString(state, "Cause", $"state '{name}'"),
        state.ContainsKey("ErrorPath") ? OptionalPath(state, "ErrorPath", name) : null,
        state.ContainsKey("CausePath") ? OptionalPath(state, "CausePath", name) : null);

    private static Retrier ParseRetrier(JsonObject retry, string stateName)
    {
        RejectUnknownFields(retry, ["ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate", "MaxDelaySeconds", "JitterStrategy", "Comment"], $"a Retry of '{stateName}'");
        var jitter = OptionalString(retry, "JitterStrategy", $"a Retry of '{stateName}'") ?? "NONE";
        if (jitter is not ("NONE" or "FULL"))
        {
            throw new AslDefinitionException($"A Retry of '{stateName}' has JitterStrategy '{jitter}' (FULL or NONE).");
        }

        var backoff = retry["BackoffRate"] is { } rate ? rate.GetValue<double>() : 2.0;
        if (backoff < 1.0)
        {
            throw new AslDefinitionException($"A Retry of '{stateName}' has BackoffRate {backoff} (at least 1.0).");
        }

        return new Retrier(
            ParseErrorEquals(retry, stateName, "Retry"),
            OptionalInt(retry, "IntervalSeconds", $"a Retry of '{stateName}'", minimum: 1) ?? 1,
            OptionalInt(retry, "MaxAttempts", $"a Retry of '{stateName}'", minimum: 0) ?? 3,
            backoff,
            OptionalInt(retry, "MaxDelaySeconds", $"a Retry of '{stateName}'", minimum: 1),
            jitter == "FULL");
    }

    private static Catcher ParseCatcher(JsonObject catcher, string stateName)
    {
        RejectUnknownFields(catcher, ["ErrorEquals", "Next", "ResultPath", "Comment"], $"a Catch of '{stateName}'");
        return new Catcher(
            ParseErrorEquals(catcher, stateName, "Catch"),
            RequiredString(catcher, "Next", $"a Catch of '{stateName}'"),
            OptionalResultPath(catcher, "ResultPath", stateName));
    }

    private static List<string> ParseErrorEquals(JsonObject entry, string stateName, string field)
    {
        var list = entry["ErrorEquals"] is JsonArray errors
            ? errors.Select(e => e is JsonValue v && v.TryGetValue<string>(out var s) ? s : null).ToList()
            : [];
        if (list.Count == 0 || list.Contains(null))
        {
            throw new AslDefinitionException($"A {field} of '{stateName}' needs a non-empty ErrorEquals list of strings.");
        }

        if (list.Contains(StatesErrors.All) && list.Count > 1)
        {
            throw new AslDefinitionException($"A {field} of '{stateName}': States.ALL must appear alone in ErrorEquals.");
        }

        return list.OfType<string>().ToList();
    }

    private static List<T> ParseList<T>(JsonObject state, string field, string stateName, Func<JsonObject, string, T> parse)
    {
        if (!state.ContainsKey(field))
        {
            return [];
        }

        return state[field] is JsonArray items && items.All(i => i is JsonObject)
            ? items.OfType<JsonObject>().Select(i => parse(i, stateName)).ToList()
            : throw new AslDefinitionException($"State '{stateName}': {field} must be a list of objects.");
    }

    private static string? ParseNext(string name, JsonObject state)
    {
        var next = OptionalString(state, "Next", $"state '{name}'");
        var end = state["End"] is JsonValue e && e.GetValueKind() == JsonValueKind.True;
        if ((next is null) == !end)
        {
            throw new AslDefinitionException($"State '{name}' must have exactly one of Next and \"End\": true.");
        }

        return next;
    }

    private static JsonPath? OptionalPath(JsonObject state, string field, string stateName)
    {
        if (!state.TryGetPropertyValue(field, out var node))
        {
            return JsonPath.Root;
        }

        if (node is null)
        {
            return null;
        }

        try
        {
            return JsonPath.Parse(node.GetValue<string>());
        }
        catch (AslDefinitionException ex)
        {
            throw new AslDefinitionException($"State '{stateName}': {field}: {ex.Message}", ex);
        }
    }

    private static JsonPath? OptionalResultPath(JsonObject state, string field, string stateName)
    {
        var path = OptionalPath(state, field, stateName);
        return path is null || (!path.IsContext && path.IsFieldsOnly)
            ? path
            : throw new AslDefinitionException($"State '{stateName}': {field} '{path.Text}' must name fields of the state input.");
    }

    private static void RejectUnknownFields(JsonObject obj, HashSet<string> allowed, string where)
    {
        foreach (var (key, _) in obj)
        {
            if (!allowed.Contains(key))
            {
                throw new AslDefinitionException($"Field '{key}' in {where} is not implemented by the sandbox interpreter.");
            }
        }
    }

    private static void RequireJsonPathLanguage(JsonObject obj, string where)
    {
        if (obj["QueryLanguage"] is { } language && language.GetValue<string>() != "JSONPath")
        {
            throw new AslDefinitionException($"QueryLanguage '{language}' in {where} is not implemented (only JSONPath).");
        }
    }

    private static string RequiredString(JsonObject obj, string field, string where) =>
        OptionalString(obj, field, where) ?? throw new AslDefinitionException($"{Capitalize(where)} has no {field}.");

    private static string? OptionalString(JsonObject obj, string field, string where) => obj[field] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        _ => throw new AslDefinitionException($"{field} in {where} must be a string."),
    };

    private static int? OptionalInt(JsonObject obj, string field, string where, int minimum)
    {
        if (obj[field] is not { } node)
        {
            return null;
        }

        return node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<int>(out var value) && value >= minimum
            ? value
            : throw new AslDefinitionException($"{field} in {where} must be an integer of at least {minimum}.");
    }

    private static string Capitalize(string text) => char.ToUpperInvariant(text[0]) + text[1..];

    [GeneratedRegex(@"^arn:[a-z-]+:states:::lambda:invoke$")]
    private static partial Regex LambdaInvokePattern();

    [GeneratedRegex(@"^arn:[a-z-]+:states:::lambda:invoke\.waitForTaskToken$")]
    private static partial Regex LambdaInvokeWaitForTaskTokenPattern();

    [GeneratedRegex(@"^arn:[a-z-]+:lambda:[a-z0-9-]+:[0-9]{12}:function:(?<name>[A-Za-z0-9_-]+)(:[A-Za-z0-9$_-]+)?$")]
    private static partial Regex LambdaFunctionPattern();

    [GeneratedRegex(@"^arn:[a-z-]+:states:::dynamodb:updateItem$")]
    private static partial Regex DynamoDbUpdateItemPattern();

    [GeneratedRegex(@"^arn:[a-z-]+:states:::dynamodb:getItem$")]
    private static partial Regex DynamoDbGetItemPattern();

    [GeneratedRegex(@"^arn:[a-z-]+:states:::events:putEvents$")]
    private static partial Regex PutEventsPattern();
}

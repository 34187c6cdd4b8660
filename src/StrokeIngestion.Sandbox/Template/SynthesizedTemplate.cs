using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace StrokeIngestion.Sandbox.Template;

/// <summary>
/// A CloudFormation template as <c>cdk synth</c> writes it (<c>cdk.out/&lt;stack&gt;.template.json</c>),
/// with the intrinsics the sandbox needs resolved to concrete local values: <c>Ref</c>,
/// <c>Fn::GetAtt</c>, <c>Fn::Join</c>, <c>Fn::Sub</c>, <c>Fn::Select</c>, <c>Fn::Split</c>.
/// Anything else (conditions, imports, mappings) raises <see cref="TemplateResolutionException"/>
/// naming the intrinsic, so the sandbox runs exactly what the stack deploys or not at all.
/// </summary>
/// <remarks>
/// Physical names follow CloudFormation: a resource's <c>Ref</c> is its name property when the
/// template sets one, otherwise a deterministic <c>&lt;stack&gt;-&lt;logicalId&gt;</c> stands in for
/// the random name CloudFormation would generate. As in CloudFormation, <c>Ref</c> of a state
/// machine is its ARN and <c>Ref</c> of a HealthImaging datastore is its id.
/// </remarks>
internal sealed class SynthesizedTemplate
{
    public const string StateMachineType = "AWS::StepFunctions::StateMachine";
    public const string DynamoDbTableType = "AWS::DynamoDB::Table";
    public const string S3BucketType = "AWS::S3::Bucket";
    public const string LambdaFunctionType = "AWS::Lambda::Function";
    public const string DatastoreType = "AWS::HealthImaging::Datastore";
    public const string IamRoleType = "AWS::IAM::Role";

    private const int MaxResolutionDepth = 64;

    // The template section, not this class's Resources property (CA1507 would confuse the two).
    private const string ResourcesSection = "Resources";

    private static readonly Dictionary<string, string> NameProperties = new(StringComparer.Ordinal)
    {
        [LambdaFunctionType] = "FunctionName",
        [DynamoDbTableType] = "TableName",
        [S3BucketType] = "BucketName",
        [StateMachineType] = "StateMachineName",
        [IamRoleType] = "RoleName",
        [DatastoreType] = "DatastoreName",
        ["AWS::Events::EventBus"] = "Name",
        ["AWS::Events::Rule"] = "Name",
        ["AWS::Logs::LogGroup"] = "LogGroupName",
        ["AWS::SQS::Queue"] = "QueueName",
    };

    private readonly JsonObject _parameters;
    private readonly Dictionary<string, TemplateResource> _resources;

    private SynthesizedTemplate(JsonObject root, TemplateContext context, string stackName)
    {
        Context = context;
        StackName = stackName;
        _parameters = root["Parameters"] as JsonObject ?? [];
        var resources = root[ResourcesSection] as JsonObject
            ?? throw new TemplateResolutionException("The template has no Resources section.");
        _resources = new Dictionary<string, TemplateResource>(StringComparer.Ordinal);
        foreach (var (logicalId, node) in resources)
        {
            if (node is not JsonObject resource || resource["Type"]?.GetValue<string>() is not { } type)
            {
                throw new TemplateResolutionException($"Resource '{logicalId}' has no Type.");
            }

            _resources[logicalId] = new TemplateResource(logicalId, type, resource["Properties"] as JsonObject ?? []);
        }
    }

    public TemplateContext Context { get; }

    public string StackName { get; }

    public IReadOnlyCollection<TemplateResource> Resources => _resources.Values;

    /// <summary>Reads a template file; the stack name defaults to the file name without <c>.template.json</c>.</summary>
    public static SynthesizedTemplate Load(string path, TemplateContext? context = null)
    {
        var fileName = Path.GetFileName(path);
        var stackName = fileName.EndsWith(".template.json", StringComparison.Ordinal)
            ? fileName[..^".template.json".Length]
            : Path.GetFileNameWithoutExtension(path);
        return Parse(File.ReadAllText(path), context, stackName);
    }

    /// <summary>
    /// Reads <c>&lt;stackName&gt;.template.json</c> from a cloud assembly folder (cdk.out); without a
    /// stack name the folder must hold exactly one template.
    /// </summary>
    public static SynthesizedTemplate LoadFromCloudAssembly(string cdkOutDirectory, string? stackName = null, TemplateContext? context = null)
    {
        if (stackName is not null)
        {
            return Load(Path.Combine(cdkOutDirectory, stackName + ".template.json"), context);
        }

        var templates = Directory.GetFiles(cdkOutDirectory, "*.template.json");
        return templates.Length == 1
            ? Load(templates[0], context)
            : throw new TemplateResolutionException(
                $"Expected exactly one *.template.json in '{cdkOutDirectory}', found {templates.Length}; name the stack.");
    }

    public static SynthesizedTemplate Parse(string json, TemplateContext? context = null, string? stackName = null)
    {
        var root = JsonNode.Parse(json) as JsonObject
            ?? throw new TemplateResolutionException("The template is not a JSON object.");
        var effectiveContext = context ?? new TemplateContext();
        return new SynthesizedTemplate(root, effectiveContext, effectiveContext.StackName ?? stackName ?? "SandboxStack");
    }

    public IReadOnlyList<TemplateResource> ResourcesOfType(string type) =>
        _resources.Values.Where(r => r.Type == type).ToList();

    public TemplateResource SingleResourceOfType(string type)
    {
        var matches = ResourcesOfType(type);
        return matches.Count == 1
            ? matches[0]
            : throw new TemplateResolutionException($"Expected exactly one {type} in the template, found {matches.Count}.");
    }

    public TemplateResource Resource(string logicalId) =>
        _resources.TryGetValue(logicalId, out var resource)
            ? resource
            : throw new TemplateResolutionException($"The template has no resource '{logicalId}'.");

    /// <summary>A property with every intrinsic in it resolved; null when the property is absent.</summary>
    public JsonNode? ResolveProperty(TemplateResource resource, string property) =>
        resource.Properties.TryGetPropertyValue(property, out var value) ? Resolve(value) : null;

    public string? ResolveStringProperty(TemplateResource resource, string property) =>
        resource.Properties.TryGetPropertyValue(property, out var value) && value is not null
            ? AsString(Resolve(value), $"{resource.LogicalId}.{property}")
            : null;

    /// <summary>A deep copy of <paramref name="value"/> with every intrinsic function replaced by its value.</summary>
    public JsonNode? Resolve(JsonNode? value) => Resolve(value, 0);

    /// <summary>What <c>{"Ref": logicalIdOrParameter}</c> evaluates to.</summary>
    public string Ref(string name)
    {
        switch (name)
        {
            case "AWS::AccountId":
                return Context.AccountId;
            case "AWS::Region":
                return Context.Region;
            case "AWS::Partition":
                return Context.Partition;
            case "AWS::URLSuffix":
                return Context.UrlSuffix;
            case "AWS::StackName":
                return StackName;
            case "AWS::StackId":
                return $"arn:{Context.Partition}:cloudformation:{Context.Region}:{Context.AccountId}:stack/{StackName}/00000000-0000-0000-0000-000000000000";
            case "AWS::NoValue":
            case "AWS::NotificationARNs":
                throw new TemplateResolutionException($"Ref '{name}' is not supported by the sandbox template reader.");
        }

        if (Context.ParameterValues?.TryGetValue(name, out var supplied) == true)
        {
            return supplied;
        }

        if (_parameters[name] is JsonObject parameter)
        {
            return parameter["Default"]?.ToString()
                ?? throw new TemplateResolutionException($"Parameter '{name}' has no Default and no value was supplied.");
        }

        var resource = Resource(name);
        return resource.Type switch
        {
            StateMachineType => GetAtt(name, "Arn"),
            DatastoreType => GetAtt(name, "DatastoreId"),

            // A queue's Ref is its URL, as CloudFormation gives it.
            "AWS::SQS::Queue" => $"https://sqs.{Context.Region}.{Context.UrlSuffix}/{Context.AccountId}/{PhysicalName(resource)}",
            _ => PhysicalName(resource),
        };
    }

    /// <summary>What <c>{"Fn::GetAtt": [logicalId, attribute]}</c> evaluates to.</summary>
    public string GetAtt(string logicalId, string attribute)
    {
        if (Context.AttributeOverrides?.TryGetValue($"{logicalId}.{attribute}", out var supplied) == true)
        {
            return supplied;
        }

        var resource = Resource(logicalId);
        var p = Context.Partition;
        var region = Context.Region;
        var account = Context.AccountId;
        string Name() => PhysicalName(resource);

        var value = (resource.Type, attribute) switch
        {
            (LambdaFunctionType, "Arn") => $"arn:{p}:lambda:{region}:{account}:function:{Name()}",
            (DynamoDbTableType, "Arn") => $"arn:{p}:dynamodb:{region}:{account}:table/{Name()}",
            (S3BucketType, "Arn") => $"arn:{p}:s3:::{Name()}",
            (S3BucketType, "DomainName") => $"{Name()}.s3.{Context.UrlSuffix}",
            (S3BucketType, "RegionalDomainName") => $"{Name()}.s3.{region}.{Context.UrlSuffix}",
            (StateMachineType, "Arn") => $"arn:{p}:states:{region}:{account}:stateMachine:{Name()}",
            (StateMachineType, "Name") => Name(),
            (IamRoleType, "Arn") => $"arn:{p}:iam::{account}:role/{Name()}",
            (DatastoreType, "DatastoreArn") => $"arn:{p}:medical-imaging:{region}:{account}:datastore/{GetAtt(logicalId, "DatastoreId")}",
            (DatastoreType, "DatastoreStatus") => "ACTIVE",
            (DatastoreType, "DatastoreId") => throw new TemplateResolutionException(
                $"'{logicalId}.DatastoreId' is decided by HealthImaging at deploy time: supply it in TemplateContext.AttributeOverrides."),
            ("AWS::Events::EventBus", "Arn") => $"arn:{p}:events:{region}:{account}:event-bus/{Name()}",
            ("AWS::Events::EventBus", "Name") => Name(),
            ("AWS::Events::Rule", "Arn") => $"arn:{p}:events:{region}:{account}:rule/{Name()}",
            ("AWS::SQS::Queue", "Arn") => $"arn:{p}:sqs:{region}:{account}:{Name()}",
            ("AWS::SQS::Queue", "QueueName") => Name(),
            ("AWS::Logs::LogGroup", "Arn") => $"arn:{p}:logs:{region}:{account}:log-group:{Name()}:*",
            _ => null,
        };

        return value ?? throw new TemplateResolutionException(
            $"Fn::GetAtt '{logicalId}.{attribute}' ({resource.Type}) is not supported: supply it in TemplateContext.AttributeOverrides.");
    }

    /// <summary>Every state machine in the template with its definition resolved to JSON text.</summary>
    public IReadOnlyList<SynthesizedStateMachine> StateMachines() =>
        ResourcesOfType(StateMachineType).Select(ReadStateMachine).ToList();

    /// <summary>
    /// Every Lambda function in the template; the sandbox finds a function by its handler string
    /// and reads the environment the stack gives it.
    /// </summary>
    public IReadOnlyList<SynthesizedFunction> LambdaFunctions() =>
        ResourcesOfType(LambdaFunctionType).Select(ReadFunction).ToList();

    private SynthesizedFunction ReadFunction(TemplateResource resource)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        if (ResolveProperty(resource, "Environment") is JsonObject { } settings && settings["Variables"] is JsonObject variables)
        {
            foreach (var (name, value) in variables)
            {
                environment[name] = AsString(value, $"{resource.LogicalId} environment variable {name}");
            }
        }

        var timeout = ResolveProperty(resource, "Timeout") is JsonValue t && t.TryGetValue<int>(out var seconds) ? seconds : (int?)null;
        var logging = ResolveProperty(resource, "LoggingConfig") as JsonObject;
        var functionName = PhysicalName(resource);
        return new SynthesizedFunction(
            resource.LogicalId,
            PhysicalName(resource),
            GetAtt(resource.LogicalId, "Arn"),
            ResolveStringProperty(resource, "Handler"),
            ResolveStringProperty(resource, "Runtime"),
            timeout,
            environment)
        {
            RoleArn = ResolveStringProperty(resource, "Role"),
            LogGroupName = logging?["LogGroup"]?.GetValue<string>() ?? $"/aws/lambda/{functionName}",
            LogFormat = logging?["LogFormat"]?.GetValue<string>() ?? "Text",
            ReservedConcurrentExecutions = ResolveProperty(resource, "ReservedConcurrentExecutions") is JsonValue r && r.TryGetValue<int>(out var reserved) ? reserved : null,
        };
    }

    private SynthesizedStateMachine ReadStateMachine(TemplateResource resource)
    {
        string definition;
        if (resource.Properties.ContainsKey("DefinitionString"))
        {
            definition = ResolveStringProperty(resource, "DefinitionString") ?? string.Empty;
        }
        else if (ResolveProperty(resource, "Definition") is JsonObject definitionObject)
        {
            definition = definitionObject.ToJsonString();
            if (ResolveProperty(resource, "DefinitionSubstitutions") is JsonObject substitutions)
            {
                foreach (var (key, value) in substitutions)
                {
                    definition = definition.Replace("${" + key + "}", value?.ToString() ?? string.Empty, StringComparison.Ordinal);
                }
            }
        }
        else
        {
            throw new TemplateResolutionException(
                $"State machine '{resource.LogicalId}' has neither DefinitionString nor Definition (DefinitionS3Location is not supported).");
        }

        try
        {
            using var _ = JsonDocument.Parse(definition);
        }
        catch (JsonException ex)
        {
            throw new TemplateResolutionException($"State machine '{resource.LogicalId}' resolves to a definition that is not JSON.", ex);
        }

        return new SynthesizedStateMachine(
            resource.LogicalId,
            PhysicalName(resource),
            GetAtt(resource.LogicalId, "Arn"),
            definition,
            ResolveStringProperty(resource, "RoleArn"),
            ResolveStringProperty(resource, "StateMachineType") ?? "STANDARD");
    }

    private string PhysicalName(TemplateResource resource)
    {
        if (NameProperties.TryGetValue(resource.Type, out var property)
            && ResolveStringProperty(resource, property) is { Length: > 0 } name)
        {
            return name;
        }

        var generated = $"{StackName}-{resource.LogicalId}";
        return resource.Type == S3BucketType
            ? Truncate(generated.ToLowerInvariant(), 63)
            : Truncate(generated, 64);
    }

    private static string Truncate(string value, int length) => value.Length <= length ? value : value[..length];

    private JsonNode? Resolve(JsonNode? value, int depth)
    {
        if (depth > MaxResolutionDepth)
        {
            throw new TemplateResolutionException("Intrinsic functions nest too deeply (a reference cycle?).");
        }

        switch (value)
        {
            case null:
                return null;
            case JsonArray array:
                return new JsonArray(array.Select(item => Resolve(item, depth + 1)).ToArray());
            case JsonObject obj when obj.Count == 1 && IsIntrinsic(obj.First().Key):
                var (function, argument) = obj.First();
                return ResolveIntrinsic(function, argument, depth + 1);
            case JsonObject obj:
                var copy = new JsonObject();
                foreach (var (key, item) in obj)
                {
                    copy[key] = Resolve(item, depth + 1);
                }

                return copy;
            default:
                return value.DeepClone();
        }
    }

    private static bool IsIntrinsic(string key) => key == "Ref" || key.StartsWith("Fn::", StringComparison.Ordinal);

    private JsonNode? ResolveIntrinsic(string function, JsonNode? argument, int depth)
    {
        switch (function)
        {
            case "Ref":
                return JsonValue.Create(Ref(AsString(argument, "Ref")));
            case "Fn::GetAtt":
                var (logicalId, attribute) = ParseGetAtt(argument);
                return JsonValue.Create(GetAtt(logicalId, attribute));
            case "Fn::Join":
                return JsonValue.Create(Join(argument, depth));
            case "Fn::Sub":
                return JsonValue.Create(Sub(argument, depth));
            case "Fn::Select":
                return Select(argument, depth);
            case "Fn::Split":
                return Split(argument, depth);
            default:
                throw new TemplateResolutionException($"Intrinsic function '{function}' is not supported by the sandbox template reader.");
        }
    }

    private static (string LogicalId, string Attribute) ParseGetAtt(JsonNode? argument)
    {
        if (argument is JsonArray { Count: 2 } pair && pair[0] is JsonValue logicalId && pair[1] is JsonValue attribute)
        {
            return (logicalId.GetValue<string>(), attribute.GetValue<string>());
        }

        if (argument is JsonValue single && single.TryGetValue<string>(out var dotted) && dotted.IndexOf('.', StringComparison.Ordinal) is > 0 and var dot)
        {
            return (dotted[..dot], dotted[(dot + 1)..]);
        }

        throw new TemplateResolutionException("Fn::GetAtt takes [logicalId, attribute] or \"logicalId.attribute\".");
    }

    private string Join(JsonNode? argument, int depth)
    {
        if (argument is not JsonArray { Count: 2 } args || args[0] is not JsonValue delimiterNode)
        {
            throw new TemplateResolutionException("Fn::Join takes [delimiter, [values]].");
        }

        var delimiter = delimiterNode.GetValue<string>();
        var parts = Resolve(args[1], depth) as JsonArray
            ?? throw new TemplateResolutionException("The second argument of Fn::Join must resolve to a list.");
        var strings = new List<string>();
        foreach (var part in parts)
        {
            // A list-valued intrinsic (Fn::Split) inside the list contributes its items.
            if (part is JsonArray nested)
            {
                strings.AddRange(nested.Select(n => AsString(n, "Fn::Join item")));
            }
            else
            {
                strings.Add(AsString(part, "Fn::Join item"));
            }
        }

        return string.Join(delimiter, strings);
    }

    private string Sub(JsonNode? argument, int depth)
    {
        string text;
        Dictionary<string, string> variables = new(StringComparer.Ordinal);
        switch (argument)
        {
            case JsonValue value:
                text = value.GetValue<string>();
                break;
            case JsonArray { Count: 2 } args when args[0] is JsonValue template && args[1] is JsonObject map:
                text = template.GetValue<string>();
                foreach (var (key, node) in map)
                {
                    variables[key] = AsString(Resolve(node, depth), $"Fn::Sub variable '{key}'");
                }

                break;
            default:
                throw new TemplateResolutionException("Fn::Sub takes a string or [string, {variables}].");
        }

        var result = new StringBuilder(text.Length);
        var index = 0;
        while (index < text.Length)
        {
            var start = text.IndexOf("${", index, StringComparison.Ordinal);
            if (start < 0)
            {
                result.Append(text, index, text.Length - index);
                break;
            }

            result.Append(text, index, start - index);
            var end = text.IndexOf('}', start);
            if (end < 0)
            {
                throw new TemplateResolutionException("Fn::Sub has an unterminated ${ placeholder.");
            }

            var name = text[(start + 2)..end];
            if (name.StartsWith('!'))
            {
                result.Append("${").Append(name, 1, name.Length - 1).Append('}');
            }
            else if (variables.TryGetValue(name, out var variable))
            {
                result.Append(variable);
            }
            else if (!name.StartsWith("AWS::", StringComparison.Ordinal) && name.IndexOf('.', StringComparison.Ordinal) is > 0 and var dot)
            {
                result.Append(GetAtt(name[..dot], name[(dot + 1)..]));
            }
            else
            {
                result.Append(Ref(name));
            }

            index = end + 1;
        }

        return result.ToString();
    }

    private JsonNode? Select(JsonNode? argument, int depth)
    {
        if (argument is not JsonArray { Count: 2 } args)
        {
            throw new TemplateResolutionException("Fn::Select takes [index, list].");
        }

        var index = int.Parse(AsString(Resolve(args[0], depth), "Fn::Select index"), CultureInfo.InvariantCulture);
        var list = Resolve(args[1], depth) as JsonArray
            ?? throw new TemplateResolutionException("The second argument of Fn::Select must resolve to a list.");
        return index >= 0 && index < list.Count
            ? list[index]?.DeepClone()
            : throw new TemplateResolutionException($"Fn::Select index {index} is outside a list of {list.Count}.");
    }

    private JsonArray Split(JsonNode? argument, int depth)
    {
        if (argument is not JsonArray { Count: 2 } args)
        {
            throw new TemplateResolutionException("Fn::Split takes [delimiter, string].");
        }

        var delimiter = AsString(args[0], "Fn::Split delimiter");
        var source = AsString(Resolve(args[1], depth), "Fn::Split source");
        return new JsonArray(source.Split(delimiter).Select(s => (JsonNode?)JsonValue.Create(s)).ToArray());
    }

    private static string AsString(JsonNode? node, string what) => node switch
    {
        JsonValue value when value.TryGetValue<string>(out var s) => s,
        JsonValue value => value.ToJsonString(),
        _ => throw new TemplateResolutionException($"{what} must resolve to a string."),
    };
}

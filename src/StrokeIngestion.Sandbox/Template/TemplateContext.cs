namespace StrokeIngestion.Sandbox.Template;

/// <summary>
/// The concrete values the sandbox substitutes for what CloudFormation would decide at deploy
/// time: pseudo parameters, parameter values and attributes only a real service can produce
/// (a HealthImaging datastore id, for one).
/// </summary>
/// <param name="StackName">Used for generated physical names and <c>AWS::StackName</c>.</param>
/// <param name="AttributeOverrides">
/// Values for <c>Fn::GetAtt</c> keyed <c>LogicalId.Attribute</c>; they win over the computed ones.
/// </param>
/// <param name="ParameterValues">Values for template parameters; otherwise a parameter's Default is used.</param>
internal sealed record TemplateContext(
    string Region = "us-east-1",
    string AccountId = "000000000000",
    string Partition = "aws",
    string UrlSuffix = "amazonaws.com",
    string? StackName = null,
    IReadOnlyDictionary<string, string>? AttributeOverrides = null,
    IReadOnlyDictionary<string, string>? ParameterValues = null);

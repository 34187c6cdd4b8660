using System.Globalization;
using System.Text.Json.Nodes;
using Amazon.SQS;
using Amazon.SQS.Model;
using StrokeIngestion.Sandbox.Template;

namespace StrokeIngestion.Sandbox.Queues;

/// <summary>One <c>AWS::SQS::Queue</c> of the template, as the functions name it (URL and ARN the template resolves to).</summary>
internal sealed record SandboxQueue(string LogicalId, string Name, string Url, string Arn);

/// <summary>
/// Creates the template's queues in moto's SQS with the attributes the stack sets (visibility
/// timeout, retention, redrive to a DLQ), dead-letter queues first so a redrive policy can
/// name its target.
/// </summary>
internal static class SandboxQueues
{
    public const string QueueType = "AWS::SQS::Queue";

    private static readonly string[] NumericAttributes = ["VisibilityTimeout", "MessageRetentionPeriod", "DelaySeconds", "ReceiveMessageWaitTimeSeconds", "MaximumMessageSize"];

    /// <param name="timeScale">The sandbox's clock: a visibility timeout (how long a crashed batch stays hidden) runs on it, at least 1 s.</param>
    public static async Task<IReadOnlyList<SandboxQueue>> CreateFromTemplateAsync(IAmazonSQS sqs, SynthesizedTemplate template, double timeScale, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sqs);
        ArgumentNullException.ThrowIfNull(template);
        var resources = template.ResourcesOfType(QueueType)
            .OrderBy(r => template.ResolveProperty(r, "RedrivePolicy") is null ? 0 : 1)
            .ToList();

        // The template names a DLQ by the ARN AWS would give it; moto gives its own.
        var motoArns = new Dictionary<string, string>(StringComparer.Ordinal);
        var queues = new List<SandboxQueue>();
        foreach (var resource in resources)
        {
            var name = template.ResolveStringProperty(resource, "QueueName")
                ?? throw new TemplateResolutionException($"Queue '{resource.LogicalId}' has no QueueName: the sandbox needs fixed names.");
            var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var attribute in NumericAttributes)
            {
                if (template.ResolveProperty(resource, attribute) is { } value)
                {
                    attributes[attribute] = value.ToString();
                }
            }

            if (attributes.TryGetValue("VisibilityTimeout", out var visibility))
            {
                var scaled = Math.Max(1, (int)Math.Round(int.Parse(visibility, CultureInfo.InvariantCulture) * timeScale));
                attributes["VisibilityTimeout"] = scaled.ToString(CultureInfo.InvariantCulture);
            }

            if (template.ResolveProperty(resource, "RedrivePolicy") is JsonObject redrive)
            {
                var target = redrive["deadLetterTargetArn"]?.GetValue<string>() ?? string.Empty;
                var policy = new JsonObject
                {
                    ["deadLetterTargetArn"] = motoArns.TryGetValue(target, out var motoArn)
                        ? motoArn
                        : throw new TemplateResolutionException($"Queue '{name}' redrives to {target}, which the template does not define."),
                    ["maxReceiveCount"] = Convert.ToInt32(redrive["maxReceiveCount"]?.ToString(), CultureInfo.InvariantCulture),
                };
                attributes["RedrivePolicy"] = policy.ToJsonString();
            }

            var created = await sqs.CreateQueueAsync(new CreateQueueRequest { QueueName = name, Attributes = attributes }, cancellationToken);
            var described = await sqs.GetQueueAttributesAsync(created.QueueUrl, ["QueueArn"], cancellationToken);
            var arn = template.GetAtt(resource.LogicalId, "Arn");
            motoArns[arn] = described.QueueARN;
            queues.Add(new SandboxQueue(resource.LogicalId, name, template.Ref(resource.LogicalId), arn));
        }

        return queues;
    }
}

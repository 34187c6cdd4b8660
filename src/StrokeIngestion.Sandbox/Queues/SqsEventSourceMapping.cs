using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.SQS;
using Amazon.SQS.Model;
using StrokeIngestion.Sandbox.Quotas;
using StrokeIngestion.Sandbox.Template;

namespace StrokeIngestion.Sandbox.Queues;

/// <summary>One <c>AWS::Lambda::EventSourceMapping</c> from an SQS queue, as the template sets it.</summary>
/// <param name="MaximumConcurrency">ScalingConfig.MaximumConcurrency: how many batches run at once (pollers here).</param>
internal sealed record EventSourceMappingDefinition(
    string LogicalId,
    string QueueArn,
    string FunctionName,
    int BatchSize,
    int MaximumConcurrency,
    bool ReportBatchItemFailures)
{
    /// <summary>Lambda starts five pollers for a queue and scales from there; the sandbox stays at five without a ScalingConfig.</summary>
    public const int DefaultConcurrency = 5;

    public static IReadOnlyList<EventSourceMappingDefinition> FromTemplate(SynthesizedTemplate template) =>
        [.. template.ResourcesOfType("AWS::Lambda::EventSourceMapping").Select(resource => new EventSourceMappingDefinition(
            resource.LogicalId,
            template.ResolveStringProperty(resource, "EventSourceArn") ?? throw new TemplateResolutionException($"'{resource.LogicalId}' has no EventSourceArn."),
            template.ResolveStringProperty(resource, "FunctionName") ?? throw new TemplateResolutionException($"'{resource.LogicalId}' has no FunctionName."),
            Number(template.ResolveProperty(resource, "BatchSize"), 10),
            Number(template.ResolveProperty(resource, "ScalingConfig")?[nameof(MaximumConcurrency)], DefaultConcurrency),
            template.ResolveProperty(resource, "FunctionResponseTypes")?.AsArray().Any(t => t?.GetValue<string>() == "ReportBatchItemFailures") == true))];

    private static int Number(JsonNode? node, int fallback) =>
        node is null ? fallback : int.Parse(node.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture);
}

/// <summary>
/// Lambda's SQS poller for one mapping: receives batches with the function's own role (as
/// Lambda does), invokes the function, deletes what it finished and leaves the rest — every
/// message of a failed invocation, or the reported batch item failures — to come back after
/// their visibility timeout. A busy function (its concurrency spent) holds the batch until a
/// slot frees, as Lambda's throttled pollers do.
/// </summary>
internal sealed class SqsEventSourceMapping : IAsyncDisposable
{
    private readonly EventSourceMappingDefinition _definition;
    private readonly IAmazonSQS _sqs;
    private readonly string _queueUrl;
    private readonly Func<Stream, Task<Stream>> _invoke;
    private readonly ConcurrencyLimit _functionConcurrency;
    private readonly TextWriter _progress;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _pollers = [];
    private long _invocations;
    private long _functionErrors;
    private long _pollErrors;

    private SqsEventSourceMapping(EventSourceMappingDefinition definition, IAmazonSQS sqs, string queueUrl, Func<Stream, Task<Stream>> invoke, ConcurrencyLimit functionConcurrency, TextWriter progress)
    {
        _definition = definition;
        _sqs = sqs;
        _queueUrl = queueUrl;
        _invoke = invoke;
        _functionConcurrency = functionConcurrency;
        _progress = progress;
    }

    public EventSourceMappingDefinition Definition => _definition;

    public long Invocations => Interlocked.Read(ref _invocations);

    public long FunctionErrors => Interlocked.Read(ref _functionErrors);

    /// <summary>Receives the function's role was refused, or the queue failed.</summary>
    public long PollErrors => Interlocked.Read(ref _pollErrors);

    /// <param name="sqs">A client whose calls go through the function role's IAM gate.</param>
    public static SqsEventSourceMapping Start(EventSourceMappingDefinition definition, IAmazonSQS sqs, string queueUrl, Func<Stream, Task<Stream>> invoke, ConcurrencyLimit functionConcurrency, TextWriter progress)
    {
        var mapping = new SqsEventSourceMapping(definition, sqs, queueUrl, invoke, functionConcurrency, progress);
        for (var i = 0; i < Math.Max(1, definition.MaximumConcurrency); i++)
        {
            mapping._pollers.Add(Task.Run(mapping.PollAsync));
        }

        return mapping;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await Task.WhenAll(_pollers);
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private async Task PollAsync()
    {
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            try
            {
                await PollOnceAsync(token);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is AmazonSQSException or HttpRequestException or IOException)
            {
                if (Interlocked.Increment(ref _pollErrors) == 1)
                {
                    await _progress.WriteLineAsync($"sandbox: {_definition.LogicalId} cannot poll {_definition.QueueArn}: {ex.Message}");
                }

                await Task.Delay(TimeSpan.FromMilliseconds(500), token);
            }
        }
    }

    private async Task PollOnceAsync(CancellationToken token)
    {
        var received = await _sqs.ReceiveMessageAsync(
            new ReceiveMessageRequest
            {
                QueueUrl = _queueUrl,
                MaxNumberOfMessages = Math.Clamp(_definition.BatchSize, 1, 10),
                WaitTimeSeconds = 1,
                MessageSystemAttributeNames = ["All"],
            },
            token);
        if (received.Messages is not { Count: > 0 } messages)
        {
            return;
        }

        var slot = _functionConcurrency.TryEnter();
        while (slot is null)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20), token);
            slot = _functionConcurrency.TryEnter();
        }

        HashSet<string> failed;
        using (slot)
        {
            Interlocked.Increment(ref _invocations);
            try
            {
                await using var output = await _invoke(new MemoryStream(Encoding.UTF8.GetBytes(EventJson(messages))));
                failed = BatchItemFailures(output, messages);
            }
#pragma warning disable CA1031 // A function error of any kind leaves the whole batch to its visibility timeout, as Lambda does.
            catch (Exception)
#pragma warning restore CA1031
            {
                Interlocked.Increment(ref _functionErrors);
                return;
            }
        }

        var done = messages.Where(m => !failed.Contains(m.MessageId)).ToList();
        if (done.Count > 0)
        {
            await _sqs.DeleteMessageBatchAsync(
                new DeleteMessageBatchRequest
                {
                    QueueUrl = _queueUrl,
                    Entries = [.. done.Select((m, i) => new DeleteMessageBatchRequestEntry(i.ToString(CultureInfo.InvariantCulture), m.ReceiptHandle))],
                },
                CancellationToken.None);
        }
    }

    /// <summary>The reported failures; every message when the mapping does not report item failures and any failed.</summary>
    private HashSet<string> BatchItemFailures(Stream output, List<Message> messages)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        using var document = JsonDocument.Parse(output);
        if (document.RootElement.ValueKind == JsonValueKind.Object
            && document.RootElement.TryGetProperty("batchItemFailures", out var failures)
            && failures.ValueKind == JsonValueKind.Array)
        {
            foreach (var failure in failures.EnumerateArray())
            {
                if (failure.TryGetProperty("itemIdentifier", out var id) && id.GetString() is { } text)
                {
                    ids.Add(text);
                }
            }
        }

        if (ids.Count > 0 && !_definition.ReportBatchItemFailures)
        {
            ids.UnionWith(messages.Select(m => m.MessageId));
        }

        return ids;
    }

    /// <summary>The SQS event Lambda hands the function.</summary>
    private string EventJson(List<Message> messages)
    {
        var region = _definition.QueueArn.Split(':') is { Length: > 3 } parts ? parts[3] : string.Empty;
        var records = new JsonArray();
        foreach (var message in messages)
        {
            var attributes = new JsonObject();
            foreach (var (name, value) in message.Attributes ?? [])
            {
                attributes[name] = value;
            }

            records.Add(new JsonObject
            {
                ["messageId"] = message.MessageId,
                ["receiptHandle"] = message.ReceiptHandle,
                ["body"] = message.Body,
                ["attributes"] = attributes,
                ["messageAttributes"] = new JsonObject(),
                ["md5OfBody"] = message.MD5OfBody,
                ["eventSource"] = "aws:sqs",
                ["eventSourceARN"] = _definition.QueueArn,
                ["awsRegion"] = region,
            });
        }

        return new JsonObject { ["Records"] = records }.ToJsonString();
    }
}

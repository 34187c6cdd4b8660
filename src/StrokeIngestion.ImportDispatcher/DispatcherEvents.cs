using System.Text.Json.Serialization;

namespace StrokeIngestion.ImportDispatcher;

/// <summary>The SQS event the event source mapping delivers (the fields the dispatcher reads).</summary>
internal sealed record SqsEvent([property: JsonPropertyName("Records")] IReadOnlyList<SqsRecord>? Records);

internal sealed record SqsRecord(
    [property: JsonPropertyName("messageId")] string? MessageId,
    [property: JsonPropertyName("receiptHandle")] string? ReceiptHandle,
    [property: JsonPropertyName("body")] string? Body,
    [property: JsonPropertyName("attributes")] IReadOnlyDictionary<string, string>? Attributes,
    [property: JsonPropertyName("eventSourceARN")] string? EventSourceArn);

/// <summary>The scheduled rule's input: <c>{"action":"sweep"}</c>.</summary>
internal sealed record ScheduledAction([property: JsonPropertyName("action")] string? Action);

/// <summary>The partial-batch answer (ReportBatchItemFailures).</summary>
internal sealed record BatchResponse([property: JsonPropertyName("batchItemFailures")] IReadOnlyList<BatchItemFailure> BatchItemFailures);

internal sealed record BatchItemFailure([property: JsonPropertyName("itemIdentifier")] string ItemIdentifier);

internal sealed record SweepResponse(
    [property: JsonPropertyName("slots_freed")] int SlotsFreed,
    [property: JsonPropertyName("studies_requeued")] int StudiesRequeued);

[JsonSerializable(typeof(SqsEvent))]
[JsonSerializable(typeof(ScheduledAction))]
[JsonSerializable(typeof(BatchResponse))]
[JsonSerializable(typeof(SweepResponse))]
internal sealed partial class DispatcherJsonContext : JsonSerializerContext;

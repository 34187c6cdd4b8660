using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using StrokeIngestion.Core.Admission;
using StrokeIngestion.Core.Observability;
using StrokeIngestion.Core.Ports;

namespace StrokeIngestion.ImportDispatcher;

/// <summary>
/// Lambda entry of the import dispatcher (handler
/// <c>StrokeIngestion.ImportDispatcher::StrokeIngestion.ImportDispatcher.Function::Handle</c>).
/// Two inputs: an SQS batch from either import queue (answers <c>{"batchItemFailures":[…]}</c>,
/// the event source mapping keeps those messages), or the sweeper's schedule
/// <c>{"action":"sweep"}</c> (answers <c>{"slots_freed":n,"studies_requeued":m}</c>). Partial: the composition root lives beside it.
/// </summary>
[SuppressMessage("Naming", "CA1716:Identifiers should not match keywords", Justification = "The Lambda handler string fixes the name Function.")]
public sealed partial class Function
{
    public const string SweepAction = "sweep";

    private readonly DispatchBatch _batch;
    private readonly SlotReconciler _reconciler;
    private readonly StuckStudySweeper? _sweeper;
    private readonly StructuredLog _log;

    /// <summary>Wires the function to services built elsewhere (tests, the local sandbox).</summary>
    /// <param name="sweeper">Sends stuck QUEUED studies again on each sweep; null: slots only.</param>
    public Function(DispatchBatch batch, SlotReconciler reconciler, StructuredLog log, StuckStudySweeper? sweeper = null)
    {
        _batch = batch;
        _reconciler = reconciler;
        _sweeper = sweeper;
        _log = log;
    }

    /// <exception cref="InvalidDataException">The input is neither an SQS batch nor the sweep action.</exception>
    public async Task<Stream> Handle(Stream input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var document = await JsonDocument.ParseAsync(input);
        var root = document.RootElement;
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("Records", out _))
        {
            var batch = root.Deserialize(DispatcherJsonContext.Default.SqsEvent);
            var failures = await _batch.RunAsync(ToImports(batch?.Records ?? []), CancellationToken.None);
            return Encode(new BatchResponse([.. failures.Select(id => new BatchItemFailure(id))]), DispatcherJsonContext.Default.BatchResponse);
        }

        if (root.ValueKind == JsonValueKind.Object && root.Deserialize(DispatcherJsonContext.Default.ScheduledAction)?.Action == SweepAction)
        {
            var freed = await _reconciler.ReconcileAsync(CancellationToken.None);
            var requeued = _sweeper is null ? [] : await _sweeper.RequeueAsync(CancellationToken.None);
            _log.Info("Sweep", new LogField("slots_freed", freed.Count), new LogField("studies_requeued", requeued.Count));
            return Encode(new SweepResponse(freed.Count, requeued.Count), DispatcherJsonContext.Default.SweepResponse);
        }

        _log.Error("Dispatcher input is neither an SQS batch nor a sweep");
        throw new InvalidDataException("Expected an SQS event or {\"action\":\"sweep\"}.");
    }

    private static List<QueuedImport> ToImports(IReadOnlyList<SqsRecord> records) =>
        [.. records.Select(record => new QueuedImport(
            record.MessageId ?? string.Empty,
            record.Body,
            record.Attributes?.TryGetValue("ApproximateReceiveCount", out var count) == true && int.TryParse(count, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 1,
            new QueueDelivery(record.EventSourceArn ?? string.Empty, record.ReceiptHandle ?? string.Empty)))];

    private static MemoryStream Encode<T>(T value, JsonTypeInfo<T> type)
    {
        var output = new MemoryStream();
        JsonSerializer.Serialize(output, value, type);
        output.Position = 0;
        return output;
    }
}

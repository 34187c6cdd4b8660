using System.Buffers;
using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using StrokeIngestion.Core.Domain;
using StrokeIngestion.Core.Http;
using StrokeIngestion.Core.Observability;
using StrokeIngestion.Core.Ports;
using StrokeIngestion.Core.Resilience;
using StrokeIngestion.Core.Settings;
using StrokeIngestion.Core.Upload;
using StrokeIngestion.Sandbox.Dicom;
using StrokeIngestion.UploadHandler;

namespace StrokeIngestion.Benchmarks.Upload;

/// <summary>
/// One POST /upload of a single CT slice through the whole handler, with ports that answer
/// at once from memory: what the function itself costs per request, remote calls excluded.
/// Every invocation sends a fresh Idempotency-Key, so each one is a new study that runs the
/// full path (parse, HEAD, header read, create, copy, import, workflow, update, log, JSON)
/// rather than the duplicate short-circuit; a response other than 202 fails the benchmark.
/// </summary>
/// <remarks>Not sealed: BenchmarkDotNet derives from benchmark classes.</remarks>
[MemoryDiagnoser]
public class UploadRequestBenchmark
{
    private const string Bucket = "stroke-detection-ai-dicom-uploads-111122223333";
    private const string DatastoreId = "0123456789abcdef0123456789abcdef";
    private const string ObjectKey = "uploads/bench/ct-slice-0001.dcm";

    private static readonly byte[] Accepted = "{\"statusCode\":202,"u8.ToArray();

    private readonly UploadEndpoint _endpoint;
    private readonly Function _function;
    private readonly HttpApiRequest _request;
    private readonly Dictionary<string, string> _headers;
    private readonly byte[] _event;
    private readonly int _keyDigitsOffset;
    private long _sequence;

    public UploadRequestBenchmark()
    {
        // The slice carries the event's patient id, so the request passes validation.
        var slice = SyntheticDicom.Create(SyntheticDicom.NewParameters(modality: "CT", patientId: "1CT1"));
        var time = TimeProvider.System;
        var settings = new UploadSettings
        {
            Region = "eu-west-1",
            StudyTableName = "stroke-detection-ai-study-metadata",
            UploadBucketName = Bucket,
            DatastoreId = DatastoreId,
            ImportRoleArn = "arn:aws:iam::111122223333:role/stroke-detection-ai-import",
            StateMachineArn = "arn:aws:states:eu-west-1:111122223333:stateMachine:stroke-detection-ai-processing",
            UploadPrefix = "uploads/",
            ImportInputPrefix = "imports/",
            ImportOutputPrefix = "import-output/",
            AllowedModalities = new HashSet<string>(["CT", "MR"], StringComparer.Ordinal),
            Endpoints = new AwsEndpoints(null, null, null, null),
        };
        var job = new ImportJob("0a1b2c3d4e5f60718293a4b5c6d7e8f9", DatastoreId, ImportJobStatus.Submitted, null, null, time.GetUtcNow(), null);

        // The composition root's retry policies: they never wait here, but their wrapping is part of each call.
        var service = new UploadService(
            new SingleObjectStore(Bucket, ObjectKey, slice),
            new BoundedStudyStore(),
            new InstantImportService(job),
            new InstantWorkflowStarter("arn:aws:states:eu-west-1:111122223333:execution:stroke-detection-ai-processing:bench"),
            settings,
            time,
            RetryPolicy.Create(maxAttempts: 4, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1), time),
            RetryPolicy.Create(maxAttempts: 6, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(4), time));

        // The line is formatted in full and then dropped: formatting is the handler's cost, writing stdout is not.
        var log = new StructuredLog(TextWriter.Null, time);
        _endpoint = new UploadEndpoint(service, settings.UploadPrefix, log);
        _function = new Function(_endpoint, log);

        _event = BenchEvents.Load(BenchEvents.UploadCtSlice);
        _request = JsonSerializer.Deserialize(_event, HttpJsonContext.Default.HttpApiRequest)
            ?? throw new InvalidOperationException("The upload event did not decode.");
        _headers = _request.Headers ?? throw new InvalidOperationException("The upload event has no headers.");
        var placeholder = Encoding.UTF8.GetBytes(BenchEvents.KeyPrefix + new string('0', BenchEvents.KeyDigits));
        var at = _event.AsSpan().IndexOf(placeholder);
        _keyDigitsOffset = at >= 0
            ? at + BenchEvents.KeyPrefix.Length
            : throw new InvalidOperationException("The upload event lacks the Idempotency-Key placeholder.");
    }

    /// <summary>The in-process path: a decoded request in, a response record out.</summary>
    [Benchmark(Description = "UploadEndpoint.HandleAsync")]
    [Goal(maxMilliseconds: 1, maxKilobytes: 64)]
    public async Task<int> EndpointHandleAsync()
    {
        _headers["idempotency-key"] = BenchEvents.KeyPrefix + (++_sequence).ToString("D20", null);
        var response = await _endpoint.HandleAsync(_request, CancellationToken.None);
        return response.StatusCode == 202
            ? response.StatusCode
            : throw new InvalidOperationException($"Expected 202, got {response.StatusCode}: {response.Body}");
    }

    /// <summary>What the Lambda runtime calls: event JSON in, response JSON out (decode and encode included).</summary>
    [Benchmark(Description = "Function.Handle(Stream)")]
    [Goal(maxMilliseconds: 1, maxKilobytes: 64)]
    public async Task<long> FunctionHandleAsync()
    {
        // Rewrites the key's digits in place: a new study per call without allocating a new event.
        Utf8Formatter.TryFormat(++_sequence, _event.AsSpan(_keyDigitsOffset, BenchEvents.KeyDigits), out _, new StandardFormat('D', BenchEvents.KeyDigits));
        await using var output = await _function.Handle(new MemoryStream(_event, writable: false));
        if (output is not MemoryStream buffer || !buffer.TryGetBuffer(out var written) || !written.AsSpan().StartsWith(Accepted))
        {
            throw new InvalidOperationException("Expected a 202 response.");
        }

        return output.Length;
    }
}

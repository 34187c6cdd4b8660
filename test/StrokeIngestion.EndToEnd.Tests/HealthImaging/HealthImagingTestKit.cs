using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using StrokeIngestion.Sandbox.HealthImaging;

namespace StrokeIngestion.EndToEnd.Tests.HealthImaging;

/// <summary>
/// Test-only stand-in for a DICOM P10 file: a text header naming the attributes the emulator
/// groups by. The real reader is plugged in by the sandbox host.
/// </summary>
internal static class SyntheticDicom
{
    private const string Magic = "SYNTHETIC-DICOM";

    public static byte[] Instance(string patientId, string study, string series, string sop, string transferSyntax = "1.2.840.10008.1.2.1") =>
        Encoding.UTF8.GetBytes(
            $"{Magic}\nPatientID={patientId}\nStudyInstanceUID={study}\nSeriesInstanceUID={series}\nSOPInstanceUID={sop}\nTransferSyntaxUID={transferSyntax}\n");

    public static byte[] WithoutSopInstanceUid(string patientId, string study, string series) =>
        Encoding.UTF8.GetBytes($"{Magic}\nPatientID={patientId}\nStudyInstanceUID={study}\nSeriesInstanceUID={series}\n");

    public static byte[] NotDicom() => Encoding.UTF8.GetBytes("just a text file");

    /// <summary>Reads <see cref="Instance"/> bytes; anything else is a customer error.</summary>
    internal sealed class Inspector : IDicomInstanceInspector
    {
        public DicomInstanceCheck Inspect(byte[] file)
        {
            var lines = Encoding.UTF8.GetString(file).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            if (lines.Length == 0 || lines[0] != Magic)
            {
                return DicomInstanceCheck.Invalid("The file is not a DICOM P10 file");
            }

            var attributes = lines.Skip(1)
                .Select(l => l.Split('=', 2))
                .Where(p => p.Length == 2)
                .ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
            foreach (var name in new[] { "PatientID", "StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID", "TransferSyntaxUID" })
            {
                if (!attributes.ContainsKey(name))
                {
                    return DicomInstanceCheck.Invalid($"DICOM attribute {name} does not exist");
                }
            }

            return DicomInstanceCheck.Valid(new DicomInstanceIdentity(
                attributes["PatientID"],
                attributes["StudyInstanceUID"],
                attributes["SeriesInstanceUID"],
                attributes["SOPInstanceUID"],
                attributes["TransferSyntaxUID"]));
        }
    }
}

/// <summary>S3 in a dictionary, listing keys in the byte order S3 uses.</summary>
internal sealed class InMemoryImportStorage : IImportObjectStorage
{
    private readonly ConcurrentDictionary<string, byte> _buckets = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Bucket, string Key), byte[]> _objects = new();

    public void CreateBucket(string bucket) => _buckets[bucket] = 0;

    public void Put(string bucket, string key, byte[] content)
    {
        CreateBucket(bucket);
        _objects[(bucket, key)] = content;
    }

    public bool Contains(string bucket, string key) => _objects.ContainsKey((bucket, key));

    public string ReadText(string bucket, string key) => Encoding.UTF8.GetString(_objects[(bucket, key)]);

    public JsonElement ReadJson(string bucket, string key) => JsonDocument.Parse(_objects[(bucket, key)]).RootElement;

    public IReadOnlyList<JsonElement> ReadNdjson(string bucket, string key) =>
        ReadText(bucket, key).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();

    public Task<IReadOnlyList<StoredObject>> ListAsync(string bucket, string prefix, CancellationToken cancellationToken)
    {
        RequireBucket(bucket);
        IReadOnlyList<StoredObject> objects = _objects
            .Where(o => o.Key.Bucket == bucket && o.Key.Key.StartsWith(prefix, StringComparison.Ordinal))
            .Select(o => new StoredObject(o.Key.Key, o.Value.Length))
            .OrderBy(o => o.Key, StringComparer.Ordinal)
            .ToList();
        return Task.FromResult(objects);
    }

    public Task<byte[]> ReadAsync(string bucket, string key, CancellationToken cancellationToken) =>
        _objects.TryGetValue((bucket, key), out var content)
            ? Task.FromResult(content)
            : throw new KeyNotFoundException("NoSuchKey");

    public Task WriteAsync(string bucket, string key, byte[] content, string contentType, CancellationToken cancellationToken)
    {
        RequireBucket(bucket);
        _objects[(bucket, key)] = content;
        return Task.CompletedTask;
    }

    private void RequireBucket(string bucket)
    {
        if (!_buckets.ContainsKey(bucket))
        {
            throw new InvalidOperationException("NoSuchBucket");
        }
    }
}

/// <summary>
/// A started emulator on loopback with fake time, in-memory S3 and the synthetic inspector,
/// plus an HttpClient that sends what a SigV4 client sends (signatures aren't checked).
/// </summary>
internal sealed class HealthImagingHarness : IAsyncDisposable
{
    public const string DatastoreId = "0123456789abcdef0123456789abcdef";
    public const string Bucket = "stroke-detection-ai-dicom-uploads-123456789012";
    public const string RoleArn = "arn:aws:iam::123456789012:role/stroke-detection-ai-import";
    public const string OutputS3Uri = "s3://" + Bucket + "/import-output/STUDY-0123456789ab/";

    public static readonly DateTimeOffset Start = new(2026, 11, 25, 10, 0, 0, 250, TimeSpan.Zero);

    private readonly InMemoryImportStorage? _inMemory;

    private HealthImagingHarness(HealthImagingEmulator emulator, FakeTimeProvider time, InMemoryImportStorage? inMemory, HttpClient client)
    {
        Emulator = emulator;
        Time = time;
        _inMemory = inMemory;
        Client = client;
    }

    public HealthImagingEmulator Emulator { get; }

    public FakeTimeProvider Time { get; }

    /// <summary>The in-memory S3, unless the harness was started on other storage.</summary>
    public InMemoryImportStorage Storage => _inMemory ?? throw new InvalidOperationException("This harness runs on real S3.");

    public HttpClient Client { get; }

    public static string Authorization(string service = "medical-imaging", string region = "us-east-1") =>
        $"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261125/{region}/{service}/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature={new string('a', 64)}";

    public static async Task<HealthImagingHarness> StartAsync(
        HealthImagingEmulatorOptions? options = null,
        TimeProvider? realTime = null,
        IImportObjectStorage? storage = null)
    {
        var time = new FakeTimeProvider(Start);
        var inMemory = storage is null ? new InMemoryImportStorage() : null;
        inMemory?.CreateBucket(Bucket);
        var emulator = new HealthImagingEmulator(
            options ?? Options(),
            storage ?? inMemory ?? throw new InvalidOperationException(),
            new SyntheticDicom.Inspector(),
            realTime ?? time);
        var baseAddress = await emulator.StartAsync();
        var client = new HttpClient { BaseAddress = baseAddress };
        return new HealthImagingHarness(emulator, time, inMemory, client);
    }

    /// <summary>
    /// The harness's default: no throttle and 1 s + 1 s jobs, for tests about something other
    /// than quotas and timing; a test about them starts from here and sets what it checks.
    /// </summary>
    public static HealthImagingEmulatorOptions Options() => HealthImagingEmulatorOptions.Unthrottled with { DatastoreId = DatastoreId };

    public static Dictionary<string, object?> StartBody(
        string clientToken = "client-token-1",
        string inputPrefix = "imports/STUDY-0123456789ab/") => new()
        {
            ["jobName"] = "stroke-STUDY-0123456789ab",
            ["clientToken"] = clientToken,
            ["dataAccessRoleArn"] = RoleArn,
            ["inputS3Uri"] = $"s3://{Bucket}/{inputPrefix}",
            ["outputS3Uri"] = OutputS3Uri,
        };

    public static string ManifestKey(string jobId) => $"import-output/STUDY-0123456789ab/{DatastoreId}-DicomImport-{jobId}/job-output-manifest.json";

    public static string OutputKey(string jobId, string file) => $"import-output/STUDY-0123456789ab/{DatastoreId}-DicomImport-{jobId}/{file}";

    public void PutInput(string inputPrefix, string name, byte[] content) => Storage.Put(Bucket, inputPrefix + name, content);

    public Task<HttpResponseMessage> PostStartAsync(object body, string datastoreId = DatastoreId, string? authorization = null) =>
        SendAsync(HttpMethod.Post, $"startDICOMImportJob/datastore/{datastoreId}", JsonSerializer.Serialize(body), authorization);

    public Task<HttpResponseMessage> PostStartRawAsync(string body, string datastoreId = DatastoreId) =>
        SendAsync(HttpMethod.Post, $"startDICOMImportJob/datastore/{datastoreId}", body, null);

    public Task<HttpResponseMessage> GetJobAsync(string jobId, string datastoreId = DatastoreId) =>
        SendAsync(HttpMethod.Get, $"getDICOMImportJob/datastore/{datastoreId}/job/{jobId}", null, null);

    public Task<HttpResponseMessage> ListJobsAsync(string query = "", string datastoreId = DatastoreId) =>
        SendAsync(HttpMethod.Get, $"listDICOMImportJobs/datastore/{datastoreId}{query}", null, null);

    /// <summary>Starts a job and returns its id; fails the test on anything but 200.</summary>
    public async Task<string> StartJobAsync(string clientToken, string inputPrefix)
    {
        using var response = await PostStartAsync(StartBody(clientToken, inputPrefix));
        var json = await JsonAsync(response);
        Assert.Equal(200, (int)response.StatusCode);
        return json.GetProperty("jobId").GetString() ?? throw new InvalidOperationException("no jobId");
    }

    /// <summary>Moves past every job's end and returns the job's properties.</summary>
    public async Task<JsonElement> RunToEndAsync(string jobId)
    {
        Time.Advance(TimeSpan.FromSeconds(2));
        using var response = await GetJobAsync(jobId);
        Assert.Equal(200, (int)response.StatusCode);
        return (await JsonAsync(response)).GetProperty("jobProperties");
    }

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return JsonDocument.Parse(text).RootElement;
    }

    public static string? ErrorType(HttpResponseMessage response) =>
        response.Headers.TryGetValues("X-Amzn-Errortype", out var values) ? values.Single() : null;

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Emulator.DisposeAsync();
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? body, string? authorization)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.TryAddWithoutValidation("Authorization", authorization ?? Authorization());
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        return await Client.SendAsync(request);
    }
}

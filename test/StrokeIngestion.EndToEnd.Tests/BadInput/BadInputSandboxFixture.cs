using System.Diagnostics;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.S3.Model;
using StrokeIngestion.Sandbox.HealthImaging;
using StrokeIngestion.Sandbox.Host;
using StrokeIngestion.EndToEnd.Tests.Support;
using StrokeIngestion.Testing;

namespace StrokeIngestion.EndToEnd.Tests.BadInput;

/// <summary>The bad-input tests share one sandbox and so run one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class BadInputSandbox : ICollectionFixture<BadInputSandboxFixture>
{
    public const string Name = "BadInputSandbox";
}

/// <summary>
/// A sandbox of its own for the bad-input proof (its counters must start at zero), and the
/// corpus run, done once and shared by the tests: objects into s3rver, every case through
/// the local HTTP API, then a snapshot of every side effect a request could have had.
/// A missing tool does not fail the start: the tests skip naming it (or fail under
/// STROKE_REQUIRE_TOOLS=1).
/// </summary>
public sealed class BadInputSandboxFixture : IAsyncLifetime, IDisposable
{
    private const int Parallelism = 4;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(12);

    private readonly TestSandbox _sandbox = new();
    private readonly Lock _gate = new();
    private Task<CorpusRun>? _corpusRun;

    /// <summary>The running sandbox; skips the calling test when a tool is missing, fails it when the start failed.</summary>
    internal SandboxHost Host => _sandbox.Host;

    internal HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>What the sandbox printed while starting (checked for patient data too).</summary>
    internal string Progress => _sandbox.ProgressText;

    internal Uri UploadUrl => new(Host.ApiBaseUrl + "/upload");

    public async Task InitializeAsync()
    {
        var clock = Stopwatch.StartNew();
        // The corpus is ~1,000 requests sent as fast as the API answers: a test of what each
        // answer says, not of the stage's throttle (LocalHttpApiQuotaTests covers that), so the
        // stage's route throttle is lifted here; everything else keeps the real quotas.
        await _sandbox.StartAsync("badinput", StartTimeout, TestSandbox.WithoutStageThrottle);
        await _sandbox.Progress.WriteLineAsync($"badinput: sandbox ready after {clock.Elapsed.TotalSeconds:0.0} s");
    }

    public Task DisposeAsync() => _sandbox.DisposeAsync().AsTask();

    public void Dispose() => Http.Dispose();

    /// <summary>Builds and sends the corpus the first time it is asked for; later calls get the same run.</summary>
    internal Task<CorpusRun> CorpusRunAsync()
    {
        var host = Host;
        lock (_gate)
        {
            return _corpusRun ??= RunCorpusAsync(host);
        }
    }

    internal async Task PutObjectsAsync(IEnumerable<CorpusObject> objects, CancellationToken cancellationToken)
    {
        var host = Host;
        await Parallel.ForEachAsync(
            objects,
            new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken },
            async (item, ct) => await host.S3.PutObjectAsync(
                new PutObjectRequest
                {
                    BucketName = host.BucketName,
                    Key = item.Key,
                    InputStream = new MemoryStream(item.Content),
                    UseChunkEncoding = false,
                },
                ct));
    }

    /// <summary>Sends one case as raw bytes with its headers, and reads the error envelope if there is one.</summary>
    internal async Task<CaseAnswer> SendAsync(BadInputCase item, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, UploadUrl) { Content = new ByteArrayContent(item.Body) };
        if (item.ContentType is not null)
        {
            request.Content.Headers.TryAddWithoutValidation("Content-Type", item.ContentType);
        }

        foreach (var (name, value) in item.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await Http.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        string? code = null;
        string? field = null;
        string? message = null;
        try
        {
            using var json = JsonDocument.Parse(text);
            if (json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
            {
                code = String(error, "code");
                field = String(error, "field");
                message = String(error, "message");
            }
        }
        catch (JsonException)
        {
            // Not an error envelope: the checks report the case with its body.
        }

        return new CaseAnswer(item, (int)response.StatusCode, code, field, message, text);

        static string? String(JsonElement element, string name) =>
            element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
    }

    /// <summary>Everything a request could have changed, counted across the sandbox.</summary>
    internal async Task<SideEffects> SideEffectsAsync(CancellationToken cancellationToken)
    {
        var host = Host;
        return new SideEffects(
            StudyRecords: await CountStudiesAsync(host, cancellationToken),
            ImportCopies: (await ListKeysAsync("imports/", cancellationToken)).Count,
            ImportOutputs: (await ListKeysAsync("import-output/", cancellationToken)).Count,
            ImportJobsCreated: host.HealthImaging.Counters.TotalJobsCreated,
            StartImportRequests: host.HealthImaging.Counters.Requests(HealthImagingOperation.StartDICOMImportJob),
            StartExecutionCalls: host.StepFunctions.Counters.StartExecutionCalls,
            Executions: host.StepFunctions.Executions().Count);
    }

    internal async Task<IReadOnlyList<string>> ListKeysAsync(string prefix, CancellationToken cancellationToken)
    {
        var host = Host;
        var keys = new List<string>();
        string? token = null;
        do
        {
            var page = await host.S3.ListObjectsV2Async(
                new ListObjectsV2Request { BucketName = host.BucketName, Prefix = prefix, ContinuationToken = token },
                cancellationToken);
            keys.AddRange((page.S3Objects ?? []).Select(o => o.Key));
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);
        return keys;
    }

    internal async Task<byte[]> GetObjectAsync(string key, CancellationToken cancellationToken)
    {
        var host = Host;
        using var response = await host.S3.GetObjectAsync(host.BucketName, key, cancellationToken);
        using var buffer = new MemoryStream();
        await response.ResponseStream.CopyToAsync(buffer, cancellationToken);
        return buffer.ToArray();
    }

    internal async Task<Dictionary<string, AttributeValue>?> GetStudyAsync(string studyId, CancellationToken cancellationToken)
    {
        var host = Host;
        var read = await host.DynamoDb.GetItemAsync(
            new GetItemRequest
            {
                TableName = host.TableName,
                Key = new() { ["study_id"] = new AttributeValue { S = studyId } },
                ConsistentRead = true,
            },
            cancellationToken);
        return read.Item;
    }

    private async Task<CorpusRun> RunCorpusAsync(SandboxHost host)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var clock = Stopwatch.StartNew();
        var corpus = BadInputCorpus.Build(BadInputCorpus.SeedFromEnvironment());
        var built = clock.Elapsed;
        var objects = corpus.AllObjects();
        await PutObjectsAsync(objects, timeout.Token);
        var stored = clock.Elapsed;

        var answers = new CaseAnswer[corpus.Cases.Count];
        await Parallel.ForAsync(
            0,
            corpus.Cases.Count,
            new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = timeout.Token },
            async (i, ct) => answers[i] = await SendAsync(corpus.Cases[i], ct));
        var sent = clock.Elapsed;

        var effects = await SideEffectsAsync(timeout.Token);
        _sandbox.Progress.WriteLine($"badinput: corpus against {host.ApiBaseUrl}");
        return new CorpusRun(corpus, answers, effects, objects.Count, built, stored - built, sent - stored);
    }

    private static Task<int> CountStudiesAsync(SandboxHost host, CancellationToken cancellationToken) =>
        StudyRecords.CountAsync(host.DynamoDb, host.TableName, cancellationToken);
}

/// <summary>The corpus, every answer (same order as the cases), the side effects right after, and timings.</summary>
internal sealed record CorpusRun(
    BadInputCorpus Corpus,
    IReadOnlyList<CaseAnswer> Answers,
    SideEffects SideEffects,
    int ObjectsStored,
    TimeSpan BuildTime,
    TimeSpan StoreTime,
    TimeSpan SendTime);

/// <summary>Counts that any accepted upload raises.</summary>
internal sealed record SideEffects(
    int StudyRecords,
    int ImportCopies,
    int ImportOutputs,
    int ImportJobsCreated,
    int StartImportRequests,
    long StartExecutionCalls,
    int Executions);

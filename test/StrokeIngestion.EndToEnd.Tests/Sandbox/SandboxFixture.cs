using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.S3.Model;
using StrokeIngestion.Core.Domain;
using StrokeIngestion.Sandbox.Dicom;
using StrokeIngestion.Sandbox.Host;
using StrokeIngestion.Sandbox.StepFunctions;
using StrokeIngestion.EndToEnd.Tests.Support;
using StrokeIngestion.Testing;

namespace StrokeIngestion.EndToEnd.Tests.Sandbox;

/// <summary>Every class that drives the one shared sandbox joins this collection (so they also run one at a time).</summary>
[CollectionDefinition(Name)]
public sealed class SharedSandbox : ICollectionFixture<SandboxFixture>
{
    public const string Name = "Sandbox";
}

/// <summary>
/// One local sandbox for all end-to-end tests: synthesizes the stack when no cloud assembly
/// exists yet, starts <see cref="SandboxHost"/> with fast clocks on a temporary state
/// directory, and stops it (every process and listener) at the end. A missing tool does not
/// fail the start: every test then skips with the tool's name (or fails under STROKE_REQUIRE_TOOLS=1).
/// The helpers act as a clinician's tool would: S3 PutObject, POST /upload, then read the study.
/// </summary>
public sealed class SandboxFixture : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan TerminalTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    private readonly TestSandbox _sandbox = new();
    private readonly string _name;
    private readonly Action<JsonObject>? _editTemplate;
    private readonly ConcurrentDictionary<string, byte> _phi = new(StringComparer.Ordinal);
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>The running sandbox; skips the calling test when a tool is missing, fails it when the start failed.</summary>
    internal SandboxHost Host => _sandbox.Host;

    /// <summary>Patient ids, names and upload keys the tests sent: none may appear in the function logs.</summary>
    public IReadOnlyCollection<string> PhiUsed => [.. _phi.Keys];

    public SandboxFixture()
        : this("e2e", editTemplate: null)
    {
    }

    /// <summary>A sandbox of its own, running a copy of the template changed by <paramref name="editTemplate"/>.</summary>
    internal SandboxFixture(string name, Action<JsonObject>? editTemplate)
    {
        _name = name;
        _editTemplate = editTemplate;
    }

    public Task InitializeAsync() => _sandbox.StartAsync(_name, StartTimeout, _editTemplate);

    public Task DisposeAsync() => _sandbox.DisposeAsync().AsTask();

    public void Dispose() => _http.Dispose();

    /// <summary>Remembers values that are PHI so the log test can look for them.</summary>
    public void RecordPhi(params string[] values)
    {
        foreach (var value in values)
        {
            _phi.TryAdd(value, 0);
        }
    }

    /// <summary>A unique folder under uploads/ (the bucket is shared by every test).</summary>
    public static string NewFolder(string name) => $"uploads/{name}-{Guid.NewGuid():N}/";

    /// <summary>
    /// One synthetic study: <paramref name="series"/> series of <paramref name="slicesPerSeries"/>
    /// images each, all with the same patient and StudyInstanceUID.
    /// </summary>
    public static GeneratedStudy NewStudy(string modality, string patientId, int series = 1, int slicesPerSeries = 1, string patientName = "Synthetic^Patient")
    {
        var studyUid = SyntheticDicom.NewUid();
        var files = new List<byte[]>();
        var seriesUids = new List<string>();
        for (var s = 0; s < series; s++)
        {
            var seriesUid = SyntheticDicom.NewUid();
            seriesUids.Add(seriesUid);
            for (var i = 1; i <= slicesPerSeries; i++)
            {
                files.Add(SyntheticDicom.Create(new SyntheticDicomParameters
                {
                    PatientId = patientId,
                    PatientName = patientName,
                    Modality = modality,
                    StudyInstanceUid = studyUid,
                    SeriesInstanceUid = seriesUid,
                    SopInstanceUid = SyntheticDicom.NewUid(),
                    InstanceNumber = i,
                }));
            }
        }

        return new GeneratedStudy(studyUid, seriesUids, files);
    }

    /// <summary>Stores the bytes exactly as given (no aws-chunked framing, which s3rver would keep).</summary>
    public async Task PutObjectAsync(string key, byte[] content)
    {
        await Host.S3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = Host.BucketName,
            Key = key,
            InputStream = new MemoryStream(content),
            UseChunkEncoding = false,
        });
    }

    /// <summary>Puts each file as <c>{folder}slice-NNN.dcm</c>.</summary>
    public async Task PutFolderAsync(string folder, IReadOnlyList<byte[]> files)
    {
        for (var i = 0; i < files.Count; i++)
        {
            await PutObjectAsync($"{folder}slice-{i + 1:D3}.dcm", files[i]);
        }
    }

    /// <summary>POST {api}/upload with a JSON body, as the seed's curl does.</summary>
    public async Task<ApiAnswer> PostUploadAsync(
        string patientId,
        string fileKey,
        string? idempotencyKey = null,
        string contentType = "application/json",
        string studyDescription = "Brain CT - Suspected Stroke")
    {
        var body = JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["patient_id"] = patientId,
            ["study_description"] = studyDescription,
            ["file_key"] = fileKey,
        });
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Host.ApiBaseUrl + "/upload"))
        {
            Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)),
        };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        using var json = JsonDocument.Parse(text);
        return new ApiAnswer(response.StatusCode, json.RootElement.Clone(), text);
    }

    /// <summary>POSTs and expects 202 Accepted; returns the study id.</summary>
    public async Task<string> PostAcceptedAsync(string patientId, string fileKey, string? idempotencyKey = null)
    {
        var answer = await PostUploadAsync(patientId, fileKey, idempotencyKey);
        Assert.True(answer.Status == HttpStatusCode.Accepted, $"POST /upload answered {(int)answer.Status}: {answer.Text}");
        return answer.Body.GetProperty("study_id").GetString() ?? throw new InvalidOperationException("No study_id in " + answer.Text);
    }

    public async Task<Dictionary<string, AttributeValue>?> GetStudyAsync(string studyId)
    {
        var read = await Host.DynamoDb.GetItemAsync(new GetItemRequest
        {
            TableName = Host.TableName,
            Key = new() { ["study_id"] = new AttributeValue { S = studyId } },
            ConsistentRead = true,
        });
        return read.Item;
    }

    /// <summary>Polls the study record (GetItem, every 100 ms) until its status is terminal.</summary>
    /// <param name="uploadFailedEnds">
    /// Also stop at UPLOAD_FAILED: the status a study keeps when the dispatcher could not start it
    /// for good (a client retry could still resume it, so it is not terminal).
    /// </param>
    public async Task<Dictionary<string, AttributeValue>> WaitForTerminalStudyAsync(string studyId, bool uploadFailedEnds = false)
    {
        var clock = Stopwatch.StartNew();
        var status = "(no record)";
        while (clock.Elapsed < TerminalTimeout)
        {
            var item = await GetStudyAsync(studyId);
            status = item is null ? "(no record)" : Text(item, "status");
            if (item is not null && (StudyStatus.IsTerminal(status) || (uploadFailedEnds && status == StudyStatus.UploadFailed)))
            {
                return item;
            }

            await Task.Delay(PollInterval);
        }

        throw new TimeoutException($"{studyId} was still {status} after {TerminalTimeout.TotalSeconds} s.\n{_sandbox.ProgressText}");
    }

    /// <summary>Waits for the study's execution to close (the study record turns terminal a step before it does).</summary>
    internal async Task<ExecutionSnapshot> WaitForExecutionAsync(string executionArn)
    {
        using var timeout = new CancellationTokenSource(TerminalTimeout);
        return await Host.StepFunctions.WaitForCompletionAsync(executionArn, timeout.Token);
    }

    /// <summary>How many study records the table holds (not the admission ledger).</summary>
    public Task<int> CountStudiesAsync() => StudyRecords.CountAsync(Host.DynamoDb, Host.TableName);

    /// <summary>What the sandbox has done so far, to compare before and after a refused request.</summary>
    internal async Task<SideEffects> SideEffectsAsync() => new(
        await CountStudiesAsync(),
        Host.HealthImaging.Counters.TotalJobsCreated,
        Host.StepFunctions.Counters.StartExecutionCalls,
        Host.StepFunctions.Executions().Count);

    public static string Text(Dictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var value) ? value.S ?? value.N ?? string.Empty : string.Empty;

    public static IReadOnlyList<string> List(Dictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var value) && value.L is { } list ? [.. list.Select(v => v.S)] : [];
}

/// <summary>A study's files and identifiers as generated.</summary>
public sealed record GeneratedStudy(string StudyInstanceUid, IReadOnlyList<string> SeriesInstanceUids, IReadOnlyList<byte[]> Files);

/// <summary>An HTTP answer of the local API.</summary>
public sealed record ApiAnswer(HttpStatusCode Status, JsonElement Body, string Text);

/// <summary>Counts that any accepted upload raises.</summary>
internal sealed record SideEffects(int Studies, int ImportJobs, long StartExecutionCalls, int Executions);

using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Amazon.DynamoDBv2.Model;
using StrokeIngestion.Core.Domain;
using StrokeIngestion.Sandbox.Dicom;
using Xunit.Abstractions;
using static StrokeIngestion.EndToEnd.Tests.BadInput.PhiNeedles;

namespace StrokeIngestion.EndToEnd.Tests.BadInput;

/// <summary>
/// After the malformed corpus and a handful of valid uploads with distinctive patient ids,
/// names and file names have run to a terminal status, nothing the sandbox wrote (function
/// logs, events, error and success bodies, workflow inputs and outputs, HealthImaging output
/// files) holds any of them.
/// </summary>
[Collection(BadInputSandbox.Name)]
public sealed partial class PatientDataInLogsTests
{
    private static readonly TimeSpan TerminalTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan QuietPeriod = TimeSpan.FromSeconds(1);

    private readonly BadInputSandboxFixture _fixture;
    private readonly ITestOutputHelper _output;

    public PatientDataInLogsTests(BadInputSandboxFixture fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        _output = output;
    }

    [SkippableFact]
    public async Task SandboxOutputs_AfterTheCorpusAndValidUploads_ShouldHoldNoPatientIdsNamesOrFileNames()
    {
        // Arrange: the corpus has run; valid uploads follow, one of them failing its import.
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var ct = timeout.Token;
        var run = await _fixture.CorpusRunAsync();
        var bodies = new List<string>(run.Answers.Select(a => a.Body));
        var uploads = ValidUploads();
        var studies = new List<(ValidUpload Upload, string StudyId)>();

        // Act
        foreach (var upload in uploads)
        {
            await _fixture.PutObjectsAsync(upload.Objects, ct);
            var (status, body) = await PostAsync(upload, ct);
            bodies.Add(body);
            Assert.True(status == HttpStatusCode.Accepted, $"{upload.Label}: POST /upload answered {(int)status} {body}");
            studies.Add((upload, StudyIdOf(body)));
        }

        // A retry with the same key and a re-upload without one answer from the record.
        var (retryStatus, retryBody) = await PostAsync(uploads[1], ct);
        bodies.Add(retryBody);
        Assert.Equal(HttpStatusCode.Accepted, retryStatus);
        Assert.Equal(studies[1].StudyId, StudyIdOf(retryBody));

        // The same key with another body is refused, naming the header, and changes nothing.
        var (reusedStatus, reusedBody) = await PostAsync(uploads[1] with { Description = "Another description" }, ct);
        bodies.Add(reusedBody);

        var finals = new List<(ValidUpload Upload, string StudyId, string Status, string ExecutionArn)>();
        foreach (var (upload, studyId) in studies)
        {
            var item = await WaitForTerminalAsync(studyId, ct);
            finals.Add((upload, studyId, Text(item, "status"), Text(item, "execution_arn")));
        }

        foreach (var final in finals)
        {
            await _fixture.Host.StepFunctions.WaitForCompletionAsync(final.ExecutionArn, ct);
        }

        var (duplicateStatus, duplicateBody) = await PostAsync(uploads[0] with { IdempotencyKey = null }, ct);
        bodies.Add(duplicateBody);
        await WaitForQuietLogAsync(ct);

        // Assert
        foreach (var (upload, studyId, status, _) in finals)
        {
            Assert.True(status == upload.ExpectedStatus, $"{upload.Label} ({studyId}) ended {status}, expected {upload.ExpectedStatus}.");
        }

        Assert.Equal(HttpStatusCode.OK, duplicateStatus);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, reusedStatus);
        Assert.Contains("\"code\":\"idempotency_key_reused\"", reusedBody, StringComparison.Ordinal);
        Assert.Contains("\"field\":\"Idempotency-Key\"", reusedBody, StringComparison.Ordinal);

        var host = _fixture.Host;
        var lambdaLog = await File.ReadAllTextAsync(host.LambdaLogPath, ct);
        var events = File.Exists(host.EventLogPath) ? await File.ReadAllTextAsync(host.EventLogPath, ct) : string.Empty;
        var outputs = await ImportOutputsAsync(ct);
        var executions = string.Join('\n', host.StepFunctions.Executions().Select(e => $"{e.Name} {e.Input} {e.Output} {e.Error} {e.Cause}"));
        var sources = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["lambda log"] = lambdaLog + "\n" + JsonStrings(lambdaLog),
            ["event log"] = events + "\n" + JsonStrings(events),
            ["API answers"] = string.Join('\n', bodies),
            ["sandbox progress"] = _fixture.Progress,
            ["workflow executions"] = executions,
        };
        foreach (var (key, content) in outputs)
        {
            sources["s3://…/" + key] = content;
        }

        var leaks = (from source in sources
                     from needle in All
                     where source.Value.Contains(needle, StringComparison.OrdinalIgnoreCase)
                     select $"  '{needle}' in {source.Key}").ToList();
        leaks.AddRange(outputs.Where(o => o.Content.Contains("uploads/", StringComparison.Ordinal)).Select(o => $"  a client key (uploads/…) in {o.Key}"));

        var effects = await _fixture.SideEffectsAsync(ct);
        var copies = await _fixture.ListKeysAsync("imports/", ct);
        var wronglyNamed = copies.Where(key => !CopyKey().IsMatch(key)).ToList();

        Print(lambdaLog, sources, outputs, copies, finals.Select(f => (f.Upload.Label, f.StudyId, f.Status)));
        Assert.True(lambdaLog.Split('\n').Count(line => line.Contains("\"upload handled\"", StringComparison.Ordinal)) >= run.Answers.Count, "The Lambda log misses the corpus's requests: the check would be vacuous.");
        Assert.All(finals, f => Assert.Contains(f.StudyId, lambdaLog, StringComparison.Ordinal));
        Assert.Contains(outputs, o => o.Key.EndsWith("/SUCCESS/success.ndjson", StringComparison.Ordinal));
        Assert.Contains(outputs, o => o.Key.EndsWith("/FAILURE/failure.ndjson", StringComparison.Ordinal));
        Assert.All(
            outputs.Where(o => o.Key.EndsWith(".ndjson", StringComparison.Ordinal) && o.Content.Length > 0),
            o => Assert.Matches(CopyName(), o.Content));
        Assert.Equal((uploads.Count, uploads.Count, uploads.Count), (effects.StudyRecords, effects.ImportJobsCreated, effects.Executions));
        Assert.True(copies.Count == uploads.Sum(u => u.Objects.Count), $"Expected one copy per uploaded object under imports/, found {copies.Count}.");
        Assert.True(wronglyNamed.Count == 0, "Copies not named imports/<study_id>/NNNNN.dcm:\n" + string.Join('\n', wronglyNamed));
        Assert.True(leaks.Count == 0, "Patient data found:\n" + string.Join('\n', leaks));
    }

    /// <summary>
    /// Four studies: an MR file, a CT folder sent with an Idempotency-Key, a file without a
    /// DICOM PatientID (accepted by override, refused by the import) and a folder whose DICOM
    /// PatientID differs from the request's (accepted by override).
    /// </summary>
    private static List<ValidUpload> ValidUploads()
    {
        var smith = SyntheticDicom.NewParameters("MR", patientId: SmithPatientId) with { PatientName = SmithName };
        var doeStudy = SyntheticDicom.NewUid();
        var doeSeries = SyntheticDicom.NewUid();
        var doe = Enumerable.Range(1, 3).Select(i => new CorpusObject(
            string.Create(CultureInfo.InvariantCulture, $"{DoeFolder}{DoeSlicePrefix}{i:D3}.dcm"),
            SyntheticDicom.Create(new SyntheticDicomParameters
            {
                PatientId = DoePatientId,
                PatientName = DoeName,
                StudyInstanceUid = doeStudy,
                SeriesInstanceUid = doeSeries,
                SopInstanceUid = SyntheticDicom.NewUid(),
                InstanceNumber = i,
            }))).ToList();
        var roe = SyntheticDicom.NewParameters("CT", patientId: string.Empty) with { PatientName = RoeName };
        var brown = SyntheticDicom.NewParameters("MR", patientId: BrownDicomPatientId) with { PatientName = BrownName };
        return
        [
            new("file", SmithPatientId, SmithKey, [new CorpusObject(SmithKey, SyntheticDicom.Create(smith))], StudyStatus.ReadyForAnalysis),
            new("folder", DoePatientId, DoeFolder, doe, StudyStatus.ReadyForAnalysis) { IdempotencyKey = "phi-check-doe-1" },
            new("no-dicom-patient-id", RoePatientId, RoeKey, [new CorpusObject(RoeKey, SyntheticDicom.Create(roe))], StudyStatus.ImportFailed) { AcceptMismatch = true },
            new("other-dicom-patient-id", BrownPatientId, BrownFolder, [new CorpusObject(BrownFolder + BrownFile, SyntheticDicom.Create(brown))], StudyStatus.ReadyForAnalysis) { AcceptMismatch = true },
        ];
    }

    private async Task<(HttpStatusCode Status, string Body)> PostAsync(ValidUpload upload, CancellationToken cancellationToken)
    {
        var members = new List<(string Name, string Raw)>
        {
            ("patient_id", JsonBody.Text(upload.PatientId)),
            ("study_description", JsonBody.Text(upload.Description)),
            ("file_key", JsonBody.Text(upload.FileKey)),
        };
        if (upload.AcceptMismatch)
        {
            members.Add(("accept_patient_id_mismatch", "true"));
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, _fixture.UploadUrl) { Content = new ByteArrayContent(JsonBody.Object(members)) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (upload.IdempotencyKey is { } key)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        using var response = await _fixture.Http.SendAsync(request, cancellationToken);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
    }

    private async Task<Dictionary<string, AttributeValue>> WaitForTerminalAsync(string studyId, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var status = "(no record)";
        while (clock.Elapsed < TerminalTimeout)
        {
            var item = await _fixture.GetStudyAsync(studyId, cancellationToken);
            status = item is null ? "(no record)" : Text(item, "status");
            if (item is not null && StudyStatus.IsTerminal(status))
            {
                return item;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
        }

        throw new TimeoutException($"{studyId} was still {status} after {TerminalTimeout.TotalSeconds} s.\n{_fixture.Progress}");
    }

    /// <summary>The backstop and the last monitor calls may still be writing: wait until the log stops growing.</summary>
    private async Task WaitForQuietLogAsync(CancellationToken cancellationToken)
    {
        var path = _fixture.Host.LambdaLogPath;
        var length = -1L;
        var quiet = Stopwatch.StartNew();
        var clock = Stopwatch.StartNew();
        while (quiet.Elapsed < QuietPeriod && clock.Elapsed < TimeSpan.FromSeconds(15))
        {
            var now = new FileInfo(path).Length;
            if (now != length)
            {
                length = now;
                quiet.Restart();
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
        }
    }

    /// <summary>Every file HealthImaging wrote (manifests, SUCCESS and FAILURE listings), as text.</summary>
    private async Task<List<(string Key, string Content)>> ImportOutputsAsync(CancellationToken cancellationToken)
    {
        var outputs = new List<(string, string)>();
        foreach (var key in await _fixture.ListKeysAsync("import-output/", cancellationToken))
        {
            outputs.Add((key, Encoding.UTF8.GetString(await _fixture.GetObjectAsync(key, cancellationToken))));
        }

        return outputs;
    }

    private void Print(
        string lambdaLog,
        Dictionary<string, string> sources,
        List<(string Key, string Content)> outputs,
        IReadOnlyList<string> copies,
        IEnumerable<(string Label, string StudyId, string Status)> studies)
    {
        var text = new StringBuilder();
        text.AppendLine("patient data check:");
        foreach (var (label, studyId, status) in studies)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  {label,-24} {studyId} {status}");
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"  searched {All.Count} values (ids, names, keys, base names) in {sources.Count} sources, {sources.Values.Sum(s => s.Length)} characters");
        text.AppendLine(CultureInfo.InvariantCulture, $"  lambda log: {lambdaLog.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length} lines; HealthImaging output files: {outputs.Count}; copies under imports/: {copies.Count}");
        foreach (var (key, _) in outputs.Where(o => o.Key.EndsWith(".ndjson", StringComparison.Ordinal)))
        {
            text.AppendLine("    " + key);
        }

        _output.WriteLine(text.ToString());
    }

    /// <summary>The string values of JSON lines, unescaped (a value could hide behind \u escapes).</summary>
    private static string JsonStrings(string jsonLines)
    {
        var text = new StringBuilder();
        foreach (var line in jsonLines.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            try
            {
                using var json = JsonDocument.Parse(line);
                Collect(json.RootElement, text);
            }
            catch (JsonException)
            {
                text.AppendLine(line);
            }
        }

        return text.ToString();

        static void Collect(JsonElement element, StringBuilder text)
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (var property in element.EnumerateObject())
                    {
                        text.AppendLine(property.Name);
                        Collect(property.Value, text);
                    }

                    break;
                case JsonValueKind.Array:
                    foreach (var item in element.EnumerateArray())
                    {
                        Collect(item, text);
                    }

                    break;
                case JsonValueKind.String:
                    text.AppendLine(element.GetString());
                    break;
            }
        }
    }

    private static string StudyIdOf(string body)
    {
        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("study_id").GetString() ?? throw new InvalidOperationException("No study_id in " + body);
    }

    private static string Text(Dictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var value) ? value.S ?? value.N ?? string.Empty : string.Empty;

    [GeneratedRegex(@"^imports/STUDY-[0-9a-f]{12}/[0-9]{5}\.dcm\z")]
    private static partial Regex CopyKey();

    /// <summary>A listing line names the numbered copy it is about, so the absence of client names means something.</summary>
    [GeneratedRegex(@"imports/STUDY-[0-9a-f]{12}/[0-9]{5}\.dcm")]
    private static partial Regex CopyName();

    private sealed record ValidUpload(string Label, string PatientId, string FileKey, IReadOnlyList<CorpusObject> Objects, string ExpectedStatus)
    {
        public bool AcceptMismatch { get; init; }

        public string? IdempotencyKey { get; init; }

        public string Description { get; init; } = "Brain scan - Suspected Stroke";
    }
}

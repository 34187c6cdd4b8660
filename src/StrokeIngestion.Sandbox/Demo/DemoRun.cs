using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Amazon.DynamoDBv2.Model;
using Amazon.S3.Model;
using StrokeIngestion.Sandbox.Dicom;
using StrokeIngestion.Sandbox.Host;
using StrokeIngestion.Sandbox.StepFunctions;

namespace StrokeIngestion.Sandbox.Demo;

/// <summary>
/// The newcomer's first run: generates a small brain CT, uploads it as a clinician's tool
/// would (S3, then POST /upload), and follows the study to a terminal status, printing each
/// change. Succeeds when the study is READY_FOR_ANALYSIS and the workflow SUCCEEDED.
/// </summary>
internal static class DemoRun
{
    private const int Slices = 8;
    private const string PatientId = "DEMO-0001";

    public static async Task<bool> RunAsync(SandboxHost host, TextWriter output, TimeSpan deadline, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var folder = $"uploads/demo-{DateTime.UtcNow:yyyyMMddHHmmss}/";
        var studyUid = SyntheticDicom.NewUid();
        var seriesUid = SyntheticDicom.NewUid();
        for (var i = 1; i <= Slices; i++)
        {
            var slice = SyntheticDicom.Create(new SyntheticDicomParameters
            {
                PatientId = PatientId,
                Modality = "CT",
                StudyInstanceUid = studyUid,
                SeriesInstanceUid = seriesUid,
                SopInstanceUid = SyntheticDicom.NewUid(),
                InstanceNumber = i,
            });
            await host.S3.PutObjectAsync(
                new PutObjectRequest { BucketName = host.BucketName, Key = $"{folder}slice-{i:D3}.dcm", InputStream = new MemoryStream(slice), UseChunkEncoding = false },
                cancellationToken);
        }

        await output.WriteLineAsync($"demo: uploaded a {Slices}-slice brain CT to s3://{host.BucketName}/{folder}");

        using var http = new HttpClient();
        using var response = await http.PostAsJsonAsync(
            new Uri(host.ApiBaseUrl + "/upload"),
            new Dictionary<string, string> { ["patient_id"] = PatientId, ["study_description"] = "Brain CT - Suspected Stroke", ["file_key"] = folder },
            cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        await output.WriteLineAsync($"demo: POST /prod/upload -> {(int)response.StatusCode} {body}");
        if ((int)response.StatusCode != 202)
        {
            return false;
        }

        var studyId = JsonDocument.Parse(body).RootElement.GetProperty("study_id").GetString() ?? string.Empty;
        var last = string.Empty;
        Dictionary<string, AttributeValue>? item = null;
        while (clock.Elapsed < deadline)
        {
            var read = await host.DynamoDb.GetItemAsync(
                new GetItemRequest { TableName = host.TableName, Key = new() { ["study_id"] = new AttributeValue { S = studyId } }, ConsistentRead = true },
                cancellationToken);
            item = read.Item;
            var status = Text(item, "status");
            var now = $"status={status} import_status={Text(item, "import_status")} polls={Text(item, "poll_count")}";
            if (now != last)
            {
                await output.WriteLineAsync($"demo: {clock.Elapsed.TotalSeconds,5:0.0}s {studyId} {now}");
                last = now;
            }

            if (status is "READY_FOR_ANALYSIS" or "IMPORT_FAILED" or "IMPORT_TIMED_OUT")
            {
                break;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
        }

        var executionArn = Text(item, "execution_arn");
        var execution = await WaitForExecutionAsync(host, executionArn, deadline - clock.Elapsed, cancellationToken);
        await output.WriteLineAsync($"demo: execution {executionArn} {execution?.Status.ToString() ?? "unknown"}");
        if (execution is not null)
        {
            await output.WriteLineAsync(
                $"demo: {execution.StateTransitions} state transitions: {string.Join(" → ", execution.VisitedStates)}");
        }

        await output.WriteLineAsync($"demo: image_set_id={Text(item, "image_set_id")} failure_reason={Text(item, "failure_reason")}");
        var refused = host.IamDenials.All.Where(d => !d.MissingKey).ToList();
        await output.WriteLineAsync(refused.Count == 0
            ? "demo: IAM refused no call of the template's roles"
            : $"demo: IAM refused {refused.Count} calls: {string.Join("; ", refused.Select(d => $"{d.Caller} {d.Request.Action}").Distinct())}");
        foreach (var alarm in host.Metrics.Evaluate(DateTimeOffset.UtcNow))
        {
            await output.WriteLineAsync($"demo: alarm {alarm.AlarmName} {alarm.State} (from the functions' log lines)");
        }

        return Text(item, "status") == "READY_FOR_ANALYSIS" && execution?.Status == ExecutionStatus.Succeeded;
    }

    private static async Task<ExecutionSnapshot?> WaitForExecutionAsync(SandboxHost host, string executionArn, TimeSpan remaining, CancellationToken cancellationToken)
    {
        if (executionArn.Length == 0 || remaining <= TimeSpan.Zero)
        {
            return null;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(remaining);
        try
        {
            return await host.StepFunctions.WaitForCompletionAsync(executionArn, timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return host.StepFunctions.DescribeExecution(executionArn).Value;
        }
    }

    private static string Text(Dictionary<string, AttributeValue>? item, string name) =>
        item is not null && item.TryGetValue(name, out var value) ? value.S ?? value.N ?? string.Empty : string.Empty;
}

using System.Net;
using System.Net.Http.Json;
using Amazon.S3.Model;
using StrokeIngestion.Sandbox.Dicom;
using StrokeIngestion.Sandbox.Faults;
using StrokeIngestion.Sandbox.HealthImaging;
using StrokeIngestion.Sandbox.Host;
using Xunit.Abstractions;

namespace StrokeIngestion.EndToEnd.Tests.Proof;

/// <summary>
/// Every remote call one new single-file upload makes, counted where the calls land (the
/// proxies in front of s3rver and dynalite, the HealthImaging and Step Functions emulators),
/// printed next to what the design needs.
/// </summary>
[Collection(ProofRuns.Name)]
public sealed class RemoteCallsPerUploadTests(ITestOutputHelper output)
{
    /// <summary>
    /// The design's calls for a new single-file upload: HEAD and one ranged GET of the object,
    /// the dedupe lookup and the conditional put of the record, the copy into the study's import
    /// prefix, StartDICOMImportJob, StartExecution, and the record's final update. With the import
    /// queues (an idle system, so the study starts at once), the admission ledger adds a read for
    /// the instance's snapshot and a read and a conditional write to take the start token and slot;
    /// the two GetQueueAttributes of the snapshot go to SQS, which has no fault proxy here.
    /// </summary>
    private static readonly (string Dependency, string Operation, int Calls)[] Design =
    [
        ("S3", S3OperationNames.HeadObject, 1),
        ("S3", S3OperationNames.GetObjectRange, 1),
        ("S3", S3OperationNames.CopyObject, 1),
        ("DynamoDB", "GetItem", 3),
        ("DynamoDB", "PutItem", 2),
        ("DynamoDB", "UpdateItem", 1),
        ("HealthImaging", nameof(HealthImagingOperation.StartDICOMImportJob), 1),
        ("Step Functions", "StartExecution", 1),
    ];

    [SkippableFact]
    public async Task Upload_WhenNewSingleFile_ShouldMakeExactlyTheCallsTheDesignNeeds()
    {
        // Arrange: proxies in place, no faults. The workflow's first state invokes the monitor at
        // once (to arm the import-event wait): holding its invocations back for a minute keeps the
        // monitor's calls out of the upload's count.
        var holdMonitor = new LambdaFaults { LatencyRate = 1, MinLatency = TimeSpan.FromMinutes(1), MaxLatency = TimeSpan.FromMinutes(1) };
        var options = await ProofSandbox.PrepareAsync() with { Faults = SandboxFaults.None with { Monitor = holdMonitor }, TimeScale = 1 };
        await using var host = await SandboxHost.StartAsync(options, TextWriter.Null, CancellationToken.None);
        var s3Proxy = host.S3Proxy ?? throw new InvalidOperationException("the sandbox started without its S3 proxy");
        var dynamoDbProxy = host.DynamoDbProxy ?? throw new InvalidOperationException("the sandbox started without its DynamoDB proxy");
        var key = $"uploads/calls-{Guid.NewGuid():N}.dcm";
        await host.S3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = host.BucketName,
            Key = key,
            InputStream = new MemoryStream(SyntheticDicom.Create(SyntheticDicom.NewParameters(patientId: "CALLS-1"))),
            UseChunkEncoding = false,
        });
        s3Proxy.Counters.Reset();
        dynamoDbProxy.Counters.Reset();
        var importStartsBefore = host.HealthImaging.Counters.Requests(HealthImagingOperation.StartDICOMImportJob);
        var executionStartsBefore = host.StepFunctions.Counters.StartExecutionCalls;

        // Act
        using var http = new HttpClient();
        using var response = await http.PostAsJsonAsync(
            new Uri(host.ApiBaseUrl + "/upload"),
            new Dictionary<string, string> { ["patient_id"] = "CALLS-1", ["file_key"] = key });

        // Assert
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var measured = new Dictionary<(string, string), long>
        {
            [("HealthImaging", nameof(HealthImagingOperation.StartDICOMImportJob))] = host.HealthImaging.Counters.Requests(HealthImagingOperation.StartDICOMImportJob) - importStartsBefore,
            [("Step Functions", "StartExecution")] = host.StepFunctions.Counters.StartExecutionCalls - executionStartsBefore,
        };
        foreach (var (operation, counts) in s3Proxy.Counters.ByOperation)
        {
            measured[("S3", operation)] = counts.Requests;
        }

        foreach (var (operation, counts) in dynamoDbProxy.Counters.ByOperation)
        {
            measured[("DynamoDB", operation)] = counts.Requests;
        }

        output.WriteLine($"{"dependency",-15} {"operation",-22} {"measured",8} {"design",6}");
        foreach (var ((dependency, operation), calls) in measured.OrderBy(m => m.Key.Item1, StringComparer.Ordinal).ThenBy(m => m.Key.Item2, StringComparer.Ordinal))
        {
            var needed = Design.Where(d => d.Dependency == dependency && d.Operation == operation).Sum(d => d.Calls);
            output.WriteLine($"{dependency,-15} {operation,-22} {calls,8} {needed,6}");
        }

        output.WriteLine($"{"total",-38} {measured.Values.Sum(),8} {Design.Sum(d => d.Calls),6}");
        Assert.Equal(
            Design.Select(d => ((d.Dependency, d.Operation), (long)d.Calls)).OrderBy(d => d.Item1.Dependency, StringComparer.Ordinal).ThenBy(d => d.Item1.Operation, StringComparer.Ordinal),
            measured.Where(m => m.Value > 0).Select(m => (m.Key, m.Value)).OrderBy(m => m.Key.Item1, StringComparer.Ordinal).ThenBy(m => m.Key.Item2, StringComparer.Ordinal));
        ProofSandbox.Cleanup(options);
    }
}

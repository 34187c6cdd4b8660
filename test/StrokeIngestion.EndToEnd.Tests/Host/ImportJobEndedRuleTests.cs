using System.Text;
using StrokeIngestion.Sandbox.HealthImaging;
using StrokeIngestion.Sandbox.Host;
using StrokeIngestion.Sandbox.StepFunctions.Tasks;

namespace StrokeIngestion.EndToEnd.Tests.Host;

/// <summary>The import-ended rule, locally: pattern, input transformer, the target's retries and the delivery faults.</summary>
public sealed class ImportJobEndedRuleTests
{
    private const string DatastoreId = "5a4d1e0c2b3f4a6e8d7c9b0a1f2e3d4c";

    private readonly List<string> _payloads = [];
    private int _failuresLeft;

    [Fact]
    public async Task Publish_WhenAJobOfTheDatastoreEnds_ShouldRecordTheEventAndDeliverTheTransformedInput()
    {
        // Arrange
        var log = new EventLog(TimeProvider.System, "us-east-1", "000000000000", null);
        await using var rule = Create(ImportEventFaults.None, log);

        // Act
        rule.Publish(Event("COMPLETED"));
        await rule.DrainAsync();

        // Assert
        var payload = Assert.Single(_payloads);
        Assert.Equal(
            """{"import_job_event":{"datastore_id":"5a4d1e0c2b3f4a6e8d7c9b0a1f2e3d4c","job_id":"job1","job_name":"stroke-STUDY-0123456789ab","job_status":"COMPLETED"}}""",
            payload);
        var recorded = Assert.Single(log.Snapshot());
        Assert.Equal("aws.medical-imaging", recorded.Source);
        Assert.Equal("Import Job Completed", recorded.DetailType);
        Assert.Contains("\"jobId\":\"job1\"", recorded.Detail, StringComparison.Ordinal);
        Assert.Equal(new ImportEventCounts(1, 1, 0, 0, 0, 1, 1, 0), rule.Counts);
    }

    [Fact]
    public async Task Publish_WhenTheEventIsOfAnotherDatastore_ShouldNotInvokeTheMonitor()
    {
        // Arrange
        await using var rule = Create(ImportEventFaults.None);

        // Act
        rule.Publish(Event("FAILED") with { DatastoreId = "ffffffffffffffffffffffffffffffff" });
        await rule.DrainAsync();

        // Assert
        Assert.Empty(_payloads);
        Assert.Equal(0, rule.Counts.Matched);
    }

    [Fact]
    public async Task Publish_WhenTheMonitorFailsTwice_ShouldRetryUntilItIsDelivered()
    {
        // Arrange
        _failuresLeft = 2;
        await using var rule = Create(ImportEventFaults.None);

        // Act
        rule.Publish(Event("COMPLETED"));
        await rule.DrainAsync();

        // Assert
        Assert.Equal(3, _payloads.Count);
        Assert.Equal(1, rule.Counts.Delivered);
        Assert.Equal(0, rule.Counts.DeadLettered);
    }

    [Fact]
    public async Task Publish_WhenEveryEventIsDropped_ShouldDeliverNothing()
    {
        // Arrange
        await using var rule = Create(ImportEventFaults.DropAll);

        // Act
        for (var i = 0; i < 5; i++)
        {
            rule.Publish(Event("COMPLETED"));
        }

        await rule.DrainAsync();

        // Assert
        Assert.Empty(_payloads);
        Assert.Equal(5, rule.Counts.Dropped);
    }

    [Fact]
    public async Task Publish_WhenEventsAreDuplicatedAndLate_ShouldDeliverEachTwiceAfterTheLateness()
    {
        // Arrange
        var lateness = TimeSpan.FromMilliseconds(200);
        await using var rule = Create(new ImportEventFaults { DuplicateRate = 1, LateRate = 1, MinLateness = lateness, MaxLateness = lateness });
        var clock = System.Diagnostics.Stopwatch.StartNew();

        // Act
        rule.Publish(Event("COMPLETED"));
        await rule.DrainAsync();

        // Assert
        Assert.True(clock.Elapsed >= lateness, $"delivered after {clock.Elapsed}");
        Assert.Equal(2, _payloads.Count);
        Assert.Equal(_payloads[0], _payloads[1]);
        Assert.Equal(new ImportEventCounts(1, 1, 0, 1, 1, 2, 2, 0), rule.Counts);
    }

    [Fact]
    public async Task Faults_WhenARateIsOutOfRange_ShouldBeRefused()
    {
        // Arrange
        await using var rule = Create(ImportEventFaults.None);

        // Act
        var error = Assert.Throws<ArgumentException>(() => rule.Faults = new ImportEventFaults { DropRate = 1.5 });

        // Assert
        Assert.Contains("DropRate", error.Message, StringComparison.Ordinal);
    }

    private static ImportJobEvent Event(string status) => new(
        DatastoreId,
        "job1",
        "stroke-STUDY-0123456789ab",
        status,
        "s3://bucket/imports/STUDY-0123456789ab/",
        $"s3://bucket/import-output/STUDY-0123456789ab/{DatastoreId}-DicomImport-job1/",
        $"arn:aws:medical-imaging:us-east-1:000000000000:datastore/{DatastoreId}");

    private ImportJobEndedRule Create(ImportEventFaults faults, EventLog? log = null) =>
        new(Monitor, DatastoreId, log, faults, seed: 1, TextWriter.Null, TimeSpan.FromMilliseconds(1));

    private Task<Stream> Monitor(Stream input)
    {
        lock (_payloads)
        {
            _payloads.Add(new StreamReader(input).ReadToEnd());
            if (_failuresLeft-- > 0)
            {
                throw new InvalidOperationException("DynamoDB throttled the monitor");
            }
        }

        return Task.FromResult<Stream>(new MemoryStream(Encoding.UTF8.GetBytes("{}")));
    }
}

using System.Net;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using StrokeIngestion.Core.Aws;
using StrokeIngestion.Core.Domain;
using StrokeIngestion.Core.Errors;
using StrokeIngestion.Sandbox.Emulators;
using StrokeIngestion.Sandbox.Faults;

namespace StrokeIngestion.EndToEnd.Tests.Faults;

/// <summary>The proxy in front of dynalite, driven by the official AWSSDK.DynamoDBv2 client and Core's study store.</summary>
public sealed class FaultInjectingProxyDynamoDbTests(EmulatorsFixture emulators) : IClassFixture<EmulatorsFixture>
{
    [SkippableFact]
    public async Task Proxy_WhenNoFaults_ShouldRelayEveryDynamoDbCall()
    {
        var dynalite = await emulators.DynamoDbAsync();
        await using var proxy = await FaultTestClients.ProxyAsync(dynalite, FaultTarget.DynamoDb);
        using var client = FaultTestClients.DynamoDb(proxy.Endpoint, maxErrorRetry: 0);
        var table = NewTable();

        await EmulatorResources.CreateTableAsync(client, table, CancellationToken.None);
        await client.PutItemAsync(PutNew(table.Name, "STUDY-000000000001", "PAT-1"));
        var duplicate = await Assert.ThrowsAsync<ConditionalCheckFailedException>(() => client.PutItemAsync(PutNew(table.Name, "STUDY-000000000001", "PAT-1")));
        var updated = await client.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = table.Name,
            Key = Key("STUDY-000000000001"),
            UpdateExpression = "SET #s = :new",
            ConditionExpression = "#s = :old",
            ExpressionAttributeNames = new() { ["#s"] = "status" },
            ExpressionAttributeValues = new() { [":new"] = new AttributeValue { S = "IMPORTING" }, [":old"] = new AttributeValue { S = "RECEIVED" } },
            ReturnValues = ReturnValue.ALL_NEW,
        });
        var read = await client.GetItemAsync(new GetItemRequest { TableName = table.Name, Key = Key("STUDY-000000000001"), ConsistentRead = true });
        var byPatient = await client.QueryAsync(new QueryRequest
        {
            TableName = table.Name,
            IndexName = "patient-index",
            KeyConditionExpression = "patient_id = :p",
            ExpressionAttributeValues = new() { [":p"] = new AttributeValue { S = "PAT-1" } },
        });

        Assert.Equal(HttpStatusCode.BadRequest, duplicate.StatusCode);
        Assert.Equal("IMPORTING", updated.Attributes["status"].S);
        Assert.Equal("IMPORTING", read.Item["status"].S);
        Assert.Equal("STUDY-000000000001", Assert.Single(byPatient.Items)["study_id"].S);
        Assert.Equal(2, proxy.Counters.For("PutItem").Forwarded);
        Assert.Equal(1, proxy.Counters.For("UpdateItem").Forwarded);
        Assert.Equal(1, proxy.Counters.For("Query").Forwarded);
        Assert.Equal(0, proxy.Counters.Total.InjectedErrors);
    }

    [SkippableFact]
    public async Task PutItem_WhenThrottledAsProvisionedThroughputExceeded_ShouldThrowThatModeledExceptionAndWriteNothing()
    {
        var (dynalite, table) = await NewTableAsync();
        await using var proxy = await FaultTestClients.ProxyAsync(dynalite, FaultTarget.DynamoDb, FaultProfile.Throttling(1));
        using var client = FaultTestClients.DynamoDb(proxy.Endpoint, maxErrorRetry: 0);

        var error = await Assert.ThrowsAsync<ProvisionedThroughputExceededException>(() => client.PutItemAsync(PutNew(table, "STUDY-000000000002", "PAT-2")));

        Assert.Equal(HttpStatusCode.BadRequest, error.StatusCode);
        Assert.Equal("ProvisionedThroughputExceededException", error.ErrorCode);
        Assert.False(string.IsNullOrEmpty(error.RequestId));
        Assert.Null(await DirectGetAsync(dynalite, table, "STUDY-000000000002"));
    }

    [SkippableFact]
    public async Task PutItem_WhenThrottledAsThrottlingException_ShouldThrowThatModeledException()
    {
        var (dynalite, table) = await NewTableAsync();
        await using var proxy = await FaultTestClients.ProxyAsync(
            dynalite,
            FaultTarget.DynamoDb,
            FaultProfile.Throttling(1) with { DynamoDbThrottle = DynamoDbThrottleError.Throttling });
        using var client = FaultTestClients.DynamoDb(proxy.Endpoint, maxErrorRetry: 0);

        var error = await Assert.ThrowsAsync<ThrottlingException>(() => client.PutItemAsync(PutNew(table, "STUDY-000000000003", "PAT-3")));

        Assert.Equal(HttpStatusCode.BadRequest, error.StatusCode);
        Assert.Equal("ThrottlingException", error.ErrorCode);
    }

    [SkippableFact]
    public async Task PutItem_WhenServerErrorInjected_ShouldThrowInternalServerErrorAndWriteNothing()
    {
        var (dynalite, table) = await NewTableAsync();
        await using var proxy = await FaultTestClients.ProxyAsync(dynalite, FaultTarget.DynamoDb, FaultProfile.ServerErrors(1));
        using var client = FaultTestClients.DynamoDb(proxy.Endpoint, maxErrorRetry: 0);

        var error = await Assert.ThrowsAsync<InternalServerErrorException>(() => client.PutItemAsync(PutNew(table, "STUDY-000000000004", "PAT-4")));

        Assert.Equal(HttpStatusCode.InternalServerError, error.StatusCode);
        Assert.Equal("InternalServerError", error.ErrorCode);
        Assert.Null(await DirectGetAsync(dynalite, table, "STUDY-000000000004"));
    }

    [SkippableFact]
    public async Task SdkRetries_WhenThirtyPercentOfCallsAreFaulted_ShouldLetEveryOperationSucceed()
    {
        var (dynalite, table) = await NewTableAsync();
        await using var proxy = await FaultTestClients.ProxyAsync(
            dynalite,
            FaultTarget.DynamoDb,
            new FaultProfile { ThrottleRate = 0.15, ServerErrorRate = 0.15 },
            seed: 42);

        // More retries than production's two: the point is that the SDK retries these
        // answers at all, not how often a short budget runs out at this fault rate.
        using var client = FaultTestClients.DynamoDb(proxy.Endpoint, maxErrorRetry: 10);
        const int items = 20;

        for (var i = 0; i < items; i++)
        {
            var id = $"STUDY-{i:D12}";
            await client.PutItemAsync(PutNew(table, id, $"PAT-{i}"));
            var read = await client.GetItemAsync(new GetItemRequest { TableName = table, Key = Key(id), ConsistentRead = true });
            Assert.Equal($"PAT-{i}", read.Item["patient_id"].S);
        }

        var total = proxy.Counters.Total;
        Assert.Equal(2 * items, total.Forwarded);
        Assert.Equal(total.Requests, total.Forwarded + total.InjectedErrors);
        Assert.True(total.InjectedErrors >= 0.2 * total.Requests, $"{total.InjectedErrors} of {total.Requests} calls faulted.");
    }

    [SkippableTheory]
    [InlineData(nameof(DynamoDbThrottleError.ProvisionedThroughputExceeded))]
    [InlineData(nameof(DynamoDbThrottleError.Throttling))]
    public async Task StudyStore_WhenThrottled_ShouldThrowThrottledTransientDependencyException(string throttleError)
    {
        var throttle = Enum.Parse<DynamoDbThrottleError>(throttleError);
        var (dynalite, table) = await NewTableAsync();
        await using var proxy = await FaultTestClients.ProxyAsync(dynalite, FaultTarget.DynamoDb, FaultProfile.Throttling(1) with { DynamoDbThrottle = throttle });
        using var client = EmulatorResources.CreateDynamoDbClient(proxy.Endpoint);
        var store = SdkClients.CreateStudyStore(client, table);

        var error = await Assert.ThrowsAsync<TransientDependencyException>(() => store.GetAsync(NewStudyId(), CancellationToken.None));

        Assert.Equal(Dependency.DynamoDb, error.Dependency);
        Assert.True(error.Throttled);

        // Production's client retried twice before giving up.
        Assert.Equal(3, proxy.Counters.For("GetItem").Throttled);
    }

    [SkippableFact]
    public async Task StudyStore_WhenServerErrorInjected_ShouldThrowUnthrottledTransientDependencyException()
    {
        var (dynalite, table) = await NewTableAsync();
        await using var proxy = await FaultTestClients.ProxyAsync(dynalite, FaultTarget.DynamoDb, FaultProfile.ServerErrors(1));
        using var client = EmulatorResources.CreateDynamoDbClient(proxy.Endpoint);
        var store = SdkClients.CreateStudyStore(client, table);

        var error = await Assert.ThrowsAsync<TransientDependencyException>(
            () => store.TryUpdateAsync(NewStudyId(), new StudyUpdate { UpdatedAt = "2026-11-25T12:00:01.000Z", Status = StudyStatus.Importing }, [StudyStatus.Received], CancellationToken.None));

        Assert.Equal(Dependency.DynamoDb, error.Dependency);
        Assert.False(error.Throttled);
    }

    [SkippableFact]
    public async Task PutItem_WhenFaultedAfterForwarding_ShouldThrowAlthoughTheItemIsWritten()
    {
        var (dynalite, table) = await NewTableAsync();
        await using var proxy = await FaultTestClients.ProxyAsync(dynalite, FaultTarget.DynamoDb, new FaultProfile { ServerErrorAfterForwardRate = 1 });
        using var client = FaultTestClients.DynamoDb(proxy.Endpoint, maxErrorRetry: 0);

        var error = await Assert.ThrowsAsync<InternalServerErrorException>(() => client.PutItemAsync(PutNew(table, "STUDY-000000000005", "PAT-5")));

        Assert.Equal(HttpStatusCode.InternalServerError, error.StatusCode);
        var written = await DirectGetAsync(dynalite, table, "STUDY-000000000005");
        Assert.Equal("PAT-5", written?["patient_id"].S);
        Assert.Equal(1, proxy.Counters.For("PutItem").ServerErrorsAfterForward);
    }

    [SkippableFact]
    public async Task TryCreateAsync_WhenTheWriteLandedButItsAnswerWasLost_ShouldReportTheStudyAsExistingOnTheNextTry()
    {
        var (dynalite, table) = await NewTableAsync();
        await using var proxy = await FaultTestClients.ProxyAsync(dynalite, FaultTarget.DynamoDb, new FaultProfile { ServerErrorAfterForwardRate = 1 });
        using var client = EmulatorResources.CreateDynamoDbClient(proxy.Endpoint);
        var store = SdkClients.CreateStudyStore(client, table);
        var study = NewStudy();

        var lost = await Assert.ThrowsAsync<TransientDependencyException>(() => store.TryCreateAsync(study, CancellationToken.None));
        proxy.Profile = FaultProfile.None;
        var created = await store.TryCreateAsync(study, CancellationToken.None);
        var stored = await store.GetAsync(study.StudyId, CancellationToken.None);

        // The caller's own first write is what makes its retry "already exists": callers must
        // compare the stored fingerprint instead of treating false as someone else's study.
        Assert.False(lost.Throttled);
        Assert.False(created);
        Assert.Equal(study.RequestFingerprint, stored?.RequestFingerprint);
    }

    private static TableDefinition NewTable() => new(
        $"stroke-detection-ai-study-metadata-{Guid.NewGuid():N}",
        new KeyAttribute("study_id", "S"),
        SortKey: null,
        [new IndexDefinition("patient-index", new KeyAttribute("patient_id", "S"), new KeyAttribute("upload_timestamp", "S"))]);

    private static StudyId NewStudyId() => StudyId.FromScope(Guid.NewGuid().ToString());

    private static Study NewStudy()
    {
        var id = NewStudyId();
        return new Study
        {
            StudyId = id,
            PatientId = "PAT-0001",
            UploadTimestamp = "2026-11-25T12:00:00.000Z",
            StudyDescription = "CT head without contrast",
            S3Bucket = "stroke-detection-ai-dicom-uploads-123456789012",
            S3Key = "uploads/case-17/",
            ImportPrefix = $"imports/{id.Value}/",
            DatastoreId = "0123456789abcdef0123456789abcdef",
            Status = StudyStatus.Received,
            ProcessingStage = "UPLOADED",
            Modality = "CT",
            StudyInstanceUid = "1.2.840.113619.2.55.3.604688119.969.1268071029.320",
            SeriesInstanceUids = ["1.2.840.113619.2.55.3.604688119.969.1268071029.321"],
            FileCount = 1,
            TotalBytes = 1024,
            RequestFingerprint = new string('f', 64),
        };
    }

    private static Dictionary<string, AttributeValue> Key(string studyId) =>
        new() { ["study_id"] = new AttributeValue { S = studyId } };

    private static PutItemRequest PutNew(string table, string studyId, string patientId) => new()
    {
        TableName = table,
        Item = new()
        {
            ["study_id"] = new AttributeValue { S = studyId },
            ["patient_id"] = new AttributeValue { S = patientId },
            ["upload_timestamp"] = new AttributeValue { S = "2026-11-25T12:00:00.000Z" },
            ["status"] = new AttributeValue { S = "RECEIVED" },
        },
        ConditionExpression = "attribute_not_exists(study_id)",
    };

    private async Task<(Uri Dynalite, string Table)> NewTableAsync()
    {
        var dynalite = await emulators.DynamoDbAsync();
        var table = NewTable();
        using var direct = FaultTestClients.DynamoDb(dynalite, maxErrorRetry: 0);
        await EmulatorResources.CreateTableAsync(direct, table, CancellationToken.None);
        return (dynalite, table.Name);
    }

    private static async Task<Dictionary<string, AttributeValue>?> DirectGetAsync(Uri dynalite, string table, string studyId)
    {
        using var direct = FaultTestClients.DynamoDb(dynalite, maxErrorRetry: 0);
        var response = await direct.GetItemAsync(new GetItemRequest { TableName = table, Key = Key(studyId), ConsistentRead = true });
        return response.Item is { Count: > 0 } item ? item : null;
    }
}

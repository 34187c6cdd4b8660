using System.Diagnostics;
using System.Text.Json;
using Amazon.DynamoDBv2.Model;
using StrokeIngestion.Core.Aws.DynamoDb;
using StrokeIngestion.Core.Domain;
using StrokeIngestion.Sandbox.Emulators;
using StrokeIngestion.Testing;

namespace StrokeIngestion.Core.Tests.Aws;

/// <summary>The study table adapter against dynalite over loopback, with the table shaped like the stack's.</summary>
public sealed class DynamoDbStudyStoreTests : IClassFixture<DynamoDbEmulatorFixture>
{
    private static readonly string[] Monitorable = [StudyStatus.Received, StudyStatus.Importing];

    private static readonly string[] CountAttributeNames =
        ["files_scanned", "files_imported", "files_with_customer_error", "files_with_server_error", "image_sets_generated"];

    private readonly DynamoDbEmulatorFixture _fixture;

    public DynamoDbStudyStoreTests(DynamoDbEmulatorFixture fixture) => _fixture = fixture;

    [SkippableFact]
    public async Task TryCreateAsync_WhenEveryAttributeSet_ShouldReadBackTheSameStudy()
    {
        _fixture.Require();
        var study = DynamoDbTestStudies.Full(DynamoDbTestStudies.NewId());

        var created = await Store().TryCreateAsync(study, CancellationToken.None);
        var read = await Store().GetAsync(study.StudyId, CancellationToken.None);

        Assert.True(created);
        Assert.NotNull(read);
        Assert.Equivalent(study, read, strict: true);
    }

    [SkippableFact]
    public async Task TryCreateAsync_WhenOptionalAttributesNull_ShouldLeaveThemOutAndReadBackNulls()
    {
        _fixture.Require();
        var study = DynamoDbTestStudies.Minimal(DynamoDbTestStudies.NewId());

        await Store().TryCreateAsync(study, CancellationToken.None);
        var item = await RawItemAsync(study.StudyId);
        var read = await Store().GetAsync(study.StudyId, CancellationToken.None);

        Assert.Equal(
            [
                "datastore_id", "file_count", "import_prefix", "modality", "patient_id", "patient_id_mismatch_accepted",
                "poll_count", "processing_stage", "request_fingerprint", "s3_bucket", "s3_key", "series_instance_uids",
                "status", "study_description", "study_id", "study_instance_uid", "total_bytes", "upload_timestamp",
            ],
            item.Keys.Order(StringComparer.Ordinal));
        Assert.Equivalent(study, read, strict: true);
    }

    [SkippableFact]
    public async Task TryCreateAsync_WhenWritten_ShouldUseTheContractAttributeTypes()
    {
        _fixture.Require();
        var study = DynamoDbTestStudies.Full(DynamoDbTestStudies.NewId());

        await Store().TryCreateAsync(study, CancellationToken.None);
        var item = await RawItemAsync(study.StudyId);

        Assert.Equal(study.StudyId.Value, item["study_id"].S);
        Assert.Equal(["1.2.3.4", "1.2.3.5", "1.2.3.6"], item["series_instance_uids"].L.Select(v => v.S));
        Assert.Equal(study.ImageSetIds, item["image_set_ids"].L.Select(v => v.S));
        Assert.Equal("5368709120", item["total_bytes"].N);
        Assert.Equal("412", item["file_count"].N);
        Assert.Equal("7", item["poll_count"].N);
        Assert.True(item["patient_id_mismatch_accepted"].BOOL);
        Assert.Equal(
            ["412", "410", "2", "0", "2"],
            CountAttributeNames.Select(name => item[name].N));
    }

    [SkippableFact]
    public async Task TryCreateAsync_WhenIdAlreadyExists_ShouldReturnFalseAndKeepTheFirstItem()
    {
        _fixture.Require();
        var id = DynamoDbTestStudies.NewId();
        var first = DynamoDbTestStudies.Minimal(id);
        var second = DynamoDbTestStudies.Full(id) with { PatientId = "PAT-9999" };

        await Store().TryCreateAsync(first, CancellationToken.None);
        var created = await Store().TryCreateAsync(second, CancellationToken.None);

        Assert.False(created);
        Assert.Equivalent(first, await Store().GetAsync(id, CancellationToken.None), strict: true);
    }

    [SkippableFact]
    public async Task TryCreateAsync_WhenDescriptionIsEmpty_ShouldKeepTheEmptyString()
    {
        _fixture.Require();
        var study = DynamoDbTestStudies.Minimal(DynamoDbTestStudies.NewId()) with { StudyDescription = string.Empty, SeriesInstanceUids = [] };

        var created = await Store().TryCreateAsync(study, CancellationToken.None);
        var read = await Store().GetAsync(study.StudyId, CancellationToken.None);

        Assert.True(created);
        Assert.NotNull(read);
        Assert.Equal(string.Empty, read.StudyDescription);
        Assert.Empty(read.SeriesInstanceUids);
    }

    [SkippableFact]
    public async Task GetAsync_WhenStudyMissing_ShouldReturnNull()
    {
        _fixture.Require();

        var read = await Store().GetAsync(DynamoDbTestStudies.NewId(), CancellationToken.None);

        Assert.Null(read);
    }

    [SkippableFact]
    public async Task TryUpdateAsync_WhenStatusIsExpected_ShouldApplyEveryGivenFieldAndKeepTheRest()
    {
        _fixture.Require();
        var study = DynamoDbTestStudies.Minimal(DynamoDbTestStudies.NewId()) with { Status = StudyStatus.Importing, ImportJobId = "job1" };
        await Store().TryCreateAsync(study, CancellationToken.None);
        var update = new StudyUpdate
        {
            UpdatedAt = "2026-11-25T13:00:00.000Z",
            Status = StudyStatus.ReadyForAnalysis,
            ImportStatus = ImportJobStatus.Completed,
            PollCount = 12,
            ImageSetId = "img1",
            ImageSetIds = ["img1", "img2"],
            ImportCounts = new ImportFileCounts(2, 2, 0, 0, 2),
            ReadyAt = "2026-11-25T13:00:00.000Z",
        };

        var applied = await Store().TryUpdateAsync(study.StudyId, update, Monitorable, CancellationToken.None);
        var read = await Store().GetAsync(study.StudyId, CancellationToken.None);

        Assert.True(applied);
        var expected = study with
        {
            UpdatedAt = update.UpdatedAt,
            Status = StudyStatus.ReadyForAnalysis,
            ImportStatus = ImportJobStatus.Completed,
            PollCount = 12,
            ImageSetId = "img1",
            ImageSetIds = ["img1", "img2"],
            ImportCounts = new ImportFileCounts(2, 2, 0, 0, 2),
            ReadyAt = update.ReadyAt,
        };
        Assert.Equivalent(expected, read, strict: true);
    }

    [SkippableFact]
    public async Task TryUpdateAsync_WhenStatusIsNotExpected_ShouldReturnFalseAndChangeNothing()
    {
        _fixture.Require();
        var study = DynamoDbTestStudies.Minimal(DynamoDbTestStudies.NewId()) with { Status = StudyStatus.ReadyForAnalysis };
        await Store().TryCreateAsync(study, CancellationToken.None);
        var update = new StudyUpdate
        {
            UpdatedAt = "2026-11-25T13:00:00.000Z",
            Status = StudyStatus.ImportTimedOut,
            FailureReason = "import_timed_out",
        };

        var applied = await Store().TryUpdateAsync(study.StudyId, update, Monitorable, CancellationToken.None);

        Assert.False(applied);
        Assert.Equivalent(study, await Store().GetAsync(study.StudyId, CancellationToken.None), strict: true);
    }

    [SkippableFact]
    public async Task TryUpdateAsync_WhenStudyMissing_ShouldReturnFalseAndCreateNothing()
    {
        _fixture.Require();
        var id = DynamoDbTestStudies.NewId();
        var update = new StudyUpdate { UpdatedAt = "2026-11-25T13:00:00.000Z", Status = StudyStatus.Importing };

        var applied = await Store().TryUpdateAsync(id, update, Monitorable, CancellationToken.None);

        Assert.False(applied);
        Assert.Null(await Store().GetAsync(id, CancellationToken.None));
    }

    [SkippableFact]
    public async Task TryUpdateAsync_WhenOnlyTimestampGiven_ShouldChangeOnlyUpdatedAt()
    {
        _fixture.Require();
        var study = DynamoDbTestStudies.Full(DynamoDbTestStudies.NewId());
        await Store().TryCreateAsync(study, CancellationToken.None);

        var applied = await Store().TryUpdateAsync(
            study.StudyId,
            new StudyUpdate { UpdatedAt = "2026-11-25T14:00:00.000Z" },
            [StudyStatus.Importing],
            CancellationToken.None);

        Assert.True(applied);
        Assert.Equivalent(study with { UpdatedAt = "2026-11-25T14:00:00.000Z" }, await Store().GetAsync(study.StudyId, CancellationToken.None), strict: true);
    }

    [SkippableFact]
    public async Task PatientIndex_WhenQueriedByPatient_ShouldReturnThatPatientsStudiesByUploadTime()
    {
        _fixture.Require();
        var patientId = "PAT-" + Guid.NewGuid().ToString("N");
        var later = DynamoDbTestStudies.Minimal(DynamoDbTestStudies.NewId(), patientId, "2026-11-25T12:30:00.000Z");
        var earlier = DynamoDbTestStudies.Minimal(DynamoDbTestStudies.NewId(), patientId, "2026-11-25T12:00:00.000Z");
        var otherPatient = DynamoDbTestStudies.Minimal(DynamoDbTestStudies.NewId(), "PAT-" + Guid.NewGuid().ToString("N"));
        foreach (var study in new[] { later, earlier, otherPatient })
        {
            await Store().TryCreateAsync(study, CancellationToken.None);
        }

        var response = await _fixture.Client.QueryAsync(new QueryRequest
        {
            TableName = DynamoDbEmulatorFixture.TableName,
            IndexName = DynamoDbEmulatorFixture.PatientIndexName,
            KeyConditionExpression = "patient_id = :p",
            ExpressionAttributeValues = new() { [":p"] = new AttributeValue { S = patientId } },
        });

        Assert.Equal([earlier.StudyId.Value, later.StudyId.Value], response.Items.Select(i => i["study_id"].S));
        Assert.Equivalent(earlier, StudyItem.FromItem(response.Items[0]), strict: true);
    }

    [SkippableFact]
    public async Task AwsCli_WhenReadingAnItemTheAdapterWrote_ShouldSeeItsAttributes()
    {
        _fixture.Require();
        var aws = ExternalTool.RequireAwsCli();
        var study = DynamoDbTestStudies.Full(DynamoDbTestStudies.NewId());
        await Store().TryCreateAsync(study, CancellationToken.None);

        var output = await RunAwsCliAsync(
            aws,
            "--endpoint-url", _fixture.Emulator.Endpoint.ToString(),
            "dynamodb", "get-item",
            "--table-name", DynamoDbEmulatorFixture.TableName,
            "--key", $$$"""{"study_id":{"S":"{{{study.StudyId.Value}}}"}}""",
            "--consistent-read",
            "--output", "json");

        using var json = JsonDocument.Parse(output);
        var item = json.RootElement.GetProperty("Item");
        Assert.Equal(study.StudyId.Value, item.GetProperty("study_id").GetProperty("S").GetString());
        Assert.Equal(StudyStatus.Importing, item.GetProperty("status").GetProperty("S").GetString());
        Assert.Equal("412", item.GetProperty("file_count").GetProperty("N").GetString());
        Assert.Equal(3, item.GetProperty("series_instance_uids").GetProperty("L").GetArrayLength());
        Assert.True(item.GetProperty("patient_id_mismatch_accepted").GetProperty("BOOL").GetBoolean());
    }

    private DynamoDbStudyStore Store() => new(_fixture.Client, DynamoDbEmulatorFixture.TableName);

    private async Task<Dictionary<string, AttributeValue>> RawItemAsync(StudyId id)
    {
        var response = await _fixture.Client.GetItemAsync(new GetItemRequest
        {
            TableName = DynamoDbEmulatorFixture.TableName,
            Key = new() { ["study_id"] = new AttributeValue { S = id.Value } },
            ConsistentRead = true,
        });
        return response.Item ?? throw new InvalidOperationException("The item just written is missing.");
    }

    private static async Task<string> RunAwsCliAsync(string aws, params string[] arguments)
    {
        var startInfo = new ProcessStartInfo(aws)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        // Operators' lookup: any key pair and region the emulator accepts, no profile files.
        startInfo.Environment["AWS_ACCESS_KEY_ID"] = NodeEmulatorProcess.AccessKeyId;
        startInfo.Environment["AWS_SECRET_ACCESS_KEY"] = NodeEmulatorProcess.SecretAccessKey;
        startInfo.Environment["AWS_DEFAULT_REGION"] = EmulatorResources.Region;
        startInfo.Environment["AWS_CONFIG_FILE"] = "/dev/null";
        startInfo.Environment["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null";
        startInfo.Environment["AWS_PAGER"] = string.Empty;

        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException("aws did not start.");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"aws exited with {process.ExitCode}: {await stderr}");
        return await stdout;
    }
}

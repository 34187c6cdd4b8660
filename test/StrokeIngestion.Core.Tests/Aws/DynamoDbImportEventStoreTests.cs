using Amazon.DynamoDBv2.Model;
using Moq;
using StrokeIngestion.Core.Aws.DynamoDb;
using StrokeIngestion.Core.Domain;
using StrokeIngestion.Core.Errors;

namespace StrokeIngestion.Core.Tests.Aws;

/// <summary>
/// The import-event side of the study table adapter against dynalite: arming the workflow's
/// wait and recording the import event, with the contract's conditions.
/// </summary>
public sealed class DynamoDbImportEventStoreTests : IClassFixture<DynamoDbEmulatorFixture>
{
    private const string Token = "AQCEAAAAKgAAAAMAAAAAAAAAAd0Zt7M1bP+example-task-token==";
    private const string ArmedAt = "2026-11-25T12:00:30.000Z";
    private const string EventAt = "2026-11-25T12:04:00.000Z";

    private readonly DynamoDbEmulatorFixture _fixture;

    public DynamoDbImportEventStoreTests(DynamoDbEmulatorFixture fixture) => _fixture = fixture;

    [SkippableFact]
    public async Task TryArmImportEventWaitAsync_WhenNoEventYet_ShouldStoreTheTokenAndTimestampOnly()
    {
        _fixture.Require();
        var study = await CreateAsync(DynamoDbTestStudies.Importing(DynamoDbTestStudies.NewId()));

        var armed = await Store().TryArmImportEventWaitAsync(study.StudyId, Token, ArmedAt, CancellationToken.None);

        Assert.True(armed);
        Assert.Equivalent(study with { WorkflowTaskToken = Token, UpdatedAt = ArmedAt }, await ReadAsync(study.StudyId), strict: true);
    }

    [SkippableFact]
    public async Task TryArmImportEventWaitAsync_WhenTheEventCameFirst_ShouldReturnFalseAndStoreNoToken()
    {
        _fixture.Require();
        var study = await CreateAsync(DynamoDbTestStudies.Importing(DynamoDbTestStudies.NewId()));
        await Store().TryRecordImportEventAsync(study.StudyId, study.ImportJobId ?? "", ImportJobStatus.Completed, EventAt, CancellationToken.None);

        var armed = await Store().TryArmImportEventWaitAsync(study.StudyId, Token, ArmedAt, CancellationToken.None);

        Assert.False(armed);
        var read = await ReadAsync(study.StudyId);
        Assert.Null(read.WorkflowTaskToken);
        Assert.Equal(study.UpdatedAt, read.UpdatedAt);
    }

    [SkippableFact]
    public async Task TryArmImportEventWaitAsync_WhenTheStudyIsMissing_ShouldReturnFalseAndCreateNothing()
    {
        _fixture.Require();
        var id = DynamoDbTestStudies.NewId();

        var armed = await Store().TryArmImportEventWaitAsync(id, Token, ArmedAt, CancellationToken.None);

        Assert.False(armed);
        Assert.Null(await Store().GetAsync(id, CancellationToken.None));
    }

    [SkippableFact]
    public async Task TryRecordImportEventAsync_WhenArmed_ShouldRecordTheEventAndReturnTheToken()
    {
        _fixture.Require();
        var study = await CreateAsync(DynamoDbTestStudies.Importing(DynamoDbTestStudies.NewId()));
        await Store().TryArmImportEventWaitAsync(study.StudyId, Token, ArmedAt, CancellationToken.None);

        var recording = await Store().TryRecordImportEventAsync(study.StudyId, study.ImportJobId ?? "", ImportJobStatus.Failed, EventAt, CancellationToken.None);

        Assert.Equal(new(true, Token), recording);
        Assert.Equivalent(
            study with { WorkflowTaskToken = Token, UpdatedAt = ArmedAt, ImportEventStatus = ImportJobStatus.Failed, ImportEventAt = EventAt },
            await ReadAsync(study.StudyId),
            strict: true);
    }

    [SkippableFact]
    public async Task TryRecordImportEventAsync_WhenNotArmed_ShouldRecordTheEventWithoutAToken()
    {
        _fixture.Require();
        var study = await CreateAsync(DynamoDbTestStudies.Importing(DynamoDbTestStudies.NewId()));

        var recording = await Store().TryRecordImportEventAsync(study.StudyId, study.ImportJobId ?? "", ImportJobStatus.Completed, EventAt, CancellationToken.None);

        Assert.Equal(new(true, null), recording);
        Assert.Equal(ImportJobStatus.Completed, (await ReadAsync(study.StudyId)).ImportEventStatus);
    }

    [SkippableFact]
    public async Task TryRecordImportEventAsync_WhenTheStudyHasNoJobIdYet_ShouldRecordTheEvent()
    {
        _fixture.Require();
        var study = await CreateAsync(DynamoDbTestStudies.Minimal(DynamoDbTestStudies.NewId()));

        var recording = await Store().TryRecordImportEventAsync(study.StudyId, "5b9e4e8d", ImportJobStatus.Completed, EventAt, CancellationToken.None);

        Assert.True(recording.Recorded);
        Assert.Equal(EventAt, (await ReadAsync(study.StudyId)).ImportEventAt);
    }

    [SkippableFact]
    public async Task TryRecordImportEventAsync_WhenTheJobIdDiffers_ShouldRefuseAndChangeNothing()
    {
        _fixture.Require();
        var study = await CreateAsync(DynamoDbTestStudies.Importing(DynamoDbTestStudies.NewId()));
        await Store().TryArmImportEventWaitAsync(study.StudyId, Token, ArmedAt, CancellationToken.None);

        var recording = await Store().TryRecordImportEventAsync(study.StudyId, "0000aaaa1111bbbb", ImportJobStatus.Completed, EventAt, CancellationToken.None);

        Assert.Equal(new(false, null), recording);
        var read = await ReadAsync(study.StudyId);
        Assert.Null(read.ImportEventStatus);
        Assert.Null(read.ImportEventAt);
    }

    [SkippableFact]
    public async Task TryRecordImportEventAsync_WhenTheStudyIsMissing_ShouldRefuseAndCreateNothing()
    {
        _fixture.Require();
        var id = DynamoDbTestStudies.NewId();

        var recording = await Store().TryRecordImportEventAsync(id, "5b9e4e8d", ImportJobStatus.Completed, EventAt, CancellationToken.None);

        Assert.False(recording.Recorded);
        Assert.Null(await Store().GetAsync(id, CancellationToken.None));
    }

    [Fact]
    public async Task TryArmImportEventWaitAsync_ShouldSendTheContractsExpressions()
    {
        var dynamoDb = new Mock<Amazon.DynamoDBv2.IAmazonDynamoDB>(MockBehavior.Strict);
        UpdateItemRequest? sent = null;
        dynamoDb.Setup(d => d.UpdateItemAsync(It.IsAny<UpdateItemRequest>(), It.IsAny<CancellationToken>()))
            .Callback<UpdateItemRequest, CancellationToken>((request, _) => sent = request)
            .ReturnsAsync(new UpdateItemResponse());
        var id = DynamoDbTestStudies.NewId();

        await new DynamoDbStudyStore(dynamoDb.Object, "table").TryArmImportEventWaitAsync(id, Token, ArmedAt, CancellationToken.None);

        Assert.NotNull(sent);
        Assert.Equal("SET workflow_task_token = :token, updated_at = :now", sent.UpdateExpression);
        Assert.Equal("attribute_exists(study_id) AND attribute_not_exists(import_event_status)", sent.ConditionExpression);
        Assert.Equal(id.Value, sent.Key["study_id"].S);
        Assert.Equal(Token, sent.ExpressionAttributeValues[":token"].S);
        Assert.Equal(ArmedAt, sent.ExpressionAttributeValues[":now"].S);
    }

    [Fact]
    public async Task TryRecordImportEventAsync_ShouldSendTheContractsExpressionsAndAskForTheNewItem()
    {
        var dynamoDb = new Mock<Amazon.DynamoDBv2.IAmazonDynamoDB>(MockBehavior.Strict);
        UpdateItemRequest? sent = null;
        dynamoDb.Setup(d => d.UpdateItemAsync(It.IsAny<UpdateItemRequest>(), It.IsAny<CancellationToken>()))
            .Callback<UpdateItemRequest, CancellationToken>((request, _) => sent = request)
            .ReturnsAsync(new UpdateItemResponse());

        await new DynamoDbStudyStore(dynamoDb.Object, "table").TryRecordImportEventAsync(DynamoDbTestStudies.NewId(), "5b9e4e8d", ImportJobStatus.Completed, EventAt, CancellationToken.None);

        Assert.NotNull(sent);
        Assert.Equal("SET import_event_status = :job_status, import_event_at = :now", sent.UpdateExpression);
        Assert.Equal("attribute_exists(study_id) AND (attribute_not_exists(import_job_id) OR import_job_id = :job_id)", sent.ConditionExpression);
        Assert.Equal(Amazon.DynamoDBv2.ReturnValue.ALL_NEW, sent.ReturnValues);
        Assert.Equal("5b9e4e8d", sent.ExpressionAttributeValues[":job_id"].S);
        Assert.Equal(ImportJobStatus.Completed, sent.ExpressionAttributeValues[":job_status"].S);
    }

    [Fact]
    public async Task TryRecordImportEventAsync_WhenThrottled_ShouldThrowTransient()
    {
        var dynamoDb = new Mock<Amazon.DynamoDBv2.IAmazonDynamoDB>(MockBehavior.Strict);
        dynamoDb.Setup(d => d.UpdateItemAsync(It.IsAny<UpdateItemRequest>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new ProvisionedThroughputExceededException("Rate exceeded"));

        var error = await Assert.ThrowsAsync<TransientDependencyException>(
            () => new DynamoDbStudyStore(dynamoDb.Object, "table").TryRecordImportEventAsync(DynamoDbTestStudies.NewId(), "5b9e4e8d", ImportJobStatus.Completed, EventAt, CancellationToken.None));

        Assert.True(error.Throttled);
    }

    private DynamoDbStudyStore Store() => new(_fixture.Client, DynamoDbEmulatorFixture.TableName);

    private async Task<Study> CreateAsync(Study study)
    {
        Assert.True(await Store().TryCreateAsync(study, CancellationToken.None));
        return study;
    }

    private async Task<Study> ReadAsync(StudyId id) =>
        await Store().GetAsync(id, CancellationToken.None) ?? throw new InvalidOperationException("The study is gone.");
}

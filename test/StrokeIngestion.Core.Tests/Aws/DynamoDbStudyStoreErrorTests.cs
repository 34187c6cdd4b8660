using System.Net;
using System.Text.RegularExpressions;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Moq;
using StrokeIngestion.Core.Aws.DynamoDb;
using StrokeIngestion.Core.Domain;
using StrokeIngestion.Core.Errors;

namespace StrokeIngestion.Core.Tests.Aws;

/// <summary>How the study table adapter translates SDK failures and builds its requests, with the client mocked.</summary>
public sealed partial class DynamoDbStudyStoreErrorTests
{
    private const string Table = "study-table";
    private const string PatientId = "PAT-DOE-JANE-1970";

    private readonly Mock<IAmazonDynamoDB> _dynamoDb = new(MockBehavior.Strict);

    [Theory]
    [InlineData("ProvisionedThroughputExceeded", true, "ProvisionedThroughputExceededException")]
    [InlineData("Throttling", true, "ThrottlingException")]
    [InlineData("RequestLimitExceeded", true, "RequestLimitExceededException")]
    [InlineData("ThrottlingByCode", true, "ThrottlingException")]
    [InlineData("Http429", true, "Http429")]
    [InlineData("InternalServerError", false, "InternalServerError")]
    [InlineData("Http500", false, "Http500")]
    [InlineData("Http503", false, "ServiceUnavailable")]
    public async Task TryCreateAsync_WhenDynamoDbAnswersRetryably_ShouldThrowTransientWithThrottledFlag(string failure, bool throttled, string code)
    {
        _dynamoDb.Setup(d => d.PutItemAsync(It.IsAny<PutItemRequest>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(Failure(failure));

        var error = await Assert.ThrowsAsync<TransientDependencyException>(
            () => Store().TryCreateAsync(DynamoDbTestStudies.Minimal(DynamoDbTestStudies.NewId(), PatientId), CancellationToken.None));

        Assert.Equal(throttled, error.Throttled);
        Assert.Equal(code, error.ErrorCode);
        Assert.Equal(Dependency.DynamoDb, error.Dependency);
    }

    [Theory]
    [InlineData("AccessDenied", "AccessDeniedException")]
    [InlineData("Validation", "ValidationException")]
    [InlineData("ResourceNotFound", "ResourceNotFoundException")]
    public async Task TryUpdateAsync_WhenDynamoDbRefusesTheRequest_ShouldThrowPermanentWithTheErrorCode(string failure, string code)
    {
        _dynamoDb.Setup(d => d.UpdateItemAsync(It.IsAny<UpdateItemRequest>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(Failure(failure));

        var error = await Assert.ThrowsAsync<DependencyException>(
            () => Store().TryUpdateAsync(DynamoDbTestStudies.NewId(), new StudyUpdate { UpdatedAt = "t" }, [StudyStatus.Received], CancellationToken.None));

        Assert.IsNotType<TransientDependencyException>(error);
        Assert.Equal(code, error.ErrorCode);
    }

    [Fact]
    public async Task GetAsync_WhenHttpClientTimesOut_ShouldThrowTransientTimeout()
    {
        _dynamoDb.Setup(d => d.GetItemAsync(It.IsAny<GetItemRequest>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout", new TimeoutException()));

        var error = await Assert.ThrowsAsync<TransientDependencyException>(
            () => Store().GetAsync(DynamoDbTestStudies.NewId(), CancellationToken.None));

        Assert.Equal("Timeout", error.ErrorCode);
        Assert.False(error.Throttled);
    }

    [Fact]
    public async Task GetAsync_WhenConnectionFails_ShouldThrowTransient()
    {
        _dynamoDb.Setup(d => d.GetItemAsync(It.IsAny<GetItemRequest>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new HttpRequestException("Connection refused"));

        var error = await Assert.ThrowsAsync<TransientDependencyException>(
            () => Store().GetAsync(DynamoDbTestStudies.NewId(), CancellationToken.None));

        Assert.Equal("ConnectionFailure", error.ErrorCode);
    }

    [Fact]
    public async Task GetAsync_WhenCallerCancels_ShouldLetTheCancellationThrough()
    {
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();
        _dynamoDb.Setup(d => d.GetItemAsync(It.IsAny<GetItemRequest>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new TaskCanceledException("canceled", null, cancellation.Token));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => Store().GetAsync(DynamoDbTestStudies.NewId(), cancellation.Token));
    }

    [Fact]
    public async Task TryCreateAsync_WhenFailing_ShouldKeepItemValuesOutOfTheMessage()
    {
        _dynamoDb.Setup(d => d.PutItemAsync(It.IsAny<PutItemRequest>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new AmazonDynamoDBException($"One or more parameter values were invalid: {PatientId}", ErrorType.Sender, "ValidationException", "r1", HttpStatusCode.BadRequest));

        var error = await Assert.ThrowsAsync<DependencyException>(
            () => Store().TryCreateAsync(DynamoDbTestStudies.Minimal(DynamoDbTestStudies.NewId(), PatientId), CancellationToken.None));

        Assert.DoesNotContain(PatientId, error.Message, StringComparison.Ordinal);
        Assert.Contains("ValidationException", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetAsync_WhenItemLacksARequiredAttribute_ShouldThrowMalformedWithoutValues()
    {
        var id = DynamoDbTestStudies.NewId();
        var item = StudyItem.ToItem(DynamoDbTestStudies.Minimal(id, PatientId));
        item.Remove(StudyItem.Status);
        _dynamoDb.Setup(d => d.GetItemAsync(It.IsAny<GetItemRequest>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new GetItemResponse { Item = item });

        var error = await Assert.ThrowsAsync<DependencyException>(() => Store().GetAsync(id, CancellationToken.None));

        Assert.Equal("MalformedItem", error.ErrorCode);
        Assert.Contains("'status'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(PatientId, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetAsync_WhenAskingForAStudy_ShouldReadConsistently()
    {
        GetItemRequest? sent = null;
        _dynamoDb.Setup(d => d.GetItemAsync(It.IsAny<GetItemRequest>(), It.IsAny<CancellationToken>()))
            .Callback<GetItemRequest, CancellationToken>((request, _) => sent = request)
            .ReturnsAsync(new GetItemResponse());

        var read = await Store().GetAsync(DynamoDbTestStudies.NewId(), CancellationToken.None);

        Assert.Null(read);
        Assert.NotNull(sent);
        Assert.True(sent.ConsistentRead);
        Assert.Equal(Table, sent.TableName);
    }

    [Fact]
    public void BuildUpdate_WhenStatusIsSetAndChecked_ShouldNameEveryAttributeThroughPlaceholders()
    {
        var update = new StudyUpdate
        {
            UpdatedAt = "2026-11-25T13:00:00.000Z",
            Status = StudyStatus.ImportFailed,
            FailureReason = "import_failed",
            ImportCounts = new ImportFileCounts(3, 1, 2, 0, 1),
        };

        var request = new DynamoDbStudyStore(_dynamoDb.Object, Table)
            .BuildUpdate(DynamoDbTestStudies.NewId(), update, [StudyStatus.Received, StudyStatus.Importing]);

        Assert.DoesNotMatch(BareWord(), request.UpdateExpression);
        Assert.DoesNotMatch(BareWord(), request.ConditionExpression);
        Assert.Equal(
            ["failure_reason", "files_imported", "files_scanned", "files_with_customer_error", "files_with_server_error", "image_sets_generated", "status", "study_id", "updated_at"],
            request.ExpressionAttributeNames.Values.Order(StringComparer.Ordinal));
        Assert.Equal(
            [StudyStatus.Received, StudyStatus.Importing],
            request.ExpressionAttributeValues.Skip(request.ExpressionAttributeValues.Count - 2).Select(v => v.Value.S));
        Assert.Matches(@"^attribute_exists\(#n\d+\) AND #n\d+ IN \(:v\d+, :v\d+\)$", request.ConditionExpression);
    }

    [Fact]
    public async Task TryUpdateAsync_WhenNoStatusIsExpected_ShouldRefuseBeforeCallingDynamoDb()
    {
        await Assert.ThrowsAsync<ArgumentException>(
            () => Store().TryUpdateAsync(DynamoDbTestStudies.NewId(), new StudyUpdate { UpdatedAt = "t" }, [], CancellationToken.None));
    }

    private DynamoDbStudyStore Store() => new(_dynamoDb.Object, Table);

    // Every attribute name in an expression must be a #placeholder: a bare word like
    // "status" is a DynamoDB reserved word.
    [GeneratedRegex(@"(?<![#:\w])(?!AND\b|IN\b|SET\b|attribute_exists\b)[A-Za-z_]+\b")]
    private static partial Regex BareWord();

    private static AmazonDynamoDBException Failure(string failure) => failure switch
    {
        "ProvisionedThroughputExceeded" => new ProvisionedThroughputExceededException("Rate exceeded", ErrorType.Sender, "ProvisionedThroughputExceededException", "r1", HttpStatusCode.BadRequest),
        "Throttling" => new ThrottlingException("Rate of requests exceeds the allowed throughput."),
        "RequestLimitExceeded" => new RequestLimitExceededException("Throughput exceeds the account limit."),
        "ThrottlingByCode" => new AmazonDynamoDBException("slow down", ErrorType.Sender, "ThrottlingException", "r1", HttpStatusCode.BadRequest),
        "Http429" => new AmazonDynamoDBException("slow down", ErrorType.Sender, string.Empty, "r1", (HttpStatusCode)429),
        "InternalServerError" => new InternalServerErrorException("Internal server error", ErrorType.Receiver, "InternalServerError", "r1", HttpStatusCode.InternalServerError),
        "Http500" => new AmazonDynamoDBException("oops", ErrorType.Receiver, string.Empty, "r1", HttpStatusCode.InternalServerError),
        "Http503" => new AmazonDynamoDBException("unavailable", ErrorType.Receiver, "ServiceUnavailable", "r1", HttpStatusCode.ServiceUnavailable),
        "AccessDenied" => new AmazonDynamoDBException("not authorized", ErrorType.Sender, "AccessDeniedException", "r1", HttpStatusCode.BadRequest),
        "Validation" => new AmazonDynamoDBException("invalid", ErrorType.Sender, "ValidationException", "r1", HttpStatusCode.BadRequest),
        "ResourceNotFound" => new ResourceNotFoundException("Requested resource not found"),
        _ => throw new ArgumentOutOfRangeException(nameof(failure), failure, null),
    };
}

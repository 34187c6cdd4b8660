using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using StrokeIngestion.Core.Domain;
using StrokeIngestion.Core.Errors;
using StrokeIngestion.Core.Ports;

namespace StrokeIngestion.Core.Aws.DynamoDb;

/// <summary>
/// <see cref="IStudyStore"/> and <see cref="IImportEventStore"/> over the study table with
/// DynamoDB's low-level API. Every write is conditional, so a lost race shows up as
/// <c>false</c>, never as an overwrite.
/// </summary>
internal sealed class DynamoDbStudyStore : IStudyStore, IImportEventStore
{
    // The contract's expressions verbatim: none of these attribute names is a reserved word.
    internal const string ArmUpdateExpression = "SET workflow_task_token = :token, updated_at = :now";
    internal const string ArmCondition = "attribute_exists(study_id) AND attribute_not_exists(import_event_status)";
    internal const string ImportEventUpdateExpression = "SET import_event_status = :job_status, import_event_at = :now";
    internal const string ImportEventCondition = "attribute_exists(study_id) AND (attribute_not_exists(import_job_id) OR import_job_id = :job_id)";

    /// <summary>DynamoDB's limit on the operands of one IN comparison.</summary>
    internal const int MaxExpectedStatuses = 100;

    internal static readonly SdkErrorTranslator ErrorTranslator = new(
        Dependency.DynamoDb,
        "DynamoDB",
        throttlingStatuses: [],
        throttlingCodes: ["ProvisionedThroughputExceededException", "RequestLimitExceeded", "RequestLimitExceededException"],
        transientCodes: ["InternalServerErrorException", "ServiceUnavailableException", "TransactionConflictException"]);

    /// <summary>The table's index by status and last update (keys only), the sweep's way to find stuck studies.</summary>
    public const string StatusIndexName = "status-index";

    private readonly IAmazonDynamoDB _dynamoDb;
    private readonly string _tableName;

    /// <param name="dynamoDb">The client; owned by the caller (one per container).</param>
    /// <param name="tableName">The study table.</param>
    public DynamoDbStudyStore(IAmazonDynamoDB dynamoDb, string tableName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tableName);
        _dynamoDb = dynamoDb;
        _tableName = tableName;
    }

    public async Task<bool> TryCreateAsync(Study study, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(study);
        var request = new PutItemRequest
        {
            TableName = _tableName,
            Item = StudyItem.ToItem(study),
            ConditionExpression = "attribute_not_exists(#id)",
            ExpressionAttributeNames = new Dictionary<string, string>(StringComparer.Ordinal) { ["#id"] = StudyItem.StudyId },
        };

        try
        {
            await _dynamoDb.PutItemAsync(request, cancellationToken);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
        catch (Exception error) when (SdkErrorTranslator.ShouldTranslate(error, cancellationToken))
        {
            throw ErrorTranslator.Translate("PutItem", error);
        }
    }

    public async Task<Study?> GetAsync(StudyId id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        GetItemResponse response;
        try
        {
            response = await _dynamoDb.GetItemAsync(
                new GetItemRequest { TableName = _tableName, Key = StudyItem.Key(id), ConsistentRead = true },
                cancellationToken);
        }
        catch (Exception error) when (SdkErrorTranslator.ShouldTranslate(error, cancellationToken))
        {
            throw ErrorTranslator.Translate("GetItem", error);
        }

        // SDK v4 answers a missing key with Item == null; an empty map means the same.
        return response.Item is { Count: > 0 } item ? StudyItem.FromItem(item) : null;
    }

    public async Task<IReadOnlyList<StudyId>> ListStaleAsync(string status, DateTimeOffset updatedBefore, int limit, CancellationToken cancellationToken)
    {
        QueryResponse response;
        try
        {
            response = await _dynamoDb.QueryAsync(
                new QueryRequest
                {
                    TableName = _tableName,
                    IndexName = StatusIndexName,
                    KeyConditionExpression = "#status = :status AND #updated_at < :before",
                    ExpressionAttributeNames = new Dictionary<string, string> { ["#status"] = StudyItem.Status, ["#updated_at"] = StudyItem.UpdatedAt },
                    ExpressionAttributeValues = new Dictionary<string, AttributeValue>
                    {
                        [":status"] = StudyItem.S(status),
                        [":before"] = StudyItem.S(Timestamps.Format(updatedBefore)),
                    },
                    Limit = limit,
                },
                cancellationToken);
        }
        catch (Exception error) when (SdkErrorTranslator.ShouldTranslate(error, cancellationToken))
        {
            throw ErrorTranslator.Translate("Query", error);
        }

        var ids = new List<StudyId>();
        foreach (var item in response.Items ?? [])
        {
            if (item.TryGetValue(StudyItem.StudyId, out var value) && StudyId.TryParse(value.S, out var id))
            {
                ids.Add(id);
            }
        }

        return ids;
    }

    public async Task<bool> TryUpdateAsync(StudyId id, StudyUpdate update, IReadOnlyCollection<string> expectedStatuses, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(update);
        ArgumentNullException.ThrowIfNull(expectedStatuses);
        if (expectedStatuses.Count is 0 or > MaxExpectedStatuses)
        {
            throw new ArgumentException($"Between 1 and {MaxExpectedStatuses} expected statuses are required.", nameof(expectedStatuses));
        }

        return await ConditionalUpdateAsync(BuildUpdate(id, update, expectedStatuses), cancellationToken) is not null;
    }

    public async Task<bool> TryArmImportEventWaitAsync(StudyId id, string taskToken, string at, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentException.ThrowIfNullOrEmpty(taskToken);
        ArgumentException.ThrowIfNullOrEmpty(at);
        var request = new UpdateItemRequest
        {
            TableName = _tableName,
            Key = StudyItem.Key(id),
            UpdateExpression = ArmUpdateExpression,
            ConditionExpression = ArmCondition,
            ExpressionAttributeValues = new Dictionary<string, AttributeValue>(StringComparer.Ordinal)
            {
                [":token"] = StudyItem.S(taskToken),
                [":now"] = StudyItem.S(at),
            },
        };

        return await ConditionalUpdateAsync(request, cancellationToken) is not null;
    }

    public async Task<ImportEventRecording> TryRecordImportEventAsync(StudyId id, string importJobId, string jobStatus, string at, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentException.ThrowIfNullOrEmpty(importJobId);
        ArgumentException.ThrowIfNullOrEmpty(jobStatus);
        ArgumentException.ThrowIfNullOrEmpty(at);
        var request = new UpdateItemRequest
        {
            TableName = _tableName,
            Key = StudyItem.Key(id),
            UpdateExpression = ImportEventUpdateExpression,
            ConditionExpression = ImportEventCondition,
            ExpressionAttributeValues = new Dictionary<string, AttributeValue>(StringComparer.Ordinal)
            {
                [":job_status"] = StudyItem.S(jobStatus),
                [":now"] = StudyItem.S(at),
                [":job_id"] = StudyItem.S(importJobId),
            },
            ReturnValues = ReturnValue.ALL_NEW,
        };

        if (await ConditionalUpdateAsync(request, cancellationToken) is not { } response)
        {
            return ImportEventRecording.Refused;
        }

        // Only the token is needed: reading the whole study would fail the wake-up on an
        // unrelated malformed attribute.
        var token = response.Attributes is { } attributes
            && attributes.TryGetValue(StudyItem.WorkflowTaskToken, out var value)
            && !string.IsNullOrEmpty(value.S)
                ? value.S
                : null;
        return new ImportEventRecording(true, token);
    }

    /// <summary>The answer, or null when the request's condition did not hold (nothing written).</summary>
    private async Task<UpdateItemResponse?> ConditionalUpdateAsync(UpdateItemRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return await _dynamoDb.UpdateItemAsync(request, cancellationToken);
        }
        catch (ConditionalCheckFailedException)
        {
            return null;
        }
        catch (Exception error) when (SdkErrorTranslator.ShouldTranslate(error, cancellationToken))
        {
            throw ErrorTranslator.Translate("UpdateItem", error);
        }
    }

    internal UpdateItemRequest BuildUpdate(StudyId id, StudyUpdate update, IReadOnlyCollection<string> expectedStatuses)
    {
        var expression = new UpdateExpressionBuilder();
        expression.Set(StudyItem.UpdatedAt, StudyItem.S(update.UpdatedAt));
        expression.SetIfNotNull(StudyItem.Status, update.Status);
        expression.SetIfNotNull(StudyItem.ImportStatus, update.ImportStatus);
        expression.SetIfNotNull(StudyItem.ImportJobId, update.ImportJobId);
        expression.SetIfNotNull(StudyItem.ExecutionArn, update.ExecutionArn);
        expression.SetIfNotNull(StudyItem.FailureReason, update.FailureReason);
        expression.SetIfNotNull(StudyItem.FailureMessage, update.FailureMessage);
        if (update.PollCount is { } pollCount)
        {
            expression.Set(StudyItem.PollCount, StudyItem.N(pollCount));
        }

        expression.SetIfNotNull(StudyItem.ImageSetId, update.ImageSetId);
        if (update.ImageSetIds is { } imageSetIds)
        {
            expression.Set(StudyItem.ImageSetIds, StudyItem.L(imageSetIds));
        }

        if (update.ImportCounts is { } counts)
        {
            foreach (var (name, value) in StudyItem.CountAttributes(counts))
            {
                expression.Set(name, value);
            }
        }

        expression.SetIfNotNull(StudyItem.ReadyAt, update.ReadyAt);

        var condition = $"attribute_exists({expression.Name(StudyItem.StudyId)}) AND {expression.Name(StudyItem.Status)} IN ({string.Join(", ", expectedStatuses.Select(s => expression.Value(StudyItem.S(s))))})";

        return new UpdateItemRequest
        {
            TableName = _tableName,
            Key = StudyItem.Key(id),
            UpdateExpression = expression.SetClause,
            ConditionExpression = condition,
            ExpressionAttributeNames = expression.Names,
            ExpressionAttributeValues = expression.Values,
        };
    }

    /// <summary>
    /// Collects a SET clause with placeholders for every name and value. Names always go
    /// through placeholders: <c>status</c> is a reserved word, and so may be future attributes.
    /// </summary>
    private sealed class UpdateExpressionBuilder
    {
        private readonly List<string> _assignments = [];
        private readonly Dictionary<string, string> _placeholders = new(StringComparer.Ordinal);

        public Dictionary<string, string> Names { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, AttributeValue> Values { get; } = new(StringComparer.Ordinal);

        public string SetClause => "SET " + string.Join(", ", _assignments);

        public void Set(string attribute, AttributeValue value) =>
            _assignments.Add($"{Name(attribute)} = {Value(value)}");

        public void SetIfNotNull(string attribute, string? value)
        {
            if (value is not null)
            {
                Set(attribute, StudyItem.S(value));
            }
        }

        public string Name(string attribute)
        {
            if (!_placeholders.TryGetValue(attribute, out var placeholder))
            {
                placeholder = "#n" + Names.Count.ToString(CultureInfo.InvariantCulture);
                _placeholders[attribute] = placeholder;
                Names[placeholder] = attribute;
            }

            return placeholder;
        }

        public string Value(AttributeValue value)
        {
            var placeholder = ":v" + Values.Count.ToString(CultureInfo.InvariantCulture);
            Values[placeholder] = value;
            return placeholder;
        }
    }
}

using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using StrokeIngestion.Core.Admission;
using StrokeIngestion.Core.Ports;

namespace StrokeIngestion.Core.Aws.DynamoDb;

/// <summary>
/// <see cref="IAdmissionLedgerStore"/> as one reserved item of the study table, keyed
/// <c>study_id = ADMISSION#LEDGER</c> (never a study id, which is <c>STUDY-</c> + hex, and no
/// PHI). A reserved item rather than a table of its own: the dispatcher already holds the
/// table's grants, and the item is small (at most one entry per running job).
/// Every write is a PutItem conditional on the version read.
/// </summary>
internal sealed class DynamoDbAdmissionLedgerStore : IAdmissionLedgerStore
{
    public const string LedgerKey = "ADMISSION#LEDGER";

    internal const string Version = "ledger_version";
    internal const string Tokens = "start_tokens";
    internal const string RefilledAt = "tokens_refilled_at";
    internal const string SlotHolders = "slot_holders";
    internal const string UrgentWaiting = "urgent_waiting";
    internal const string MeanJobSeconds = "mean_job_seconds";

    private readonly IAmazonDynamoDB _dynamoDb;
    private readonly string _tableName;

    public DynamoDbAdmissionLedgerStore(IAmazonDynamoDB dynamoDb, string tableName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tableName);
        _dynamoDb = dynamoDb;
        _tableName = tableName;
    }

    public async Task<VersionedLedger?> ReadAsync(CancellationToken cancellationToken)
    {
        GetItemResponse response;
        try
        {
            response = await _dynamoDb.GetItemAsync(
                new GetItemRequest { TableName = _tableName, Key = Key(), ConsistentRead = true },
                cancellationToken);
        }
        catch (Exception error) when (SdkErrorTranslator.ShouldTranslate(error, cancellationToken))
        {
            throw DynamoDbStudyStore.ErrorTranslator.Translate("GetItem", error);
        }

        return response.Item is { Count: > 0 } item ? FromItem(item) : null;
    }

    public async Task<bool> TryWriteAsync(AdmissionLedger ledger, long expectedVersion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        // Unused expression names are a ValidationException: each condition names only its own.
        var request = expectedVersion == 0
            ? new PutItemRequest
            {
                ConditionExpression = "attribute_not_exists(#key)",
                ExpressionAttributeNames = new Dictionary<string, string>(StringComparer.Ordinal) { ["#key"] = StudyItem.StudyId },
            }
            : new PutItemRequest
            {
                ConditionExpression = "#version = :expected",
                ExpressionAttributeNames = new Dictionary<string, string>(StringComparer.Ordinal) { ["#version"] = Version },
                ExpressionAttributeValues = new Dictionary<string, AttributeValue>(StringComparer.Ordinal) { [":expected"] = N(expectedVersion) },
            };
        request.TableName = _tableName;
        request.Item = ToItem(ledger, expectedVersion + 1);

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
            throw DynamoDbStudyStore.ErrorTranslator.Translate("PutItem", error);
        }
    }

    private static Dictionary<string, AttributeValue> Key() =>
        new(StringComparer.Ordinal) { [StudyItem.StudyId] = StudyItem.S(LedgerKey) };

    private static Dictionary<string, AttributeValue> ToItem(AdmissionLedger ledger, long version) => new(StringComparer.Ordinal)
    {
        [StudyItem.StudyId] = StudyItem.S(LedgerKey),
        [Version] = N(version),
        [Tokens] = N(ledger.Tokens),
        [RefilledAt] = StudyItem.S(Format(ledger.RefilledAt)),
        [SlotHolders] = M(ledger.SlotHolders),
        [UrgentWaiting] = M(ledger.UrgentWaiting),
        [MeanJobSeconds] = N(ledger.MeanJobSeconds),
    };

    private static VersionedLedger FromItem(Dictionary<string, AttributeValue> item)
    {
        var ledger = new AdmissionLedger
        {
            Tokens = Number(item, Tokens),
            RefilledAt = Parse(item.TryGetValue(RefilledAt, out var at) ? at.S : null),
            SlotHolders = Map(item, SlotHolders),
            UrgentWaiting = Map(item, UrgentWaiting),
            MeanJobSeconds = Number(item, MeanJobSeconds),
        };
        return new VersionedLedger(ledger, (long)Number(item, Version));
    }

    private static double Number(Dictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var value) && double.TryParse(value.N, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
            ? number
            : throw new InvalidDataException($"The admission ledger item lacks a numeric '{name}'.");

    private static Dictionary<string, DateTimeOffset> Map(Dictionary<string, AttributeValue> item, string name)
    {
        var map = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        if (item.TryGetValue(name, out var value) && value.M is { } entries)
        {
            foreach (var (key, since) in entries)
            {
                map[key] = Parse(since.S);
            }
        }

        return map;
    }

    private static AttributeValue M(IReadOnlyDictionary<string, DateTimeOffset> map) => new()
    {
        M = map.ToDictionary(entry => entry.Key, entry => StudyItem.S(Format(entry.Value)), StringComparer.Ordinal),
    };

    private static AttributeValue N(double value) => new() { N = value.ToString("R", CultureInfo.InvariantCulture) };

    private static AttributeValue N(long value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };

    private static string Format(DateTimeOffset at) => at.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    private static DateTimeOffset Parse(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at)
            ? at
            : throw new InvalidDataException("The admission ledger item holds a timestamp that is not ISO 8601.");
}

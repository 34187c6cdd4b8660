using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace StrokeIngestion.EndToEnd.Tests.Support;

/// <summary>The study table's study records, without the admission ledger item it also holds.</summary>
internal static class StudyRecords
{
    /// <summary>How many study records (<c>study_id</c> beginning <c>STUDY-</c>) the table holds.</summary>
    public static async Task<int> CountAsync(IAmazonDynamoDB dynamoDb, string tableName, CancellationToken cancellationToken = default)
    {
        var count = 0;
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var page = await dynamoDb.ScanAsync(
                new ScanRequest
                {
                    TableName = tableName,
                    Select = Select.COUNT,
                    FilterExpression = "begins_with(study_id, :study)",
                    ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":study"] = new AttributeValue { S = "STUDY-" } },
                    ExclusiveStartKey = start,
                    ConsistentRead = true,
                },
                cancellationToken);
            count += page.Count ?? 0;
            start = page.LastEvaluatedKey is { Count: > 0 } next ? next : null;
        }
        while (start is not null);
        return count;
    }
}

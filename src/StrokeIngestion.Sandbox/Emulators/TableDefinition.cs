namespace StrokeIngestion.Sandbox.Emulators;

/// <summary>A key attribute: its name and DynamoDB scalar type (<c>S</c>, <c>N</c> or <c>B</c>).</summary>
internal sealed record KeyAttribute(string Name, string Type);

/// <summary>A global secondary index; <paramref name="ProjectionType"/> as in CloudFormation (<c>ALL</c>, <c>KEYS_ONLY</c>).</summary>
internal sealed record IndexDefinition(string Name, KeyAttribute PartitionKey, KeyAttribute? SortKey, string ProjectionType = "ALL");

/// <summary>
/// The parts of a table definition an emulator needs. Plain data so the sandbox can fill it
/// from the synthesized template instead of repeating the stack's names.
/// </summary>
internal sealed record TableDefinition(
    string Name,
    KeyAttribute PartitionKey,
    KeyAttribute? SortKey,
    IReadOnlyList<IndexDefinition> GlobalSecondaryIndexes);

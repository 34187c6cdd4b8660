using Amazon.DynamoDBv2.Model;
using StrokeIngestion.Core.Admission;
using StrokeIngestion.Core.Aws.DynamoDb;
using StrokeIngestion.Core.Domain;

namespace StrokeIngestion.Core.Tests.Aws;

/// <summary>The admission ledger item against dynalite: round trip and the version condition.</summary>
public sealed class DynamoDbAdmissionLedgerStoreTests : IClassFixture<DynamoDbEmulatorFixture>, IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 4, 12, 0, 0, 250, TimeSpan.Zero);

    private readonly DynamoDbEmulatorFixture _fixture;

    public DynamoDbAdmissionLedgerStoreTests(DynamoDbEmulatorFixture fixture) => _fixture = fixture;

    public async Task InitializeAsync()
    {
        if (S3EmulatorFixture.NodeBinExists("dynalite"))
        {
            // Every test starts without a ledger: the fixture's table is shared by the class.
            await _fixture.Client.DeleteItemAsync(new DeleteItemRequest
            {
                TableName = DynamoDbEmulatorFixture.TableName,
                Key = new() { ["study_id"] = new AttributeValue { S = DynamoDbAdmissionLedgerStore.LedgerKey } },
            });
        }
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [SkippableFact]
    public async Task TryWriteAsync_WhenNoLedgerExists_ShouldCreateVersionOneThatReadsBackEqual()
    {
        _fixture.Require();
        var ledger = Sample();

        var written = await Store().TryWriteAsync(ledger, 0, CancellationToken.None);
        var read = await Store().ReadAsync(CancellationToken.None);

        Assert.True(written);
        Assert.NotNull(read);
        Assert.Equal(1, read.Version);
        Assert.Equal(ledger.Tokens, read.Ledger.Tokens);
        Assert.Equal(ledger.RefilledAt, read.Ledger.RefilledAt);
        Assert.Equal(ledger.MeanJobSeconds, read.Ledger.MeanJobSeconds);
        Assert.Equal(ledger.SlotHolders, read.Ledger.SlotHolders);
        Assert.Equal(ledger.UrgentWaiting, read.Ledger.UrgentWaiting);
    }

    [SkippableFact]
    public async Task TryWriteAsync_WhenTwoWritersReadTheSameVersion_ShouldLetOnlyTheFirstWrite()
    {
        _fixture.Require();
        await Store().TryWriteAsync(Sample(), 0, CancellationToken.None);

        var first = await Store().TryWriteAsync(Sample() with { Tokens = 0 }, 1, CancellationToken.None);
        var second = await Store().TryWriteAsync(Sample() with { Tokens = 2 }, 1, CancellationToken.None);
        var again = await Store().TryWriteAsync(Sample(), 0, CancellationToken.None);

        Assert.True(first);
        Assert.False(second);
        Assert.False(again);
        var read = await Store().ReadAsync(CancellationToken.None);
        Assert.Equal(2, read?.Version);
        Assert.Equal(0, read?.Ledger.Tokens);
    }

    [SkippableFact]
    public async Task ReadAsync_WhenNoLedgerWasWritten_ShouldReturnNull()
    {
        _fixture.Require();

        Assert.Null(await Store().ReadAsync(CancellationToken.None));
    }

    [SkippableFact]
    public async Task TryWriteAsync_WhenTheLedgerIsWritten_ShouldLeaveStudiesAndThePatientIndexAlone()
    {
        _fixture.Require();
        await Store().TryWriteAsync(Sample(), 0, CancellationToken.None);

        var item = await _fixture.Client.GetItemAsync(new GetItemRequest
        {
            TableName = DynamoDbEmulatorFixture.TableName,
            Key = new() { ["study_id"] = new AttributeValue { S = DynamoDbAdmissionLedgerStore.LedgerKey } },
        });

        // No patient_id: the reserved item never appears in the patient index.
        Assert.DoesNotContain("patient_id", item.Item.Keys);
        Assert.False(StudyId.TryParse(DynamoDbAdmissionLedgerStore.LedgerKey, out _));
    }

    private DynamoDbAdmissionLedgerStore Store() => new(_fixture.Client, DynamoDbEmulatorFixture.TableName);

    private static AdmissionLedger Sample() => AdmissionLedger.Empty(AdmissionLimits.Default, T0) with
    {
        Tokens = 1.375,
        MeanJobSeconds = 123.5,
        SlotHolders = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal) { ["STUDY-0123456789ab"] = T0.AddSeconds(-3) },
        UrgentWaiting = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal) { ["STUDY-ba9876543210"] = T0.AddMilliseconds(-7) },
    };
}

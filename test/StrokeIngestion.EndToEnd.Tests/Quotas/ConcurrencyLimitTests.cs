using StrokeIngestion.Sandbox.Quotas;

namespace StrokeIngestion.EndToEnd.Tests.Quotas;

public sealed class ConcurrencyLimitTests
{
    [Fact]
    public void TryEnter_WhenEverySlotIsHeld_ShouldRefuseAndCountTheRefusal()
    {
        var limit = new ConcurrencyLimit(2);
        using var first = limit.TryEnter();
        using var second = limit.TryEnter();

        var third = limit.TryEnter();

        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.Null(third);
        Assert.Equal(1, limit.Refused);
        Assert.Equal(2, limit.InUse);
    }

    [Fact]
    public void TryEnter_WhenALeaseIsReleased_ShouldAdmitAgain()
    {
        var limit = new ConcurrencyLimit(1);
        var lease = limit.TryEnter();
        lease?.Dispose();

        using var next = limit.TryEnter();

        Assert.NotNull(next);
    }

    [Fact]
    public void Dispose_WhenCalledTwice_ShouldFreeOneSlotOnly()
    {
        var limit = new ConcurrencyLimit(2);
        var lease = limit.TryEnter();
        using var other = limit.TryEnter();

        lease?.Dispose();
        lease?.Dispose();

        Assert.Equal(1, limit.InUse);
    }

    [Fact]
    public async Task TryEnter_WhenManyThreadsRace_ShouldNeverExceedTheLimit()
    {
        var limit = new ConcurrencyLimit(5);

        var leases = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => Task.Run(limit.TryEnter)));

        Assert.Equal(5, leases.Count(l => l is not null));
        Assert.Equal(195, limit.Refused);
    }
}

using StrokeIngestion.Sandbox.Quotas;
using StrokeIngestion.Sandbox.Template;

namespace StrokeIngestion.EndToEnd.Tests.Quotas;

public sealed class LambdaConcurrencyTests
{
    private static readonly SynthesizedFunction Upload = Function("upload", reserved: 50);
    private static readonly SynthesizedFunction Monitor = Function("monitor", reserved: null);
    private static readonly SynthesizedFunction Dispatcher = Function("dispatcher", reserved: null);

    [Fact]
    public void For_WhenTheFunctionReservesConcurrency_ShouldGiveItItsOwnLimit()
    {
        var concurrency = new LambdaConcurrency(1000, [Upload, Monitor]);

        Assert.Equal(50, concurrency.For(Upload).Limit);
    }

    [Fact]
    public void For_WhenFunctionsReserveNothing_ShouldShareWhatReservationsLeaveOfTheAccount()
    {
        var concurrency = new LambdaConcurrency(1000, [Upload, Monitor, Dispatcher]);

        Assert.Equal(950, concurrency.For(Monitor).Limit);
        Assert.Same(concurrency.For(Monitor), concurrency.For(Dispatcher));
    }

    [Fact]
    public void Constructor_WhenReservationsExceedTheAccount_ShouldNameTheFlag()
    {
        var error = Assert.Throws<ArgumentException>(() => new LambdaConcurrency(10, [Upload]));

        Assert.Contains("--account-concurrency", error.Message, StringComparison.Ordinal);
    }

    private static SynthesizedFunction Function(string name, int? reserved) =>
        new(name, name, $"arn:aws:lambda:us-east-1:000000000000:function:{name}", "handler", "dotnet10", 30, new Dictionary<string, string>())
        {
            ReservedConcurrentExecutions = reserved,
        };
}

using System.Text;
using Microsoft.Extensions.Time.Testing;
using StrokeIngestion.Sandbox.Faults;
using StrokeIngestion.Sandbox.StepFunctions.Asl;

namespace StrokeIngestion.EndToEnd.Tests.Faults;

/// <summary>How the monitor is "killed": each fault must surface under the name Step Functions gives it.</summary>
public sealed class FaultingLambdaTests
{
    private int _calls;

    private Task<Stream> Handler(Stream input, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        return Task.FromResult<Stream>(new MemoryStream(Encoding.UTF8.GetBytes("""{"done":true}""")));
    }

    private static MemoryStream Input() => new(Encoding.UTF8.GetBytes("{}"));

    [Theory]
    [InlineData("Throttle", "Lambda.TooManyRequestsException", 0)]
    [InlineData("Service", "Lambda.ServiceException", 0)]
    [InlineData("Crash", FaultingLambda.RuntimeExitError, 0)]
    [InlineData("CrashAfterRun", FaultingLambda.RuntimeExitError, 1)]
    public async Task InvokeAsync_WhenAFailureIsDrawn_ShouldRaiseItsStepFunctionsErrorName(string kind, string error, int handlerCalls)
    {
        var faults = kind switch
        {
            "Throttle" => new LambdaFaults { ThrottleRate = 1 },
            "Service" => new LambdaFaults { ServiceErrorRate = 1 },
            "Crash" => new LambdaFaults { CrashRate = 1 },
            _ => new LambdaFaults { CrashAfterRunRate = 1 },
        };
        var function = new FaultingLambda(Handler, faults, seed: 7);

        var raised = await Assert.ThrowsAsync<StatesErrorException>(() => function.InvokeAsync(Input(), CancellationToken.None));

        Assert.Equal(error, raised.Error);
        Assert.Equal(handlerCalls, _calls);
        Assert.Equal(1, function.Counts.InjectedErrors);
    }

    [Fact]
    public async Task InvokeAsync_WhenATimeoutIsDrawn_ShouldHangUntilTheInvocationIsCancelled()
    {
        var function = new FaultingLambda(Handler, new LambdaFaults { TimeoutRate = 1 }, seed: 7, new FakeTimeProvider());
        using var functionTimeout = new CancellationTokenSource();

        var invocation = function.InvokeAsync(Input(), functionTimeout.Token);
        await Task.Yield();
        var hungBeforeTimeout = !invocation.IsCompleted;
        await functionTimeout.CancelAsync();

        Assert.True(hungBeforeTimeout);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => invocation);
        Assert.Equal(0, _calls);
        Assert.Equal(1, function.Counts.Timeouts);
    }

    [Fact]
    public async Task InvokeAsync_WhenNoFaults_ShouldCallTheHandlerUnchanged()
    {
        var function = new FaultingLambda(Handler, LambdaFaults.None, seed: 7);

        await using var output = await function.InvokeAsync(Input(), CancellationToken.None);

        Assert.Equal("""{"done":true}""", await new StreamReader(output).ReadToEndAsync());
        Assert.Equal(new LambdaFaultCounts(1, 0, 0, 0, 0, 0, 0), function.Counts);
    }

    [Fact]
    public void Faults_WhenRatesAddUpToMoreThanOne_ShouldBeRefused()
    {
        var function = new FaultingLambda(Handler, LambdaFaults.None, seed: 7);

        Assert.Throws<ArgumentException>(() => function.Faults = new LambdaFaults { ServiceErrorRate = 0.6, CrashRate = 0.6 });
    }
}

using StrokeIngestion.Core.Aws;
using StrokeIngestion.Core.Aws.Signing;
using StrokeIngestion.Core.Errors;
using StrokeIngestion.Core.Ports;
using StrokeIngestion.Sandbox.StepFunctions;

namespace StrokeIngestion.EndToEnd.Tests.StepFunctions;

/// <summary>
/// The emulator's StartExecution fault knob, seen through the upload handler's real Step
/// Functions client: each injected answer must be one Core classifies as transient, and a
/// start whose answer was lost must be found again, not doubled, by the retry.
/// </summary>
public sealed class StepFunctionsFaultsTests : IAsyncLifetime
{
    private const string Input = """{"study_id":"STUDY-0123456789ab"}""";

    private Rig? _rig;

    private Rig Started => _rig ?? throw new InvalidOperationException("InitializeAsync has not run.");

    public async Task InitializeAsync() => _rig = await Rig.StartAsync();

    public async Task DisposeAsync()
    {
        if (_rig is not null)
        {
            await _rig.DisposeAsync();
        }
    }

    [Fact]
    public async Task StartExecution_WhenThrottled_ShouldBeATransientThrottleAndStartNothing()
    {
        Started.Emulator.Faults = new StepFunctionsFaults { ThrottleRate = 1 };

        var error = await Assert.ThrowsAsync<TransientDependencyException>(() => Started.Client.StartAsync("stroke-analysis-a", Input, CancellationToken.None));

        Assert.True(error.Throttled);
        Assert.Equal("ThrottlingException", error.ErrorCode);
        Assert.Empty(Started.Emulator.Executions());
        Assert.Equal(new StepFunctionsFaultCounts(1, 1, 0, 0, 0), Started.Emulator.FaultCounts);
    }

    [Fact]
    public async Task StartExecution_WhenUnavailable_ShouldBeATransientServerErrorAndStartNothing()
    {
        Started.Emulator.Faults = new StepFunctionsFaults { ServerErrorRate = 1 };

        var error = await Assert.ThrowsAsync<TransientDependencyException>(() => Started.Client.StartAsync("stroke-analysis-b", Input, CancellationToken.None));

        Assert.False(error.Throttled);
        Assert.Empty(Started.Emulator.Executions());
    }

    [Fact]
    public async Task StartExecution_WhenTheAnswerIsLostAfterTheStart_ShouldLetTheRetryFindTheSameExecution()
    {
        Started.Emulator.Faults = new StepFunctionsFaults { ServerErrorAfterStartRate = 1 };
        var error = await Assert.ThrowsAsync<TransientDependencyException>(() => Started.Client.StartAsync("stroke-analysis-c", Input, CancellationToken.None));
        Started.Emulator.Faults = StepFunctionsFaults.None;

        var retried = await Started.Client.StartAsync("stroke-analysis-c", Input, CancellationToken.None);

        Assert.False(error.Throttled);
        var execution = Assert.Single(Started.Emulator.Executions());
        Assert.Equal(execution.ExecutionArn, retried.ExecutionArn);
        Assert.Equal(1, Started.Emulator.Counters.ExecutionsStarted);
    }

    [Fact]
    public async Task StartExecution_WhenFaultsAreDrawnAtARate_ShouldInjectAboutThatShareRepeatably()
    {
        var faults = new StepFunctionsFaults { ThrottleRate = 0.1, ServerErrorRate = 0.1, ServerErrorAfterStartRate = 0.1 };

        var first = await FailuresAsync(Started, faults);
        await using var again = await Rig.StartAsync();
        var second = await FailuresAsync(again, faults);

        Assert.InRange(first, 40, 80);
        Assert.Equal(first, second);
        Assert.Equal(first, Started.Emulator.FaultCounts.InjectedErrors);
    }

    private static async Task<long> FailuresAsync(Rig rig, StepFunctionsFaults faults)
    {
        rig.Emulator.Faults = faults;
        var failures = 0L;
        for (var i = 0; i < 200; i++)
        {
            try
            {
                await rig.Client.StartAsync($"stroke-analysis-rate-{i}", Input, CancellationToken.None);
            }
            catch (TransientDependencyException)
            {
                failures++;
            }
        }

        return failures;
    }

    /// <summary>An emulator serving one trivial state machine, and Core's client for it.</summary>
    private sealed class Rig : IAsyncDisposable
    {
        private const string Definition = """{"StartAt":"Done","States":{"Done":{"Type":"Succeed"}}}""";

        private readonly HttpClient _http;

        private Rig(StepFunctionsEmulator emulator, HttpClient http, IWorkflowStarter client)
        {
            Emulator = emulator;
            _http = http;
            Client = client;
        }

        public StepFunctionsEmulator Emulator { get; }

        public IWorkflowStarter Client { get; }

        public static async Task<Rig> StartAsync()
        {
            var emulator = new StepFunctionsEmulator(new StepFunctionsEmulatorOptions { TimeScale = 0 });
            var arn = emulator.RegisterStateMachine("processing", Definition);
            var endpoint = await emulator.StartAsync();
            var http = new HttpClient();
            var client = SignedClients.CreateWorkflowStarter(http, "us-east-1", arn, endpoint, AwsCredentialsSource.Fixed("AKIDEXAMPLE", "secret"), TimeProvider.System, TimeSpan.FromSeconds(5));
            return new Rig(emulator, http, client);
        }

        public async ValueTask DisposeAsync()
        {
            _http.Dispose();
            await Emulator.DisposeAsync();
        }
    }
}

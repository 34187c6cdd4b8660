using System.Text.Json.Nodes;
using StrokeIngestion.Sandbox.StepFunctions;
using StrokeIngestion.Sandbox.Template;

namespace StrokeIngestion.EndToEnd.Tests.StepFunctions;

/// <summary>
/// The contract state machine built with the real CDK constructs (aws-cdk-lib via node) and
/// read back from cdk.out: the emulator must run what cdk synth writes, not only our
/// hand-built imitation of it.
/// </summary>
public sealed class CdkSynthesizedContractTests
{
    [SkippableFact]
    public async Task RegisterStateMachines_WhenGivenRealCdkSynthOutput_ShouldRunTheContractLoopToStudyReady()
    {
        // Arrange
        NodeScript.RequirePackage("aws-cdk-lib");
        var cdkOut = Directory.CreateTempSubdirectory("sfn-cdkout-");
        try
        {
            var (exitCode, _, stderr) = await NodeScript.RunAsync(
                Path.Combine("sfn", "synth-contract-stack.cjs"), [cdkOut.FullName], TimeSpan.FromMinutes(2));
            Assert.True(exitCode == 0, $"cdk synth failed: {stderr[Math.Max(0, stderr.Length - 2000)..]}");
            var template = SynthesizedTemplate.LoadFromCloudAssembly(cdkOut.FullName, "ContractStack");
            await using var emulator = new StepFunctionsEmulator(new StepFunctionsEmulatorOptions { TimeScale = 0 });
            var monitor = new ScriptedFunction()
                .Then(MonitorReply.InProgress)
                .Then(input => MonitorReply.Ready(input, "imgset-1"));
            var function = template.LambdaFunctions().Single();
            emulator.RegisterFunction(function.Arn, monitor.HandleAsync);

            // Act
            var arn = Assert.Single(emulator.RegisterStateMachines(template));
            var started = emulator.StartExecution(arn, "stroke-analysis-" + ContractHarness.StudyId, ContractHarness.Input());
            using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            var execution = await emulator.WaitForCompletionAsync(started.Value?.ExecutionArn ?? string.Empty, guard.Token);

            // Assert
            Assert.Equal("arn:aws:states:us-east-1:000000000000:stateMachine:stroke-detection-ai-processing", arn);
            Assert.Equal(ExecutionStatus.Succeeded, execution.Status);
            Assert.Equal(2, monitor.Calls);
            var published = Assert.Single(emulator.Events.Snapshot(), e => e.Source == CdkStyleTemplate.Project);
            Assert.Equal(["imgset-1"], JsonNode.Parse(published.Detail)?["image_set_ids"]?.AsArray().Select(n => n?.GetValue<string>()));
        }
        finally
        {
            cdkOut.Delete(recursive: true);
        }
    }
}

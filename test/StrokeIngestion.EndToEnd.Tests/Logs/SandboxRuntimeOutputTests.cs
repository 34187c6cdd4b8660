using System.Text.Json.Nodes;
using StrokeIngestion.EndToEnd.Tests.Sandbox;
using StrokeIngestion.Sandbox.Faults;
using StrokeIngestion.Sandbox.Host;

namespace StrokeIngestion.EndToEnd.Tests.Logs;

/// <summary>
/// The functions' output as the managed runtime writes it under their configured log format,
/// the template's metric filters over those lines and the alarms they feed: a lost
/// import-ended event must reach <c>&lt;project&gt;-import-events-missing</c>.
/// </summary>
public sealed class SandboxRuntimeOutputTests
{
    private const string EventsMissingAlarm = "stroke-detection-ai-import-events-missing";
    private const string TemplateAsSynthesized = "as-synthesized";
    private const string WithoutHandlerLogFormat = "without-handler-log-format";
    private const string WithoutMonitorLogPermission = "without-monitor-log-permission";

    [SkippableTheory]
    [InlineData(TemplateAsSynthesized, "ALARM")]

    // Without AWS_LAMBDA_HANDLER_LOG_FORMAT (the stack before issue 15) the runtime prefixes
    // every line, the JSON filter matches none of them and the alarm never fires.
    [InlineData(WithoutHandlerLogFormat, "OK")]

    // Without its WriteOwnLogs statement the monitor's lines never reach its log group.
    [InlineData(WithoutMonitorLogPermission, "OK")]
    public async Task ImportEventsMissing_WhenEveryImportEventIsDropped_ShouldGoIntoAlarmOnlyIfTheLinesReachTheFilterUnformatted(string template, string expected)
    {
        // Arrange
        var sandbox = new SandboxFixture("logs-" + template, template switch
        {
            WithoutHandlerLogFormat => RemoveHandlerLogFormat,
            WithoutMonitorLogPermission => RemoveMonitorLogPermission,
            _ => null,
        });
        await sandbox.InitializeAsync();
        try
        {
            var host = sandbox.Host;
            await IngestAsync(sandbox, "LOGS-PATIENT-0001");
            var withEvents = Alarm(host);
            host.ImportEvents.Faults = ImportEventFaults.DropAll;

            // Act: the alarm's threshold is three imports without their event within the hour.
            await Task.WhenAll(Enumerable.Range(2, 3).Select(i => IngestAsync(sandbox, $"LOGS-PATIENT-000{i}")));

            // Assert
            Assert.Equal("OK", withEvents.State);
            var alarm = Alarm(host);
            Assert.True(alarm.State == expected, $"{alarm}\n{string.Join('\n', host.Metrics.Filters.Select(f => $"{f.LogicalId}: {host.Metrics.Datapoints(f).Count} datapoints"))}");
            if (template == WithoutMonitorLogPermission)
            {
                Assert.Contains(host.IamDenials.All, d => d.Service == FaultTarget.CloudWatchLogs && d.Caller.Contains("import-monitor", StringComparison.Ordinal));
            }

            if (template == TemplateAsSynthesized)
            {
                // Every metric filter of the stack counted the lines it is meant to count.
                Assert.All(host.Metrics.Filters, f => Assert.True(host.Metrics.Datapoints(f).Count >= 3, $"{f.LogicalId} ({f.PatternText}) counted {host.Metrics.Datapoints(f).Count}"));
            }
        }
        finally
        {
            await sandbox.DisposeAsync();
            sandbox.Dispose();
        }
    }

    [SkippableFact]
    public async Task MetricFilters_OfTheStack_ShouldEachHaveAScenarioHere()
    {
        // A new metric filter needs its own case above proving it matches what the runtime writes.
        var sandbox = new SandboxFixture("logs-filters", null);
        await sandbox.InitializeAsync();
        try
        {
            Assert.Equal(["ImportEventsMissing"], sandbox.Host.Metrics.Filters.Select(f => f.MetricName));
            Assert.Equal([EventsMissingAlarm], sandbox.Host.Metrics.Alarms.Select(a => a.AlarmName));
        }
        finally
        {
            await sandbox.DisposeAsync();
            sandbox.Dispose();
        }
    }

    private static StrokeIngestion.Sandbox.Logs.AlarmState Alarm(SandboxHost host) =>
        host.Metrics.Evaluate(DateTimeOffset.UtcNow).Single(a => a.AlarmName == EventsMissingAlarm);

    private static async Task IngestAsync(SandboxFixture sandbox, string patientId)
    {
        var study = SandboxFixture.NewStudy("CT", patientId);
        var key = SandboxFixture.NewFolder("logs") + "head.dcm";
        await sandbox.PutObjectAsync(key, study.Files[0]);
        var studyId = await sandbox.PostAcceptedAsync(patientId, key);
        var record = await sandbox.WaitForTerminalStudyAsync(studyId);
        Assert.Equal("READY_FOR_ANALYSIS", SandboxFixture.Text(record, "status"));
    }

    private static void RemoveMonitorLogPermission(JsonObject template)
    {
        foreach (var (id, resource) in template["Resources"]?.AsObject() ?? [])
        {
            if (id.StartsWith("ImportMonitorRoleDefaultPolicy", StringComparison.Ordinal)
                && resource?["Properties"]?["PolicyDocument"]?["Statement"]?.AsArray() is { } statements)
            {
                statements.Remove(statements.Single(s => s?["Sid"]?.GetValue<string>() == "WriteOwnLogs"));
            }
        }
    }

    private static void RemoveHandlerLogFormat(JsonObject template)
    {
        foreach (var (_, resource) in template["Resources"]?.AsObject() ?? [])
        {
            if (resource?["Type"]?.GetValue<string>() == "AWS::Lambda::Function")
            {
                resource["Properties"]?["Environment"]?["Variables"]?.AsObject().Remove("AWS_LAMBDA_HANDLER_LOG_FORMAT");
            }
        }
    }
}

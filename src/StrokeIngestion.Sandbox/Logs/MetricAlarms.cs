using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using StrokeIngestion.Sandbox.Template;

namespace StrokeIngestion.Sandbox.Logs;

/// <summary>One value a metric filter emitted for one matching event.</summary>
internal sealed record Datapoint(DateTimeOffset Timestamp, double Value);

/// <summary>An <c>AWS::Logs::MetricFilter</c> of the template: pattern, log group, the metric it feeds.</summary>
internal sealed record MetricFilterDefinition(
    string LogicalId,
    string LogGroupName,
    string PatternText,
    FilterPattern Pattern,
    string Namespace,
    string MetricName,
    string MetricValue)
{
    public static IReadOnlyList<MetricFilterDefinition> FromTemplate(SynthesizedTemplate template) =>
        template.ResourcesOfType("AWS::Logs::MetricFilter").Select(resource =>
        {
            var pattern = template.ResolveStringProperty(resource, "FilterPattern") ?? string.Empty;
            var transformation = template.ResolveProperty(resource, "MetricTransformations")?.AsArray().SingleOrDefault()
                ?? throw new TemplateResolutionException($"{resource.LogicalId} has not exactly one metric transformation.");
            return new MetricFilterDefinition(
                resource.LogicalId,
                template.ResolveStringProperty(resource, "LogGroupName") ?? string.Empty,
                pattern,
                FilterPattern.Parse(pattern),
                transformation["MetricNamespace"]?.ToString() ?? string.Empty,
                transformation[nameof(MetricName)]?.ToString() ?? string.Empty,
                transformation[nameof(MetricValue)]?.ToString() ?? "1");
        }).ToList();

    /// <summary>What the filter emits for the events of its log group: one datapoint per matching event.</summary>
    public IEnumerable<Datapoint> Datapoints(IEnumerable<LogEvent> events)
    {
        foreach (var logEvent in events)
        {
            if (Pattern.Matches(logEvent.Message) && Value(logEvent.Message) is { } value)
            {
                yield return new Datapoint(logEvent.Timestamp, value);
            }
        }
    }

    private double? Value(string message)
    {
        if (double.TryParse(MetricValue, NumberStyles.Float, CultureInfo.InvariantCulture, out var constant))
        {
            return constant;
        }

        // "$.field": the number at that field of the (JSON) event.
        var node = JsonNode.Parse(message);
        foreach (var step in MetricValue.TrimStart('$').Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            node = (node as JsonObject)?[step];
        }

        return node is JsonValue value && value.GetValueKind() == JsonValueKind.Number ? value.GetValue<double>() : null;
    }
}

/// <summary>An <c>AWS::CloudWatch::Alarm</c> of the template on a single metric.</summary>
internal sealed record AlarmDefinition(
    string AlarmName,
    string Namespace,
    string MetricName,
    string Statistic,
    int PeriodSeconds,
    int EvaluationPeriods,
    int DatapointsToAlarm,
    double Threshold,
    string ComparisonOperator,
    string TreatMissingData)
{
    public static IReadOnlyList<AlarmDefinition> FromTemplate(SynthesizedTemplate template) =>
        template.ResourcesOfType("AWS::CloudWatch::Alarm")
            .Where(r => r.Properties.ContainsKey(nameof(MetricName)))
            .Select(r =>
            {
                string Text(string name) => template.ResolveStringProperty(r, name) ?? string.Empty;
                int Int(string name, int fallback) => int.TryParse(Text(name), CultureInfo.InvariantCulture, out var v) ? v : fallback;
                var evaluationPeriods = Int(nameof(EvaluationPeriods), 1);
                return new AlarmDefinition(
                    Text(nameof(AlarmName)),
                    Text(nameof(Namespace)),
                    Text(nameof(MetricName)),
                    r.Properties.ContainsKey("ExtendedStatistic") ? Text("ExtendedStatistic") : Text(nameof(Statistic)),
                    Int("Period", 60),
                    evaluationPeriods,
                    Int(nameof(DatapointsToAlarm), evaluationPeriods),
                    double.Parse(Text(nameof(Threshold)), CultureInfo.InvariantCulture),
                    Text(nameof(ComparisonOperator)),
                    r.Properties.ContainsKey(nameof(TreatMissingData)) ? Text(nameof(TreatMissingData)) : "missing");
            }).ToList();

    /// <summary>
    /// The alarm's state at <paramref name="now"/>: the statistic over each of the last
    /// <see cref="EvaluationPeriods"/> periods (windows ending at <paramref name="now"/>, so a
    /// test need not wait for a period boundary), compared with the threshold; ALARM when at
    /// least <see cref="DatapointsToAlarm"/> of them breach, missing periods as
    /// <see cref="TreatMissingData"/> says.
    /// </summary>
    public AlarmState Evaluate(IReadOnlyList<Datapoint> datapoints, DateTimeOffset now)
    {
        var period = TimeSpan.FromSeconds(PeriodSeconds);
        var breaching = 0;
        var missing = 0;
        double? latest = null;
        for (var i = EvaluationPeriods - 1; i >= 0; i--)
        {
            var end = now - (period * i);
            var values = datapoints.Where(d => d.Timestamp > end - period && d.Timestamp <= end).Select(d => d.Value).ToList();
            if (values.Count == 0)
            {
                missing++;
                breaching += TreatMissingData == "breaching" ? 1 : 0;
                continue;
            }

            latest = Statistic switch
            {
                "Sum" => values.Sum(),
                "Average" => values.Average(),
                "Maximum" => values.Max(),
                "Minimum" => values.Min(),
                "SampleCount" => values.Count,
                _ => throw new NotSupportedException($"Alarm {AlarmName}: the sandbox does not compute the statistic {Statistic}."),
            };
            breaching += Breaches(latest.Value) ? 1 : 0;
        }

        var state = breaching >= DatapointsToAlarm ? "ALARM"
            : missing == EvaluationPeriods && TreatMissingData is "missing" or "ignore" ? "INSUFFICIENT_DATA"
            : "OK";
        return new AlarmState(AlarmName, state, latest, breaching);
    }

    private bool Breaches(double value) => ComparisonOperator switch
    {
        "GreaterThanOrEqualToThreshold" => value >= Threshold,
        "GreaterThanThreshold" => value > Threshold,
        "LessThanThreshold" => value < Threshold,
        "LessThanOrEqualToThreshold" => value <= Threshold,
        _ => throw new NotSupportedException($"Alarm {AlarmName}: the sandbox does not compare with {ComparisonOperator}."),
    };
}

/// <summary>An alarm's computed state, the statistic of its latest period with data, and how many periods breached.</summary>
internal sealed record AlarmState(string AlarmName, string State, double? Value, int BreachingPeriods);

/// <summary>
/// The template's metric filters run over the sandbox's log groups, and the alarms on the
/// metrics they feed computed from them (alarms on AWS's own metrics are not modelled here).
/// </summary>
internal sealed class SandboxMetrics
{
    private readonly SandboxLogs _logs;

    public SandboxMetrics(SynthesizedTemplate template, SandboxLogs logs)
    {
        _logs = logs;
        Filters = MetricFilterDefinition.FromTemplate(template);
        Alarms = AlarmDefinition.FromTemplate(template)
            .Where(a => Filters.Any(f => f.Namespace == a.Namespace && f.MetricName == a.MetricName))
            .ToList();
    }

    public IReadOnlyList<MetricFilterDefinition> Filters { get; }

    /// <summary>The alarms on metrics that the template's metric filters feed.</summary>
    public IReadOnlyList<AlarmDefinition> Alarms { get; }

    public IReadOnlyList<Datapoint> Datapoints(MetricFilterDefinition filter) =>
        [.. filter.Datapoints(_logs.Group(filter.LogGroupName).Events)];

    public IReadOnlyList<AlarmState> Evaluate(DateTimeOffset now) => Alarms.Select(alarm => alarm.Evaluate(
        [.. Filters.Where(f => f.Namespace == alarm.Namespace && f.MetricName == alarm.MetricName).SelectMany(Datapoints)],
        now)).ToList();
}

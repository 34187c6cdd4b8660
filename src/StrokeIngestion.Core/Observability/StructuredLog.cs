using System.Text.Json;

namespace StrokeIngestion.Core.Observability;

/// <summary>
/// Writes one JSON object per line (CloudWatch Logs parses each line as an event).
/// Callers pass only non-PHI fields: ids minted by the pipeline, outcome codes, counts and
/// durations — never patient ids, names, file names or DICOM values.
/// </summary>
public sealed class StructuredLog
{
    private readonly TextWriter _writer;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();

    public StructuredLog(TextWriter writer, TimeProvider time)
    {
        _writer = writer;
        _time = time;
    }

    /// <summary>A log on the process's stdout, which the Lambda runtime ships to CloudWatch Logs.</summary>
    public static StructuredLog Console { get; } = new(System.Console.Out, TimeProvider.System);

    public void Info(string message, params ReadOnlySpan<LogField> fields) => Write("INFO", message, fields);

    public void Warn(string message, params ReadOnlySpan<LogField> fields) => Write("WARN", message, fields);

    public void Error(string message, params ReadOnlySpan<LogField> fields) => Write("ERROR", message, fields);

    private void Write(string level, string message, ReadOnlySpan<LogField> fields)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("timestamp", _time.GetUtcNow().ToString("yyyy-MM-ddTHH:mm:ss.fffZ"));
            json.WriteString("level", level);
            json.WriteString("message", message);
            foreach (var field in fields)
            {
                switch (field.Value)
                {
                    case null:
                        json.WriteNull(field.Name);
                        break;
                    case long number:
                        json.WriteNumber(field.Name, number);
                        break;
                    case int number:
                        json.WriteNumber(field.Name, number);
                        break;
                    case double number:
                        json.WriteNumber(field.Name, number);
                        break;
                    case bool flag:
                        json.WriteBoolean(field.Name, flag);
                        break;
                    default:
                        json.WriteString(field.Name, field.Value.ToString());
                        break;
                }
            }

            json.WriteEndObject();
        }

        var line = System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        lock (_gate)
        {
            _writer.WriteLine(line);
            _writer.Flush();
        }
    }
}

/// <summary>One field of a structured log line.</summary>
public readonly record struct LogField(string Name, object? Value);

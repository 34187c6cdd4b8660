using System.Globalization;
using System.Text;
using System.Text.Json;

namespace StrokeIngestion.Sandbox.Logs;

/// <summary>How the managed .NET runtime formats a line a function writes to the console.</summary>
internal enum RuntimeLogFormat
{
    /// <summary><c>timestamp \t request id \t info \t line</c>: Lambda's Text format, the runtime's default.</summary>
    Default,

    /// <summary>The line as written.</summary>
    Unformatted,

    /// <summary>The runtime's own JSON object, the line as its <c>message</c> string.</summary>
    Json,
}

/// <summary>
/// The console of one function as the managed <c>dotnet10</c> runtime (Amazon.Lambda.RuntimeSupport)
/// wires it: each <c>WriteLine</c> becomes one CloudWatch Logs event in the function's log group,
/// formatted as the runtime formats it. The format comes from <c>AWS_LAMBDA_HANDLER_LOG_FORMAT</c>
/// and, when that is unset or empty, from <c>AWS_LAMBDA_LOG_FORMAT</c> (which Lambda sets from the
/// function's <c>LoggingConfig.LogFormat</c>); names are matched case-insensitively against
/// Default, Unformatted and Json, and anything else ("Text" included) is Default.
/// </summary>
internal sealed class LambdaRuntimeConsole : TextWriter
{
    private static readonly AsyncLocal<string?> CurrentRequestId = new();

    private readonly LogGroupEvents? _logGroup;
    private readonly TextWriter _file;
    private readonly TimeProvider _time;

    /// <param name="logGroup">Where the events go; null when the execution role may not write to it (Lambda then loses them).</param>
    public LambdaRuntimeConsole(RuntimeLogFormat format, LogGroupEvents? logGroup, TextWriter file, TimeProvider time)
    {
        Format = format;
        _logGroup = logGroup;
        _file = file;
        _time = time;
    }

    public RuntimeLogFormat Format { get; }

    public override Encoding Encoding => Encoding.UTF8;

    /// <summary>The format the runtime picks from a function's environment (and the LogFormat Lambda puts in it).</summary>
    public static RuntimeLogFormat FormatFor(IReadOnlyDictionary<string, string> environment, string logFormat)
    {
        var chosen = environment.GetValueOrDefault("AWS_LAMBDA_HANDLER_LOG_FORMAT");
        if (string.IsNullOrEmpty(chosen))
        {
            chosen = environment.GetValueOrDefault("AWS_LAMBDA_LOG_FORMAT") is { Length: > 0 } set ? set : logFormat;
        }

        return Enum.TryParse<RuntimeLogFormat>(chosen, ignoreCase: true, out var format) && Enum.IsDefined(format)
            ? format
            : RuntimeLogFormat.Default;
    }

    /// <summary>Wraps a handler so that what it writes carries one request id per invocation, as in Lambda.</summary>
    public static Func<Stream, Task<Stream>> PerInvocation(Func<Stream, Task<Stream>> handle) => async input =>
    {
        var previous = CurrentRequestId.Value;
        CurrentRequestId.Value = Guid.NewGuid().ToString();
        try
        {
            return await handle(input);
        }
        finally
        {
            CurrentRequestId.Value = previous;
        }
    };

    /// <summary>The line the runtime writes for <paramref name="message"/>.</summary>
    public static string FormatLine(RuntimeLogFormat format, string message, DateTimeOffset time, string requestId)
    {
        var timestamp = time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
        switch (format)
        {
            case RuntimeLogFormat.Unformatted:
                return message;
            case RuntimeLogFormat.Json:
                using (var buffer = new MemoryStream())
                {
                    using (var json = new Utf8JsonWriter(buffer))
                    {
                        json.WriteStartObject();
                        json.WriteString("timestamp", timestamp);
                        json.WriteString("level", "Information");
                        if (requestId.Length > 0)
                        {
                            json.WriteString("requestId", requestId);
                        }

                        json.WriteString("message", message);
                        json.WriteEndObject();
                    }

                    return Encoding.UTF8.GetString(buffer.ToArray());
                }

            default:
                return $"{timestamp}\t{requestId}\tinfo\t{message}";
        }
    }

    public override void WriteLine(string? value)
    {
        var now = _time.GetUtcNow();
        var line = FormatLine(Format, value ?? string.Empty, now, CurrentRequestId.Value ?? string.Empty);
        _logGroup?.Add(now, line);
        _file.WriteLine(line);
    }

    public override void Write(char value) => throw new NotSupportedException("The sandbox's function console takes whole lines only.");

    public override void Flush() => _file.Flush();
}

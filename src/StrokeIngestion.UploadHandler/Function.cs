using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using StrokeIngestion.Core.Http;
using StrokeIngestion.Core.Observability;
using StrokeIngestion.Core.Upload;

namespace StrokeIngestion.UploadHandler;

/// <summary>
/// Lambda entry point for POST /upload and GET /studies/{study_id} (HTTP API, payload format 2.0), on the managed
/// runtime's Stream contract: handler string
/// <c>StrokeIngestion.UploadHandler::StrokeIngestion.UploadHandler.Function::Handle</c>.
/// </summary>
[SuppressMessage("Naming", "CA1716:Identifiers should not match keywords", Justification = "The Lambda handler string fixes the name Function.")]
public sealed class Function
{
    /// <summary>Stop our own work before API Gateway's 30 s integration timeout answers for us.</summary>
    private static readonly TimeSpan RequestBudget = TimeSpan.FromSeconds(25);

    private readonly UploadEndpoint _endpoint;
    private readonly StudyStatusEndpoint? _status;
    private readonly StructuredLog _log;

    /// <summary>Used by the Lambda runtime: builds clients once per container from the environment.</summary>
    public Function()
        : this(CompositionRoot.Endpoints.Value.Upload, StructuredLog.Console, CompositionRoot.Endpoints.Value.Status)
    {
    }

    /// <param name="status">Serves <c>GET /studies/{study_id}</c>; when null, only <c>POST /upload</c> is served.</param>
    public Function(UploadEndpoint endpoint, StructuredLog log, StudyStatusEndpoint? status = null)
    {
        _endpoint = endpoint;
        _log = log;
        _status = status;
    }

    /// <summary>Decodes the event, handles it, encodes the response. Never throws for a client's input.</summary>
    public async Task<Stream> Handle(Stream input)
    {
        HttpApiResponse response;
        HttpApiRequest? request = null;
        try
        {
            request = await JsonSerializer.DeserializeAsync(input, HttpJsonContext.Default.HttpApiRequest);
        }
        catch (JsonException)
        {
            _log.Error("event is not an HTTP API payload", new LogField("error_type", nameof(JsonException)));
        }

        if (request is null)
        {
            response = UploadEndpoint.ToResponse(UploadOutcome.Rejected(UploadErrors.Internal()));
        }
        else
        {
            using var budget = new CancellationTokenSource(RequestBudget);
            response = _status is not null && request.RouteKey == StudyStatusEndpoint.RouteKey
                ? await _status.HandleAsync(request, budget.Token)
                : await _endpoint.HandleAsync(request, budget.Token);
        }

        var output = new MemoryStream();
        await JsonSerializer.SerializeAsync(output, response, HttpJsonContext.Default.HttpApiResponse);
        output.Position = 0;
        return output;
    }
}

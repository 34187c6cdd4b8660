using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Amazon.S3;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StrokeIngestion.Sandbox.Quotas;

namespace StrokeIngestion.Sandbox.HealthImaging;

/// <summary>
/// An AWS HealthImaging import API (StartDICOMImportJob, GetDICOMImportJob, ListDICOMImportJobs)
/// for one datastore, speaking the service's restJson1 wire contract so that official SDK
/// clients work against it. Jobs move SUBMITTED → IN_PROGRESS → COMPLETED/FAILED on the
/// injected <see cref="TimeProvider"/>; when a job ends, its input prefix is read from S3, the
/// instances are placed into image sets (<see cref="ImageSetCatalog"/>) and the job output is
/// written back to S3 (<see cref="ImportJobProcessor"/>).
/// </summary>
/// <remarks>
/// Either map it into a host (<see cref="Map"/>) or run it alone on 127.0.0.1 (<see cref="StartAsync"/>).
/// Processing runs when a job's end time passes (a timer on the TimeProvider) and, at the latest,
/// before any Get/List answers: a client never sees COMPLETED before the output is written.
/// The SigV4 Authorization header must be present and scoped to <c>medical-imaging</c> and the
/// emulator's region; signatures are not verified.
/// </remarks>
internal sealed partial class HealthImagingEmulator : IAsyncDisposable
{
    /// <summary>The SigV4 signing name of the service.</summary>
    public const string SigningName = "medical-imaging";

    private readonly TimeProvider _time;
    private readonly ImageSetCatalog _catalog;
    private readonly ImportJobProcessor _processor;
    private readonly IImportObjectStorage _storage;
    private readonly Dictionary<HealthImagingOperation, TokenBucket> _throttles;
    private readonly Lock _gate = new();
    private readonly List<ImportJob> _jobs = [];
    private readonly Dictionary<string, ImportJob> _jobsById = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ImportJob> _jobsByClientToken = new(StringComparer.Ordinal);
    private readonly List<ITimer> _timers = [];
    private readonly List<Task> _background = [];
    private readonly SemaphoreSlim _processing = new(1, 1);
    private readonly CancellationTokenSource _lifetime = new();
    private readonly Random _random;
    private HealthImagingFaults _faults = HealthImagingFaults.None;
    private WebApplication? _app;
    private long _sequence;
    private bool _disposed;

    public HealthImagingEmulator(
        HealthImagingEmulatorOptions options,
        IImportObjectStorage storage,
        IDicomInstanceInspector inspector,
        TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(inspector);
        options.Validate();

        Options = options;
        _time = timeProvider ?? TimeProvider.System;
        _catalog = new ImageSetCatalog(options.NewId);
        _processor = new ImportJobProcessor(options, storage, inspector, _catalog);
        _storage = storage;
        _throttles = new Dictionary<HealthImagingOperation, TokenBucket>
        {
            [HealthImagingOperation.StartDICOMImportJob] = new(options.StartRate, _time),
            [HealthImagingOperation.GetDICOMImportJob] = new(options.GetRate, _time),
            [HealthImagingOperation.ListDICOMImportJobs] = new(options.ListRate, _time),
        };
        _random = new Random(options.FaultSeed);
    }

    /// <summary>Reads inputs from and writes job output to the S3 endpoint behind <paramref name="s3"/> (owned by the caller).</summary>
    public HealthImagingEmulator(
        HealthImagingEmulatorOptions options,
        IAmazonS3 s3,
        IDicomInstanceInspector inspector,
        TimeProvider? timeProvider = null)
        : this(options, new S3ImportObjectStorage(s3), inspector, timeProvider)
    {
    }

    public HealthImagingEmulatorOptions Options { get; }

    public HealthImagingCounters Counters { get; } = new();

    /// <summary>
    /// Raised when a job ends (COMPLETED or FAILED), once its status and output are visible to
    /// Get/List: what HealthImaging publishes to EventBridge. Listeners run on the processing
    /// path and must not block (hand the event off).
    /// </summary>
    public event EventHandler<ImportJobEndedEventArgs>? ImportJobEnded;

    /// <summary>Fault knobs; replace the record to change them while clients are running.</summary>
    public HealthImagingFaults Faults
    {
        get
        {
            lock (_gate)
            {
                return _faults;
            }
        }

        set
        {
            ArgumentNullException.ThrowIfNull(value);
            lock (_gate)
            {
                _faults = value;
            }
        }
    }

    /// <summary>The datastore's ARN, as IAM policies and EventBridge events name it.</summary>
    public string DatastoreArn => $"arn:aws:medical-imaging:{Options.Region}:{Options.AccountId}:datastore/{Options.DatastoreId}";

    /// <summary>Where <see cref="StartAsync"/> listens; null until started.</summary>
    public Uri? BaseAddress { get; private set; }

    /// <summary>Every image set the datastore holds, oldest first.</summary>
    public IReadOnlyList<ImageSetSnapshot> ImageSets => _catalog.Snapshot();

    /// <summary>Every import job the datastore has seen, oldest first, with its status now.</summary>
    public IReadOnlyList<ImportJobSnapshot> Jobs()
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            return _jobs
                .Select(j => new ImportJobSnapshot(j.JobId, j.Parameters.ClientToken, j.Parameters.InputS3Uri, j.StatusAt(now), j.ForcedFailure))
                .ToList();
        }
    }

    /// <summary>Maps the three import routes onto <paramref name="endpoints"/>.</summary>
    public RouteGroupBuilder Map(IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var group = endpoints.MapGroup(string.Empty);
        group.MapPost(
            "/startDICOMImportJob/datastore/{datastoreId}",
            context => HandleAsync(context, HealthImagingOperation.StartDICOMImportJob, StartJobAsync));
        group.MapGet(
            "/getDICOMImportJob/datastore/{datastoreId}/job/{jobId}",
            context => HandleAsync(context, HealthImagingOperation.GetDICOMImportJob, GetJobAsync));
        group.MapGet(
            "/listDICOMImportJobs/datastore/{datastoreId}",
            context => HandleAsync(context, HealthImagingOperation.ListDICOMImportJobs, ListJobsAsync));
        return group;
    }

    /// <summary>Runs the emulator alone on 127.0.0.1 (<paramref name="port"/> 0 picks a free one).</summary>
    public async Task<Uri> StartAsync(int port = 0, CancellationToken cancellationToken = default)
    {
        if (_app is not null)
        {
            throw new InvalidOperationException("The emulator is already started.");
        }

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        Map(app);
        app.MapFallback(context => WriteAsync(
            context.Response,
            ApiResult.Error(StatusCodes.Status404NotFound, "UnknownOperationException", "No operation matches the request"),
            context.RequestAborted));

        await app.StartAsync(cancellationToken);
        _app = app;
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        BaseAddress = new Uri(address.EndsWith('/') ? address : address + "/");
        return BaseAddress;
    }

    /// <summary>
    /// Processes every job whose end time has passed, in submission order. Get/List call it
    /// before answering; hosts and tests may call it to settle jobs without a request.
    /// </summary>
    public async Task ProcessEndedJobsAsync(CancellationToken cancellationToken)
    {
        await _processing.WaitAsync(cancellationToken);
        try
        {
            while (true)
            {
                ImportJob? next;
                lock (_gate)
                {
                    var now = _time.GetUtcNow();
                    next = _jobs.FirstOrDefault(j => j.Outcome is null && now >= j.EndsAt);
                }

                if (next is null)
                {
                    return;
                }

                ImportJobOutcome outcome;
                try
                {
                    // The emulator's lifetime, not the caller's request, bounds processing:
                    // a client hanging up must not leave a job half-imported.
                    outcome = await _processor.ProcessAsync(next, _lifetime.Token);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    outcome = new ImportJobOutcome(ImportJobStatuses.Failed, "Import job failed due to an internal error", null);
                }

                lock (_gate)
                {
                    next.Outcome = outcome;
                }

                ImportJobEnded?.Invoke(this, new ImportJobEndedEventArgs(new ImportJobEvent(
                    next.Parameters.DatastoreId,
                    next.JobId,
                    next.JobName,
                    outcome.Status,
                    next.Parameters.InputS3Uri,
                    next.ResolvedOutputS3Uri,
                    DatastoreArn)));
            }
        }
        finally
        {
            _processing.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            _app = null;
        }

        await _lifetime.CancelAsync();
        Task[] pending;
        lock (_gate)
        {
            foreach (var timer in _timers)
            {
                timer.Dispose();
            }

            _timers.Clear();
            pending = [.. _background];
        }

        await Task.WhenAll(pending);
        _processing.Dispose();
        _lifetime.Dispose();
    }

    private async Task HandleAsync(HttpContext context, HealthImagingOperation operation, Func<HttpContext, Task<ApiResult>> handler)
    {
        Counters.RecordRequest(operation);
        var cancellationToken = context.RequestAborted;
        ApiResult result;
        try
        {
            result = Authorize(context.Request)
                ?? Throttle(operation)
                ?? await InjectFaultsAsync(operation, cancellationToken)
                ?? await handler(context);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return;
        }

        await WriteAsync(context.Response, result, cancellationToken);
    }

    private ApiResult? Authorize(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(header))
        {
            return ApiResult.Error(StatusCodes.Status403Forbidden, "AccessDeniedException", "Missing Authentication Token: sign the request with SigV4");
        }

        var match = SigV4Authorization().Match(header);
        if (!match.Success)
        {
            return ApiResult.Error(StatusCodes.Status403Forbidden, "AccessDeniedException", "The Authorization header is not a SigV4 authorization");
        }

        if (match.Groups["service"].Value != SigningName)
        {
            return ApiResult.Error(StatusCodes.Status403Forbidden, "AccessDeniedException", $"Credential should be scoped to correct service: '{SigningName}'");
        }

        return match.Groups["region"].Value == Options.Region
            ? null
            : ApiResult.Error(StatusCodes.Status403Forbidden, "AccessDeniedException", $"Credential should be scoped to a valid region: '{Options.Region}'");
    }

    /// <summary>The operation's token bucket: a request beyond the account's rate is refused before anything else is looked at.</summary>
    private ApiResult? Throttle(HealthImagingOperation operation)
    {
        if (_throttles[operation].TryTake())
        {
            return null;
        }

        Counters.RecordThrottled(operation);
        return ApiResult.Error(StatusCodes.Status429TooManyRequests, "ThrottlingException", "Rate exceeded");
    }

    private async Task<ApiResult?> InjectFaultsAsync(HealthImagingOperation operation, CancellationToken cancellationToken)
    {
        var faults = Faults.For(operation);
        if (faults.AddedLatency > TimeSpan.Zero)
        {
            await Task.Delay(faults.AddedLatency, _time, cancellationToken);
        }

        if (Roll(faults.ThrottleRate))
        {
            Counters.RecordInjectedFault(operation);
            return ApiResult.Error(StatusCodes.Status429TooManyRequests, "ThrottlingException", "Rate exceeded");
        }

        if (Roll(faults.ServerErrorRate))
        {
            Counters.RecordInjectedFault(operation);
            return ApiResult.Error(StatusCodes.Status500InternalServerError, "InternalServerException", "An internal error occurred");
        }

        return null;
    }

    private bool Roll(double rate)
    {
        // No draw for a disabled knob: one operation's faults don't shift another's sequence.
        if (rate <= 0)
        {
            return false;
        }

        lock (_random)
        {
            return _random.NextDouble() < rate;
        }
    }

    private async Task<ApiResult> StartJobAsync(HttpContext context)
    {
        var datastoreId = RouteValue(context, "datastoreId");
        var errors = new HealthImagingValidation.Errors();
        var body = await ReadJsonObjectAsync(context.Request, errors, context.RequestAborted);

        var jobName = StringMember(body, "jobName", errors);
        var dataAccessRoleArn = StringMember(body, "dataAccessRoleArn", errors);
        var clientToken = StringMember(body, "clientToken", errors);
        var inputS3Uri = StringMember(body, "inputS3Uri", errors);
        var outputS3Uri = StringMember(body, "outputS3Uri", errors);
        var inputOwnerAccountId = StringMember(body, "inputOwnerAccountId", errors);

        HealthImagingValidation.JobName(errors, jobName);
        HealthImagingValidation.RoleArn(errors, dataAccessRoleArn);
        HealthImagingValidation.ClientToken(errors, clientToken);
        HealthImagingValidation.DatastoreId(errors, datastoreId);
        HealthImagingValidation.S3Uri(errors, "inputS3Uri", inputS3Uri);
        HealthImagingValidation.S3Uri(errors, "outputS3Uri", outputS3Uri);
        HealthImagingValidation.AccountId(errors, inputOwnerAccountId);
        if (errors.Any || datastoreId is null || dataAccessRoleArn is null || clientToken is null || inputS3Uri is null || outputS3Uri is null)
        {
            return ApiResult.Validation(errors.Message());
        }

        if (datastoreId != Options.DatastoreId)
        {
            return DatastoreNotFound();
        }

        Counters.RecordStartRequest(clientToken);
        var parameters = new ImportJobParameters(datastoreId, jobName, clientToken, dataAccessRoleArn, inputS3Uri, outputS3Uri, inputOwnerAccountId);
        lock (_gate)
        {
            if (Admit(parameters) is { } answer)
            {
                return answer;
            }
        }

        // The run time grows with the input, so the emulator counts it at the start, outside
        // the lock; admission is decided again after the (slow) listing.
        var files = await CountInputFilesAsync(inputS3Uri, context.RequestAborted);
        lock (_gate)
        {
            return Admit(parameters) ?? Create(parameters, files);
        }
    }

    /// <summary>Called under the lock: the answer for a replayed client token or a full datastore, or null to create a job.</summary>
    private ApiResult? Admit(ImportJobParameters parameters)
    {
        if (_jobsByClientToken.TryGetValue(parameters.ClientToken, out var existing))
        {
            return existing.Parameters == parameters
                ? ApiResult.Ok(StartResponse(existing))
                : ApiResult.Error(StatusCodes.Status409Conflict, "ConflictException", "The clientToken was already used with different parameters");
        }

        var now = _time.GetUtcNow();
        if (_jobs.Count(j => !j.HasEndedAt(now)) < Options.MaxConcurrentJobs)
        {
            return null;
        }

        Counters.RecordQuotaExceeded();
        return ApiResult.Error(
            StatusCodes.Status402PaymentRequired,
            "ServiceQuotaExceededException",
            "The number of concurrent import jobs exceeds the quota for this datastore");
    }

    /// <summary>Called under the lock.</summary>
    private ApiResult Create(ImportJobParameters parameters, int files)
    {
        var now = _time.GetUtcNow();
        var forcedFailure = _faults.FailNextJobs > 0;
        var job = new ImportJob
        {
            Sequence = ++_sequence,
            JobId = Options.NewId(),
            Parameters = parameters,
            SubmittedAt = now,
            SubmittedFor = Options.ImportTime / 2,
            InProgressFor = (Options.ImportTime / 2) + (Options.ImportTimePerFile * files),
            ForcedFailure = forcedFailure,
            ForcedFailureMessage = forcedFailure ? _faults.FailedJobMessage : null,
        };
        if (forcedFailure)
        {
            _faults = _faults with { FailNextJobs = _faults.FailNextJobs - 1 };
        }

        _jobs.Add(job);
        _jobsById[job.JobId] = job;
        _jobsByClientToken[parameters.ClientToken] = job;
        Counters.RecordJobCreated(parameters.ClientToken, parameters.InputS3Uri);
        ArmEndTimer(job, job.EndsAt - now);
        return ApiResult.Ok(StartResponse(job));
    }

    /// <summary>
    /// Files the job will import: none when the input cannot be listed or breaks the per-job
    /// quotas (such a job fails as soon as its fixed time is over).
    /// </summary>
    private async Task<int> CountInputFilesAsync(string inputS3Uri, CancellationToken cancellationToken)
    {
        if (Options.ImportTimePerFile == TimeSpan.Zero)
        {
            return 0;
        }

        try
        {
            var input = S3Location.Parse(inputS3Uri);
            var objects = await _storage.ListAsync(input.Bucket, input.Key, cancellationToken);
            return objects.Count > Options.MaxFilesPerJob || objects.Sum(o => o.Size) > Options.MaxBytesPerJob ? 0 : objects.Count;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return 0;
        }
    }

    private async Task<ApiResult> GetJobAsync(HttpContext context)
    {
        var datastoreId = RouteValue(context, "datastoreId");
        var jobId = RouteValue(context, "jobId");
        var errors = new HealthImagingValidation.Errors();
        HealthImagingValidation.DatastoreId(errors, datastoreId);
        HealthImagingValidation.JobId(errors, jobId);
        if (errors.Any || jobId is null)
        {
            return ApiResult.Validation(errors.Message());
        }

        if (datastoreId != Options.DatastoreId)
        {
            return DatastoreNotFound();
        }

        await ProcessEndedJobsAsync(context.RequestAborted);
        lock (_gate)
        {
            if (!_jobsById.TryGetValue(jobId, out var job))
            {
                return ApiResult.Error(StatusCodes.Status404NotFound, "ResourceNotFoundException", "Import job not found");
            }

            var now = _time.GetUtcNow();
            var ended = job.Outcome is not null;
            return ApiResult.Ok(new GetDicomImportJobResponse(new DicomImportJobProperties(
                job.JobId,
                job.JobName,
                job.StatusAt(now),
                job.Parameters.DatastoreId,
                job.Parameters.DataAccessRoleArn,
                ended ? HealthImagingJson.EpochSeconds(job.EndsAt) : null,
                HealthImagingJson.EpochSeconds(job.SubmittedAt),
                job.Parameters.InputS3Uri,
                ended ? job.ResolvedOutputS3Uri : job.Parameters.OutputS3Uri,
                job.Outcome?.Message)));
        }
    }

    private async Task<ApiResult> ListJobsAsync(HttpContext context)
    {
        var datastoreId = RouteValue(context, "datastoreId");
        var query = context.Request.Query;
        var jobStatus = query.TryGetValue("jobStatus", out var statusValues) ? statusValues.ToString() : null;
        var nextToken = query.TryGetValue("nextToken", out var tokenValues) ? tokenValues.ToString() : null;
        var maxResultsText = query.TryGetValue("maxResults", out var maxValues) ? maxValues.ToString() : null;

        var errors = new HealthImagingValidation.Errors();
        HealthImagingValidation.DatastoreId(errors, datastoreId);
        errors.Enum("jobStatus", jobStatus, jobStatus is not null && ImportJobStatuses.IsKnown(jobStatus), "SUBMITTED, IN_PROGRESS, COMPLETED, FAILED");
        HealthImagingValidation.NextToken(errors, nextToken);
        int? maxResults = null;
        if (maxResultsText is not null)
        {
            if (int.TryParse(maxResultsText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed))
            {
                maxResults = parsed;
                errors.Range("maxResults", maxResults, 1, 50);
            }
            else
            {
                errors.Add("Value at 'maxResults' failed to satisfy constraint: Member must be an integer");
            }
        }

        long? startAfterSequence = null;
        if (nextToken is { Length: > 0 } && !errors.Any)
        {
            startAfterSequence = DecodeNextToken(nextToken);
            if (startAfterSequence is null)
            {
                errors.Add("Value at 'nextToken' failed to satisfy constraint: Member must be a token returned by a previous call");
            }
        }

        if (errors.Any)
        {
            return ApiResult.Validation(errors.Message());
        }

        if (datastoreId != Options.DatastoreId)
        {
            return DatastoreNotFound();
        }

        await ProcessEndedJobsAsync(context.RequestAborted);
        lock (_gate)
        {
            var now = _time.GetUtcNow();

            // Newest first, like the console; a token names the sequence to resume at, so
            // jobs started between pages don't shift the pages already handed out.
            var matching = _jobs
                .Where(j => startAfterSequence is null || j.Sequence <= startAfterSequence)
                .Where(j => jobStatus is null || j.StatusAt(now) == jobStatus)
                .OrderByDescending(j => j.Sequence)
                .Take((maxResults ?? 50) + 1)
                .ToList();
            var page = matching.Take(maxResults ?? 50).ToList();
            var token = matching.Count > page.Count ? EncodeNextToken(matching[^1].Sequence) : null;
            return ApiResult.Ok(new ListDicomImportJobsResponse(
                page.Select(j => new DicomImportJobSummary(
                    j.JobId,
                    j.JobName,
                    j.StatusAt(now),
                    j.Parameters.DatastoreId,
                    j.Parameters.DataAccessRoleArn,
                    j.Outcome is not null ? HealthImagingJson.EpochSeconds(j.EndsAt) : null,
                    HealthImagingJson.EpochSeconds(j.SubmittedAt),
                    j.Outcome?.Message)).ToList(),
                token));
        }
    }

    /// <summary>Called under the lock.</summary>
    private void ArmEndTimer(ImportJob job, TimeSpan dueIn) =>
        _timers.Add(_time.CreateTimer(_ => OnJobEnded(job), null, dueIn, Timeout.InfiniteTimeSpan));

    private void OnJobEnded(ImportJob job)
    {
        if (_lifetime.IsCancellationRequested)
        {
            return;
        }

        // Timers count whole milliseconds, so one may fire a fraction early; processing then
        // finds nothing ended, and the job (and its end event) would wait for the next Get.
        lock (_gate)
        {
            if (_lifetime.IsCancellationRequested)
            {
                return;
            }

            var early = job.EndsAt - _time.GetUtcNow();
            if (early > TimeSpan.Zero)
            {
                ArmEndTimer(job, early + TimeSpan.FromMilliseconds(1));
                return;
            }
        }

        var task = ProcessInBackgroundAsync();
        lock (_gate)
        {
            _background.RemoveAll(t => t.IsCompleted);
            _background.Add(task);
        }
    }

    private async Task ProcessInBackgroundAsync()
    {
        try
        {
            await ProcessEndedJobsAsync(_lifetime.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
        {
            // Shutting down: whatever is left is processed by nobody.
        }
    }

    private static StartDicomImportJobResponse StartResponse(ImportJob job) =>
        new(job.Parameters.DatastoreId, job.JobId, ImportJobStatuses.Submitted, HealthImagingJson.EpochSeconds(job.SubmittedAt));

    private static ApiResult DatastoreNotFound() =>
        ApiResult.Error(StatusCodes.Status404NotFound, "ResourceNotFoundException", "Datastore not found");

    private static string? RouteValue(HttpContext context, string name) => context.Request.RouteValues[name] as string;

    private static async Task<JsonElement?> ReadJsonObjectAsync(HttpRequest request, HealthImagingValidation.Errors errors, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken);
        if (buffer.Length == 0)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(buffer.ToArray());
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                errors.Add("The request body must be a JSON object");
                return null;
            }

            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            errors.Add("The request body is not valid JSON");
            return null;
        }
    }

    private static string? StringMember(JsonElement? body, string name, HealthImagingValidation.Errors errors)
    {
        if (body is not { } obj || !obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            errors.Add($"Value at '{name}' failed to satisfy constraint: Member must be a string");
            return null;
        }

        return value.GetString();
    }

    private static string EncodeNextToken(long sequence) =>
        Convert.ToBase64String(Encoding.ASCII.GetBytes($"jobs:{sequence.ToString(CultureInfo.InvariantCulture)}"));

    private static long? DecodeNextToken(string token)
    {
        try
        {
            var text = Encoding.ASCII.GetString(Convert.FromBase64String(token));
            return text.StartsWith("jobs:", StringComparison.Ordinal)
                && long.TryParse(text.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out var sequence)
                ? sequence
                : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static async Task WriteAsync(HttpResponse response, ApiResult result, CancellationToken cancellationToken)
    {
        response.StatusCode = result.StatusCode;
        response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
        if (result.ErrorType is { } errorType)
        {
            response.Headers["X-Amzn-Errortype"] = errorType;
        }

        response.ContentType = "application/json";
        await response.WriteAsync(JsonSerializer.Serialize(result.Body, result.Body.GetType(), HealthImagingJson.Options), cancellationToken);
    }

    [GeneratedRegex(
        @"^AWS4-HMAC-SHA256 Credential=[^/\s,]+/\d{8}/(?<region>[^/\s,]+)/(?<service>[^/\s,]+)/aws4_request,\s*SignedHeaders=[a-z0-9;\-]+,\s*Signature=[0-9a-f]{64}$")]
    private static partial Regex SigV4Authorization();

    private sealed record ApiResult(int StatusCode, object Body, string? ErrorType)
    {
        public static ApiResult Ok(object body) => new(StatusCodes.Status200OK, body, null);

        public static ApiResult Error(int statusCode, string errorType, string message) =>
            new(statusCode, new ErrorResponse(message), errorType);

        public static ApiResult Validation(string message) =>
            Error(StatusCodes.Status400BadRequest, "ValidationException", message);
    }
}

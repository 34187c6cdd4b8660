using System.Diagnostics;
using System.Net;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Time.Testing;
using StrokeIngestion.Core.Aws;
using StrokeIngestion.Core.Aws.HealthImaging;
using StrokeIngestion.Core.Aws.Signing;
using StrokeIngestion.Core.Aws.StepFunctions;
using StrokeIngestion.Core.Errors;
using StrokeIngestion.Core.Ports;
using StrokeIngestion.Testing;

namespace StrokeIngestion.Core.Tests.Aws;

/// <summary>
/// The hand-written HealthImaging and Step Functions clients against a reference no one here
/// wrote: botocore's service models (the data every AWS SDK is generated from). Method, URI,
/// target and content type, body members (none unknown, every required one sent), the
/// response members read, and how each modeled error is classified.
/// </summary>
public sealed class BotocoreConformanceTests : IDisposable
{
    private const string DatastoreId = "0123456789abcdef0123456789abcdef";
    private const string JobId = "5b9e4e8d0c1f2a3b4c5d6e7f8a9b0c1d";
    private const string StateMachineArn = "arn:aws:states:eu-west-2:123456789012:stateMachine:stroke-detection-ai-processing";

    private readonly RecordingHandler _handler = new();
    private readonly HttpClient _http;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));

    public BotocoreConformanceTests() => _http = new HttpClient(_handler);

    public void Dispose() => _http.Dispose();

    [SkippableFact]
    public async Task StartDicomImportJob_ShouldBeTheRequestBotocoresModelDescribes()
    {
        var model = await ModelAsync("medical-imaging", "StartDICOMImportJob");
        _handler.Reply = $$"""{"datastoreId":"{{DatastoreId}}","jobId":"{{JobId}}","jobStatus":"SUBMITTED","submittedAt":1764849600.0}""";
        var client = SignedClients.CreateImportService(_http, "eu-west-2", new Uri("https://medical-imaging.eu-west-2.amazonaws.com"), Credentials, _time, TimeSpan.FromSeconds(10));

        await client.StartImportAsync(
            new ImportJobRequest(DatastoreId, "stroke-STUDY-0123456789ab", "STUDY-0123456789ab", "s3://bucket/imports/STUDY-0123456789ab/", "s3://bucket/import-output/STUDY-0123456789ab/", "arn:aws:iam::123456789012:role/import"),
            CancellationToken.None);

        AssertRequestMatches(model, Assert.Single(_handler.Sent), new Dictionary<string, string> { ["datastoreId"] = DatastoreId });
        AssertReadsOnlyModeledMembers(model.OutputMembers.Keys, typeof(StartDicomImportJobResult));
    }

    [SkippableFact]
    public async Task GetDicomImportJob_ShouldBeTheRequestBotocoresModelDescribes()
    {
        var model = await ModelAsync("medical-imaging", "GetDICOMImportJob");
        _handler.Reply = $$$"""{"jobProperties":{"jobId":"{{{JobId}}}","jobStatus":"IN_PROGRESS","datastoreId":"{{{DatastoreId}}}"}}""";
        var client = SignedClients.CreateImportService(_http, "eu-west-2", new Uri("https://medical-imaging.eu-west-2.amazonaws.com"), Credentials, _time, TimeSpan.FromSeconds(10));

        await client.GetImportJobAsync(DatastoreId, JobId, CancellationToken.None);

        AssertRequestMatches(model, Assert.Single(_handler.Sent), new Dictionary<string, string> { ["datastoreId"] = DatastoreId, ["jobId"] = JobId });
        AssertReadsOnlyModeledMembers(model.OutputMembers.Keys, typeof(GetDicomImportJobResult));
        AssertReadsOnlyModeledMembers(model.OutputMembers["jobProperties"], typeof(DicomImportJobProperties));
    }

    [SkippableFact]
    public async Task StartExecution_ShouldBeTheRequestBotocoresModelDescribes()
    {
        var model = await ModelAsync("stepfunctions", "StartExecution");
        _handler.Reply = """{"executionArn":"arn:aws:states:eu-west-2:123456789012:execution:stroke-detection-ai-processing:stroke-analysis-STUDY-0123456789ab","startDate":1764849600.0}""";
        var client = SignedClients.CreateWorkflowStarter(_http, "eu-west-2", StateMachineArn, new Uri("https://states.eu-west-2.amazonaws.com"), Credentials, _time, TimeSpan.FromSeconds(10));

        await client.StartAsync("stroke-analysis-STUDY-0123456789ab", "{\"study_id\":\"STUDY-0123456789ab\"}", CancellationToken.None);

        AssertRequestMatches(model, Assert.Single(_handler.Sent), new Dictionary<string, string>());
        AssertReadsOnlyModeledMembers(model.OutputMembers.Keys, typeof(StartExecutionResult));
    }

    [SkippableFact]
    public async Task SendTaskSuccess_ShouldBeTheRequestBotocoresModelDescribes()
    {
        var model = await ModelAsync("stepfunctions", "SendTaskSuccess");
        _handler.Reply = "{}";
        var client = SignedClients.CreateWorkflowCallback(_http, "eu-west-2", new Uri("https://states.eu-west-2.amazonaws.com"), Credentials, _time, TimeSpan.FromSeconds(10));

        await client.TryResumeAsync("AQCEAAAAKgAAAAMAAAAAAAAAAe", CancellationToken.None);

        AssertRequestMatches(model, Assert.Single(_handler.Sent), new Dictionary<string, string>());
    }

    [SkippableTheory]
    [InlineData("medical-imaging", "StartDICOMImportJob")]
    [InlineData("medical-imaging", "GetDICOMImportJob")]
    [InlineData("stepfunctions", "StartExecution")]
    [InlineData("stepfunctions", "SendTaskSuccess")]
    public async Task EveryModeledError_ShouldBeClassifiedByWhatItMeans(string service, string operation)
    {
        var model = await ModelAsync(service, operation);
        var dependency = service == "stepfunctions" ? Dependency.StepFunctions : Dependency.HealthImaging;

        Assert.All(model.Errors, error =>
        {
            var exception = AwsErrors.ToException(dependency, operation, error.Value, error.Key);
            var slowDown = Regex.IsMatch(error.Key, "Throttl|LimitExceeded|QuotaExceeded", RegexOptions.CultureInvariant);
            var serverFault = error.Value >= 500 || error.Key.StartsWith("Internal", StringComparison.Ordinal);

            Assert.Equal(error.Key, exception.ErrorCode);
            Assert.True(
                (exception as TransientDependencyException)?.Throttled == true == slowDown
                && exception is TransientDependencyException == (slowDown || serverFault),
                $"{operation} {error.Key} (HTTP {error.Value}) is classified as {exception.GetType().Name} throttled={(exception as TransientDependencyException)?.Throttled}.");
        });
    }

    private static AwsCredentialsSource Credentials => AwsCredentialsSource.Fixed("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");

    private static void AssertRequestMatches(OperationModel model, SentRequest sent, Dictionary<string, string> uriValues)
    {
        Assert.Equal(model.Method, sent.Method);
        var path = model.UriMembers.Aggregate(model.RequestUri, (uri, member) => uri.Replace("{" + member.Value + "}", Uri.EscapeDataString(uriValues[member.Key]), StringComparison.Ordinal));
        Assert.Equal(path, sent.Path);
        Assert.Equal(model.Target, sent.Target);

        if (model.BodyMembers.Count == 0)
        {
            Assert.Empty(sent.Body);
            return;
        }

        Assert.Equal(model.ContentType, sent.ContentType);
        using var body = JsonDocument.Parse(sent.Body);
        var sentMembers = body.RootElement.EnumerateObject().Select(p => p.Name).ToList();
        Assert.All(sentMembers, name => Assert.Contains(name, model.BodyMembers));
        Assert.All(model.Required.Where(r => !model.UriMembers.ContainsKey(r)), name => Assert.Contains(name, sentMembers));
    }

    private static void AssertReadsOnlyModeledMembers(IEnumerable<string> modeled, Type result)
    {
        var read = result.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name)
            .OfType<string>()
            .ToList();

        Assert.NotEmpty(read);
        Assert.All(read, name => Assert.Contains(name, modeled));
    }

    private static async Task<OperationModel> ModelAsync(string service, string operation)
    {
        var python = ExternalTool.RequirePython("botocore");
        var script = Path.Combine(ExternalTool.RepoRoot, "test", "reference", "botocore_operation.py");
        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(service);
        start.ArgumentList.Add(operation);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("python3 did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, await errors);
        return JsonSerializer.Deserialize<OperationModel>(await output) ?? throw new InvalidOperationException("empty model");
    }

    private sealed record OperationModel(
        [property: JsonPropertyName("method")] string Method,
        [property: JsonPropertyName("requestUri")] string RequestUri,
        [property: JsonPropertyName("target")] string? Target,
        [property: JsonPropertyName("contentType")] string ContentType,
        [property: JsonPropertyName("uriMembers")] Dictionary<string, string> UriMembers,
        [property: JsonPropertyName("bodyMembers")] List<string> BodyMembers,
        [property: JsonPropertyName("required")] List<string> Required,
        [property: JsonPropertyName("outputMembers")] Dictionary<string, List<string>> OutputMembers,
        [property: JsonPropertyName("errors")] Dictionary<string, int> Errors);

    private sealed record SentRequest(string Method, string Path, string? Target, string? ContentType, byte[] Body);

    private sealed class RecordingHandler : HttpMessageHandler
    {
        public string Reply { get; set; } = "{}";

        public List<SentRequest> Sent { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);
            Sent.Add(new SentRequest(
                request.Method.Method,
                request.RequestUri?.AbsolutePath ?? string.Empty,
                request.Headers.TryGetValues("X-Amz-Target", out var target) ? target.Single() : null,
                request.Content?.Headers.ContentType?.ToString(),
                body));
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(Reply, Encoding.UTF8, "application/json") };
        }
    }
}

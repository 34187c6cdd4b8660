using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using StrokeIngestion.Sandbox.Host;

namespace StrokeIngestion.Sandbox.Proof;

/// <summary>
/// When HealthImaging accepted each study's import: the emulator's <c>submittedAt</c> of the
/// study's first job, as ListDICOMImportJobs reports it, keyed by the job's client token (the
/// pipeline passes the study id). Read once, after a run, as an operator would.
/// </summary>
internal static class ImportSubmissions
{
    private const int PageSize = 50;
    private const int MaxThrottledRetries = 200;
    private static readonly TimeSpan ThrottledPause = TimeSpan.FromMilliseconds(100);

    // The emulator checks that a request is SigV4-scoped to medical-imaging in its region, not the signature.
    private static readonly string Authorization =
        $"AWS4-HMAC-SHA256 Credential=SANDBOX/20250101/{SandboxOptions.Region}/medical-imaging/aws4_request, SignedHeaders=host, Signature={new string('0', 64)}";

    public static async Task<IReadOnlyDictionary<string, DateTimeOffset>> ReadAsync(SandboxHost host, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        var tokenByJob = host.HealthImaging.Jobs().ToDictionary(j => j.JobId, j => j.ClientToken, StringComparer.Ordinal);
        var submitted = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = host.HealthImagingEndpoint };
        string? nextToken = null;
        var throttled = 0;
        do
        {
            var query = $"listDICOMImportJobs/datastore/{host.Options.DatastoreId}?maxResults={PageSize}"
                + (nextToken is null ? string.Empty : "&nextToken=" + Uri.EscapeDataString(nextToken));
            using var request = new HttpRequestMessage(HttpMethod.Get, query);
            request.Headers.TryAddWithoutValidation("Authorization", Authorization);
            using var response = await http.SendAsync(request, cancellationToken);
            if (response.StatusCode == HttpStatusCode.TooManyRequests && ++throttled <= MaxThrottledRetries)
            {
                // ListDICOMImportJobs has its own modelled rate (10 TPS burst 20 in stack time).
                await Task.Delay(ThrottledPause, cancellationToken);
                continue;
            }

            response.EnsureSuccessStatusCode();
            var page = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
            foreach (var job in page?["jobSummaries"]?.AsArray() ?? [])
            {
                var jobId = job?["jobId"]?.GetValue<string>();
                var at = job?["submittedAt"]?.GetValue<double>();
                if (jobId is null || at is null || !tokenByJob.TryGetValue(jobId, out var token))
                {
                    continue;
                }

                var when = DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(at.Value * 1000));
                if (!submitted.TryGetValue(token, out var earlier) || when < earlier)
                {
                    submitted[token] = when;
                }
            }

            nextToken = page?["nextToken"]?.GetValue<string>();
        }
        while (nextToken is not null);

        return submitted;
    }

    /// <summary>Whether HealthImaging holds a job for <paramref name="clientToken"/> yet (in-process, cheap).</summary>
    public static bool HasJob(SandboxHost host, string clientToken) =>
        host.HealthImaging.Jobs().Any(j => string.Equals(j.ClientToken, clientToken, StringComparison.Ordinal));
}

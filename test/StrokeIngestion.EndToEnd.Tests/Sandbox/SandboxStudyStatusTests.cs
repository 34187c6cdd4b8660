using System.Net;
using System.Text.Json;

namespace StrokeIngestion.EndToEnd.Tests.Sandbox;

/// <summary>GET /studies/{study_id} through the local HTTP API and the UploadHandler's real handler.</summary>
[Collection(SharedSandbox.Name)]
public sealed class SandboxStudyStatusTests
{
    private readonly SandboxFixture _sandbox;

    public SandboxStudyStatusTests(SandboxFixture sandbox) => _sandbox = sandbox;

    [SkippableFact]
    public async Task GetStudy_WhenTheUploadReachedReady_ShouldAnswerItsStatusAndImageSetsWithoutPhi()
    {
        const string patientId = "STATUS-PATIENT-0042";
        var study = SandboxFixture.NewStudy("CT", patientId);
        var key = SandboxFixture.NewFolder("status") + "head.dcm";
        _sandbox.RecordPhi(patientId, key);
        await _sandbox.PutObjectAsync(key, study.Files[0]);
        var studyId = await _sandbox.PostAcceptedAsync(patientId, key);
        var record = await _sandbox.WaitForTerminalStudyAsync(studyId);

        var (status, body) = await GetAsync(studyId);

        Assert.Equal(HttpStatusCode.OK, status);
        using var json = JsonDocument.Parse(body);
        Assert.Equal(studyId, json.RootElement.GetProperty("study_id").GetString());
        Assert.Equal("READY_FOR_ANALYSIS", json.RootElement.GetProperty("status").GetString());
        Assert.Equal("urgent", json.RootElement.GetProperty("priority").GetString());
        Assert.Equal(SandboxFixture.List(record, "image_set_ids"), json.RootElement.GetProperty("image_set_ids").EnumerateArray().Select(e => e.GetString() ?? string.Empty).ToList());
        Assert.Equal(SandboxFixture.Text(record, "import_job_id"), json.RootElement.GetProperty("import_job_id").GetString());
        Assert.DoesNotContain(patientId, body, StringComparison.Ordinal);
        Assert.DoesNotContain(key, body, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task GetStudy_WhenTheIdIsUnknownOrMalformed_ShouldAnswer404Or400()
    {
        var (unknown, _) = await GetAsync("STUDY-000000000000");
        var (malformed, _) = await GetAsync("not-a-study");

        Assert.Equal(HttpStatusCode.NotFound, unknown);
        Assert.Equal(HttpStatusCode.BadRequest, malformed);
    }

    private async Task<(HttpStatusCode Status, string Body)> GetAsync(string studyId)
    {
        using var http = new HttpClient();
        using var response = await http.GetAsync(new Uri(_sandbox.Host.ApiBaseUrl + "/studies/" + studyId));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}

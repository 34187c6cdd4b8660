using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using StrokeIngestion.Sandbox.Dicom;

namespace StrokeIngestion.EndToEnd.Tests.Sandbox;

/// <summary>
/// Issue 12 as a new user met it, through the sandbox's real HTTP path: two patients in one
/// study with the override, a Windows-1252 body, a description outside the BMP, a PatientID
/// with DICOM padding. Each is refused with its code and leaves nothing behind, or is ingested
/// with its text intact.
/// </summary>
[Collection(SharedSandbox.Name)]
public sealed class SandboxClinicalInputTests
{
    private static readonly JsonSerializerOptions RawText = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly SandboxFixture _sandbox;

    public SandboxClinicalInputTests(SandboxFixture sandbox) => _sandbox = sandbox;

    [SkippableFact]
    public async Task PostUpload_WhenOneStudyHoldsTwoPatientsAndTheOverrideIsSet_ShouldAnswer422MultiplePatientsAndRecordNothing()
    {
        // Arrange: the folder: one StudyInstanceUID, two DICOM PatientIDs.
        var first = SandboxFixture.NewStudy("CT", "CT-PATIENT-0401", series: 1, slicesPerSeries: 2);
        var second = SyntheticDicom.Create(new SyntheticDicomParameters
        {
            PatientId = "CT-PATIENT-0402",
            StudyInstanceUid = first.StudyInstanceUid,
            SeriesInstanceUid = SyntheticDicom.NewUid(),
            SopInstanceUid = SyntheticDicom.NewUid(),
        });
        var folder = SandboxFixture.NewFolder("two-patients");
        _sandbox.RecordPhi("CT-PATIENT-0401", "CT-PATIENT-0402", folder);
        await _sandbox.PutFolderAsync(folder, [first.Files[0], second, first.Files[1]]);
        var before = await _sandbox.SideEffectsAsync();

        // Act
        var answer = await PostAsync(Body("CT-PATIENT-0401", folder, acceptMismatch: true));

        // Assert
        Assert.Equal((HttpStatusCode)422, answer.Status);
        Assert.Equal("multiple_patients", Code(answer));
        Assert.DoesNotContain("CT-PATIENT-040", answer.Text, StringComparison.Ordinal);
        Assert.Equal(before, await _sandbox.SideEffectsAsync());
    }

    [SkippableTheory]
    [InlineData("application/json; charset=windows-1252", HttpStatusCode.UnsupportedMediaType, "unsupported_charset")]
    [InlineData("application/json", HttpStatusCode.BadRequest, "invalid_encoding")]
    public async Task PostUpload_WhenTheBodyIsWindows1252_ShouldRefuseItAndRecordNothing(string contentType, HttpStatusCode status, string code)
    {
        // Arrange: a valid upload whose description is written in Windows-1252 (é = E9, € = 80).
        var key = await PutCtAsync("CT-PATIENT-0403", "cp1252");
        var cp1252 = CodePagesEncodingProvider.Instance.GetEncoding(1252) ?? throw new InvalidOperationException("Windows-1252 is not available.");
        var body = cp1252.GetBytes(Encoding.UTF8.GetString(Body("CT-PATIENT-0403", key, description: "Hémorragie aiguë €")));
        var before = await _sandbox.SideEffectsAsync();

        // Act
        var answer = await PostAsync(body, contentType);

        // Assert
        Assert.Equal(status, answer.Status);
        Assert.Equal(code, Code(answer));
        Assert.Equal(before, await _sandbox.SideEffectsAsync());
    }

    [SkippableFact]
    public async Task PostUpload_WhenTheDescriptionIs256CharactersOutsideTheBmp_ShouldIngestItExactly()
    {
        // Arrange: 256 code points, 512 UTF-16 units, 1,024 bytes of UTF-8.
        var description = "Hémorragie " + string.Concat(Enumerable.Repeat("🧠", 245));
        var key = await PutCtAsync("CT-PATIENT-0404", "astral");

        // Act
        var answer = await PostAsync(Body("CT-PATIENT-0404", key, description: description));

        // Assert
        Assert.True(answer.Status == HttpStatusCode.Accepted, answer.Text);
        var study = await _sandbox.GetStudyAsync(answer.Body.GetProperty("study_id").GetString() ?? string.Empty);
        Assert.NotNull(study);
        Assert.Equal(description, SandboxFixture.Text(study, "study_description"));
    }

    [SkippableTheory]
    [InlineData(" CT-PATIENT-0405")]
    [InlineData("CT-PATIENT-0405\0")]
    [InlineData("  CT-PATIENT-0405 \0")]
    public async Task PostUpload_WhenTheDicomPatientIdIsPadded_ShouldMatchWithoutOverrideAndReachReady(string padded)
    {
        // Arrange
        var file = SyntheticDicom.Create(SyntheticDicom.NewParameters(patientId: padded));
        var key = SandboxFixture.NewFolder("padded") + "head.dcm";
        _sandbox.RecordPhi("CT-PATIENT-0405", key);
        await _sandbox.PutObjectAsync(key, file);

        // Act
        var answer = await PostAsync(Body("CT-PATIENT-0405", key));

        // Assert
        Assert.True(answer.Status == HttpStatusCode.Accepted, answer.Text);
        var study = await _sandbox.WaitForTerminalStudyAsync(answer.Body.GetProperty("study_id").GetString() ?? string.Empty);
        Assert.Equal("READY_FOR_ANALYSIS", SandboxFixture.Text(study, "status"));
        Assert.False(study["patient_id_mismatch_accepted"].BOOL);
    }

    private async Task<string> PutCtAsync(string patientId, string name)
    {
        var key = SandboxFixture.NewFolder(name) + "head.dcm";
        _sandbox.RecordPhi(patientId, key);
        await _sandbox.PutObjectAsync(key, SandboxFixture.NewStudy("CT", patientId).Files[0]);
        return key;
    }

    private static byte[] Body(string patientId, string fileKey, bool acceptMismatch = false, string description = "Brain CT - Suspected Stroke")
    {
        var fields = new Dictionary<string, object>
        {
            ["patient_id"] = patientId,
            ["study_description"] = description,
            ["file_key"] = fileKey,
        };
        if (acceptMismatch)
        {
            fields["accept_patient_id_mismatch"] = true;
        }

        // Accents as raw UTF-8, as curl sends them (the default encoder would escape them all);
        // characters outside the BMP still go as \u escapes, which decode to the same text.
        return JsonSerializer.SerializeToUtf8Bytes(fields, RawText);
    }

    private async Task<ApiAnswer> PostAsync(byte[] body, string contentType = "application/json")
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_sandbox.Host.ApiBaseUrl + "/upload")) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        using var json = JsonDocument.Parse(text);
        return new ApiAnswer(response.StatusCode, json.RootElement.Clone(), text);
    }

    private static string? Code(ApiAnswer answer) => answer.Body.GetProperty("error").GetProperty("code").GetString();
}

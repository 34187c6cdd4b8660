using System.Net;
using System.Text;

namespace StrokeIngestion.EndToEnd.Tests.Sandbox;

/// <summary>
/// Refused uploads through the real HTTP path: the status, the error envelope a client
/// codes against, and no trace in the pipeline (no study, no import job, no execution).
/// </summary>
[Collection(SharedSandbox.Name)]
public sealed class SandboxValidationTests
{
    private readonly SandboxFixture _sandbox;

    public SandboxValidationTests(SandboxFixture sandbox) => _sandbox = sandbox;

    [SkippableFact]
    public async Task PostUpload_WhenTheBodyIsNotSentAsJson_ShouldAnswer415AndRecordNothing()
    {
        // Arrange
        var key = await PutCtAsync("CT-PATIENT-0201", "wrong-content-type");
        var before = await _sandbox.SideEffectsAsync();

        // Act
        var answer = await _sandbox.PostUploadAsync("CT-PATIENT-0201", key, contentType: "text/plain");

        // Assert
        await AssertRefusedAsync(answer, HttpStatusCode.UnsupportedMediaType, "unsupported_media_type", field: null, before, "CT-PATIENT-0201", key);
    }

    [SkippableFact]
    public async Task PostUpload_WhenTheObjectDoesNotExist_ShouldAnswer404AndRecordNothing()
    {
        // Arrange
        var key = SandboxFixture.NewFolder("missing") + "never_uploaded.dcm";
        _sandbox.RecordPhi("CT-PATIENT-0202", key);
        var before = await _sandbox.SideEffectsAsync();

        // Act
        var answer = await _sandbox.PostUploadAsync("CT-PATIENT-0202", key);

        // Assert
        await AssertRefusedAsync(answer, HttpStatusCode.NotFound, "object_not_found", "file_key", before, "CT-PATIENT-0202", key);
    }

    [SkippableFact]
    public async Task PostUpload_WhenTheObjectIsNotDicom_ShouldAnswer422NotDicomAndRecordNothing()
    {
        // Arrange
        var key = SandboxFixture.NewFolder("not-dicom") + "report.pdf";
        _sandbox.RecordPhi("CT-PATIENT-0203", key);
        await _sandbox.PutObjectAsync(key, Encoding.ASCII.GetBytes("%PDF-1.7 a scanned referral letter, not an image" + new string(' ', 200)));
        var before = await _sandbox.SideEffectsAsync();

        // Act
        var answer = await _sandbox.PostUploadAsync("CT-PATIENT-0203", key);

        // Assert
        await AssertRefusedAsync(answer, (HttpStatusCode)422, "not_dicom", "file_key", before, "CT-PATIENT-0203", key);
    }

    [SkippableFact]
    public async Task PostUpload_WhenTheFilesPatientIdDiffersFromTheRequest_ShouldAnswer422MismatchAndRecordNothing()
    {
        // Arrange
        var key = await PutCtAsync("CT-PATIENT-0204", "patient-mismatch");
        _sandbox.RecordPhi("CT-PATIENT-0299");
        var before = await _sandbox.SideEffectsAsync();

        // Act
        var answer = await _sandbox.PostUploadAsync("CT-PATIENT-0299", key);

        // Assert
        await AssertRefusedAsync(answer, (HttpStatusCode)422, "patient_id_mismatch", "patient_id", before, "CT-PATIENT-0299", key);
        Assert.DoesNotContain("CT-PATIENT-0204", answer.Text, StringComparison.Ordinal);
    }

    private async Task<string> PutCtAsync(string patientId, string name)
    {
        var study = SandboxFixture.NewStudy("CT", patientId);
        var key = SandboxFixture.NewFolder(name) + "head.dcm";
        _sandbox.RecordPhi(patientId, key);
        await _sandbox.PutObjectAsync(key, study.Files[0]);
        return key;
    }

    private async Task AssertRefusedAsync(ApiAnswer answer, HttpStatusCode status, string code, string? field, SideEffects before, string patientId, string key)
    {
        Assert.Equal(status, answer.Status);
        var error = answer.Body.GetProperty("error");
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        Assert.Equal(field, error.GetProperty("field").GetString());
        Assert.False(answer.Body.TryGetProperty("study_id", out _));

        // Error messages are PHI-free: neither the patient id nor the file name comes back.
        Assert.DoesNotContain(patientId, answer.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(key, answer.Text, StringComparison.Ordinal);
        Assert.Equal(before, await _sandbox.SideEffectsAsync());
    }
}

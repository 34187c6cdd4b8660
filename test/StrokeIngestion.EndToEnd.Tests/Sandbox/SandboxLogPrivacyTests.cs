using System.Net;
using System.Text;

namespace StrokeIngestion.EndToEnd.Tests.Sandbox;

/// <summary>
/// Patient identifiers are PHI: after real runs (accepted, refused, failed), what both
/// functions logged (the sandbox's stand-in for CloudWatch Logs) and the events they
/// published hold none of the patient ids, names or upload file names the tests used.
/// </summary>
[Collection(SharedSandbox.Name)]
public sealed class SandboxLogPrivacyTests
{
    private const string PatientId = "PHI-PATIENT-7781";
    private const string OtherPatientId = "PHI-PATIENT-7782";
    private const string PatientName = "SMITH^JOHN";
    private const string FileKey = "uploads/smith_john_brain.dcm";
    private const string DamagedKey = "uploads/smith_john_damaged.dcm";

    private readonly SandboxFixture _sandbox;

    public SandboxLogPrivacyTests(SandboxFixture sandbox) => _sandbox = sandbox;

    [SkippableFact]
    public async Task LambdaLog_AfterUploadsOfDistinctivePatientData_ShouldHoldNoneOfIt()
    {
        // Arrange
        var host = _sandbox.Host;
        _sandbox.RecordPhi(PatientId, OtherPatientId, PatientName, FileKey, DamagedKey, "smith_john");
        var study = SandboxFixture.NewStudy("CT", PatientId, patientName: PatientName);
        await _sandbox.PutObjectAsync(FileKey, study.Files[0]);
        await _sandbox.PutObjectAsync(DamagedKey, SandboxFixture.NewStudy("CT", PatientId, patientName: PatientName).Files[0][..^1024]);

        // Act: one study that reaches READY, one refused for a patient mismatch, one that fails in the import.
        var readyId = await _sandbox.PostAcceptedAsync(PatientId, FileKey);
        var refused = await _sandbox.PostUploadAsync(OtherPatientId, FileKey);
        var failedId = await _sandbox.PostAcceptedAsync(PatientId, DamagedKey);
        var ready = await _sandbox.WaitForTerminalStudyAsync(readyId);
        var failed = await _sandbox.WaitForTerminalStudyAsync(failedId);
        await _sandbox.WaitForExecutionAsync(SandboxFixture.Text(ready, "execution_arn"));
        await _sandbox.WaitForExecutionAsync(SandboxFixture.Text(failed, "execution_arn"));
        var lambdaLog = await ReadSharedAsync(host.LambdaLogPath);
        var eventLog = await ReadSharedAsync(host.EventLogPath);

        // Assert
        Assert.Equal("READY_FOR_ANALYSIS", SandboxFixture.Text(ready, "status"));
        Assert.Equal((HttpStatusCode)422, refused.Status);
        Assert.Equal("IMPORT_FAILED", SandboxFixture.Text(failed, "status"));

        // The logs are the right ones and they do record these requests, by study id.
        Assert.Contains(readyId, lambdaLog, StringComparison.Ordinal);
        Assert.Contains(failedId, lambdaLog, StringComparison.Ordinal);
        Assert.Contains("patient_id_mismatch", lambdaLog, StringComparison.Ordinal);
        Assert.Contains(readyId, eventLog, StringComparison.Ordinal);

        var phi = _sandbox.PhiUsed;
        Assert.Contains(PatientId, phi);
        Assert.All(phi, value => Assert.DoesNotContain(value, lambdaLog, StringComparison.OrdinalIgnoreCase));
        Assert.All(phi, value => Assert.DoesNotContain(value, eventLog, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Reads a file the sandbox still has open for writing.</summary>
    private static async Task<string> ReadSharedAsync(string path)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return await reader.ReadToEndAsync();
    }
}

using System.Diagnostics;
using StrokeIngestion.Core.Dicom;
using StrokeIngestion.Sandbox.Dicom;
using StrokeIngestion.Sandbox.HealthImaging;
using StrokeIngestion.Testing;
using Part10 = StrokeIngestion.Sandbox.Dicom.SyntheticDicom;

namespace StrokeIngestion.EndToEnd.Tests.HealthImaging;

/// <summary>
/// The sandbox's import-side file check: it must accept every whole image the upload accepts
/// and reject a file that is damaged after the header the upload reads, as HealthImaging does
/// when it decodes the instance.
/// </summary>
public sealed class DicomHeaderInspectorTests
{
    private const string PydicomTestFiles = "/usr/lib/python3/dist-packages/pydicom/data/test_files";

    private readonly DicomHeaderInspector _inspector = new();

    [Theory]
    [InlineData("ExplicitLittle", "None")]
    [InlineData("ExplicitLittle", "UndefinedLength")]
    [InlineData("ImplicitLittle", "UndefinedLength")]
    [InlineData("ExplicitBig", "DefinedLength")]
    [InlineData("ExplicitBig", "UndefinedLength")]
    [InlineData("DeflatedExplicitLittle", "UndefinedLength")]
    public void Inspect_WhenTheImageIsWhole_ShouldAcceptItWithItsIdentifiers(string syntaxName, string decoyName)
    {
        // Arrange
        var syntax = Enum.Parse<SyntheticTransferSyntax>(syntaxName);
        var decoy = Enum.Parse<DecoySequence>(decoyName);
        var parameters = Part10.NewParameters("MR", syntax, "SYN-4711") with { Decoy = decoy };

        // Act
        var check = _inspector.Inspect(Part10.Create(parameters));

        // Assert
        Assert.Null(check.Failure);
        Assert.Equal(
            new DicomInstanceIdentity("SYN-4711", parameters.StudyInstanceUid, parameters.SeriesInstanceUid, parameters.SopInstanceUid, Part10.TransferSyntaxUid(syntax)),
            check.Instance);
    }

    [Theory]
    [InlineData("ExplicitLittle")]
    [InlineData("ImplicitLittle")]
    [InlineData("ExplicitBig")]
    public void Inspect_WhenPixelDataIsCutShort_ShouldRejectTheFileThatTheUploadReaderAccepts(string syntaxName)
    {
        // Arrange
        var syntax = Enum.Parse<SyntheticTransferSyntax>(syntaxName);
        var whole = Part10.Create(Part10.NewParameters("CT", syntax));
        var truncated = whole[..^1000];

        // Act
        var uploadView = DicomHeaderReader.Read(truncated, isWholeObject: true);
        var check = _inspector.Inspect(truncated);

        // Assert
        Assert.Equal(DicomReadStatus.Ok, uploadView.Status);
        Assert.Null(check.Instance);
        Assert.Equal(new DicomImportFailure("ValidationException", "The DICOM data set is damaged (truncated)."), check.Failure);
    }

    [Fact]
    public void Inspect_WhenAnUndefinedLengthSequenceAfterThePixelDataNeverCloses_ShouldReject()
    {
        // Arrange: (FFFA,FFFA) SQ of undefined length with one open item and no delimiters.
        byte[] openSequence = [0xFA, 0xFF, 0xFA, 0xFF, (byte)'S', (byte)'Q', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF];
        var file = (byte[])[.. Part10.Create(Part10.NewParameters()), .. openSequence];

        // Act
        var check = _inspector.Inspect(file);

        // Assert
        Assert.Equal("The DICOM data set is damaged (unterminated_sequence).", check.Failure?.Message);
    }

    [SkippableFact]
    public async Task FindDamage_WhenGivenPydicomsTestFiles_ShouldAgreeWithDcmdump()
    {
        // Arrange
        var dcmdump = ExternalTool.Require("dcmdump", "apt-get install dcmtk");
        var files = ExternalTool.Require(Path.Combine(PydicomTestFiles, "CT_small.dcm"), "apt-get install python3-pydicom");
        var disagreements = new List<string>();
        var compared = 0;

        // Act
        foreach (var path in Directory.GetFiles(Path.GetDirectoryName(files) ?? PydicomTestFiles, "*.dcm").Order(StringComparer.Ordinal))
        {
            var bytes = await File.ReadAllBytesAsync(path);
            if (DicomHeaderReader.Read(bytes, isWholeObject: true) is not { Status: DicomReadStatus.Ok, Header: { } header })
            {
                continue;
            }

            compared++;
            var damage = DicomStructureCheck.FindDamage(bytes, header.TransferSyntaxUid);
            var dcmdumpReadsIt = await ReadsCleanlyAsync(dcmdump, path);
            if ((damage is null) != dcmdumpReadsIt)
            {
                disagreements.Add($"{Path.GetFileName(path)}: ours={damage ?? "whole"} dcmdump={(dcmdumpReadsIt ? "whole" : "error")}");
            }
        }

        // Assert
        Assert.True(compared >= 40, $"only {compared} files had a readable header");
        Assert.Empty(disagreements);
    }

    private static async Task<bool> ReadsCleanlyAsync(string dcmdump, string path)
    {
        var start = new ProcessStartInfo(dcmdump) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "-q", path })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("dcmdump did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        await Task.WhenAll(output, errors);
        return process.ExitCode == 0;
    }
}

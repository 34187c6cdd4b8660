using System.Text.RegularExpressions;
using StrokeIngestion.Core.Dicom;
using StrokeIngestion.Sandbox.Dicom;

namespace StrokeIngestion.Core.Tests.Dicom;

public sealed partial class SyntheticDicomTests
{
    // Enum names, not values: the enums are internal and test methods must be public.
    public static TheoryData<string, string, string> Variants()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var syntax in Enum.GetValues<SyntheticTransferSyntax>())
        {
            foreach (var modality in new[] { "CT", "MR" })
            {
                foreach (var decoy in Enum.GetValues<DecoySequence>())
                {
                    data.Add(syntax.ToString(), modality, decoy.ToString());
                }
            }
        }

        return data;
    }

    [SkippableTheory]
    [MemberData(nameof(Variants))]
    public async Task Create_WhenReadByDcmdumpAndTheHeaderReader_ShouldBeCleanAndCarryTheValues(string syntaxName, string modality, string decoyName)
    {
        // Arrange
        var dcmdump = DcmDump.Require();
        var syntax = Enum.Parse<SyntheticTransferSyntax>(syntaxName);
        var parameters = SyntheticDicom.NewParameters(modality, syntax) with { Decoy = Enum.Parse<DecoySequence>(decoyName), PrivateBlobLength = 301 };
        var path = Path.Combine(Path.GetTempPath(), $"synthetic-{Guid.NewGuid():N}.dcm");
        await File.WriteAllBytesAsync(path, SyntheticDicom.Create(parameters));

        try
        {
            // Act
            var dump = await DcmDump.RunAsync(dcmdump, path, quiet: false);

            // Assert
            Assert.Equal(0, dump.ExitCode);
            Assert.Empty(dump.Diagnostics);
            Assert.Equal(SyntheticDicom.TransferSyntaxUid(syntax), dump.Value("TransferSyntaxUID"));
            Assert.Equal(SyntheticDicom.SopClassUid(modality), dump.Value("SOPClassUID"));
            Assert.Equal(SyntheticDicom.SopClassUid(modality), dump.Value("MediaStorageSOPClassUID"));
            Assert.Equal(parameters.SopInstanceUid, dump.Value("SOPInstanceUID"));
            Assert.Equal(parameters.SopInstanceUid, dump.Value("MediaStorageSOPInstanceUID"));
            Assert.Equal(modality, dump.Value("Modality"));
            Assert.Equal(parameters.PatientId, dump.Value("PatientID"));
            Assert.Equal(parameters.StudyInstanceUid, dump.Value("StudyInstanceUID"));
            Assert.Equal(parameters.SeriesInstanceUid, dump.Value("SeriesInstanceUID"));
            var ours = DicomHeaderReader.Read(await File.ReadAllBytesAsync(path), isWholeObject: true);
            Assert.Equal(
                new DicomHeader(
                    dump.Value("TransferSyntaxUID") ?? string.Empty,
                    dump.Value("SOPClassUID"),
                    dump.Value("SOPInstanceUID"),
                    dump.Value("Modality"),
                    dump.Value("PatientID"),
                    dump.Value("StudyInstanceUID"),
                    dump.Value("SeriesInstanceUID"),
                    dump.Value("PatientName"),
                    dump.Value("IssuerOfPatientID"),
                    dump.Value("PatientBirthDate"),
                    dump.Value("PatientSex")),
                ours.Header);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Create_WhenPixelDataIsLaidOut_ShouldEndWithRowsTimesColumnsSixteenBitPixels()
    {
        // Arrange
        var parameters = SyntheticDicom.NewParameters() with { Rows = 32, Columns = 48 };

        // Act
        var file = SyntheticDicom.Create(parameters);

        // Assert: the last element is (7FE0,0010) OW with 32*48*2 bytes, and the phantom is not blank.
        var pixelBytes = 32 * 48 * 2;
        var header = file.AsSpan(file.Length - pixelBytes - 12, 12);
        Assert.Equal(new byte[] { 0xE0, 0x7F, 0x10, 0x00, (byte)'O', (byte)'W', 0, 0 }, header[..8].ToArray());
        Assert.Equal(pixelBytes, BitConverter.ToInt32(header[8..]));
        Assert.True(file.AsSpan(file.Length - pixelBytes).IndexOfAnyExcept((byte)0) >= 0);
    }

    [Fact]
    public void NewUid_WhenCalledTwice_ShouldMintDistinctValidUuidDerivedUids()
    {
        // Act
        var first = SyntheticDicom.NewUid();
        var second = SyntheticDicom.NewUid();

        // Assert
        Assert.NotEqual(first, second);
        Assert.Matches(UuidUid(), first);
        Assert.Matches(UuidUid(), second);
        Assert.InRange(first.Length, 6, 64);
    }

    [Fact]
    public void Create_WhenModalityIsNeitherCtNorMr_ShouldWriteSecondaryCaptureWithThatModality()
    {
        // Arrange
        var parameters = SyntheticDicom.NewParameters() with { Modality = "US" };

        // Act
        var result = DicomHeaderReader.Read(SyntheticDicom.Create(parameters), isWholeObject: true);

        // Assert
        Assert.Equal("US", result.Header?.Modality);
        Assert.Equal(SyntheticDicom.SecondaryCaptureImageStorage, result.Header?.SopClassUid);
    }

    [GeneratedRegex(@"^2\.25\.(0|[1-9][0-9]{0,38})$")]
    private static partial Regex UuidUid();
}

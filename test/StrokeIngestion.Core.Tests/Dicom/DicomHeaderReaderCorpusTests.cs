using StrokeIngestion.Core.Dicom;
using StrokeIngestion.Testing;
using Xunit.Abstractions;

namespace StrokeIngestion.Core.Tests.Dicom;

/// <summary>
/// The reader against DCMTK on every file pydicom ships for its own tests: real files from many
/// writers, in every encoding, some damaged on purpose.
/// </summary>
public sealed class DicomHeaderReaderCorpusTests(ITestOutputHelper output)
{
    private const string CorpusDirectory = "/usr/lib/python3/dist-packages/pydicom/data/test_files";
    private const int ProgressiveFirstRead = 4096;

    [SkippableFact]
    public async Task Read_WhenGivenEachPydicomTestFile_ShouldAgreeWithDcmdump()
    {
        // Arrange
        var dcmdump = DcmDump.Require();
        RequireCorpus();
        var files = Directory.GetFiles(CorpusDirectory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        var failures = new List<string>();
        var compared = 0;
        var rejected = 0;
        var withoutPreamble = 0;
        var withoutSyntax = 0;

        foreach (var path in files)
        {
            var name = Path.GetRelativePath(CorpusDirectory, path);
            var bytes = await File.ReadAllBytesAsync(path);
            var dump = await DcmDump.RunAsync(dcmdump, path, quiet: true);

            // Act: the whole file, and a 4 KiB prefix followed by what the reader asks for.
            var whole = DicomHeaderReader.Read(bytes, isWholeObject: true);
            var (progressive, rounds) = ProgressiveRead.Run(bytes, ProgressiveFirstRead);

            // Assert
            if (dump.ExitCode != 0)
            {
                rejected++;
                output.WriteLine($"dcmdump rejects {name}: reader says {Describe(whole)} (whole), {Describe(progressive)} (progressive)");
                continue;
            }

            if (bytes.Length < 132 || !bytes.AsSpan(128, 4).SequenceEqual("DICM"u8))
            {
                // dcmdump also reads raw data sets; the product takes Part 10 files only.
                withoutPreamble++;
                output.WriteLine($"no Part 10 preamble: {name}: reader says {Describe(whole)}");
                Expect(failures, name, "whole", whole, DicomReadStatus.NotDicom, DicomProblems.MissingDicmPrefix, DicomProblems.TooShort);
                Expect(failures, name, "progressive", progressive, DicomReadStatus.NotDicom, DicomProblems.MissingDicmPrefix, DicomProblems.TooShort);
                continue;
            }

            if (!dump.Has("TransferSyntaxUID"))
            {
                // dcmdump guesses the encoding; the product needs the declared one.
                withoutSyntax++;
                output.WriteLine($"no transfer syntax in the meta group: {name}: reader says {Describe(whole)}");
                Expect(failures, name, "whole", whole, DicomReadStatus.Malformed, DicomProblems.MissingTransferSyntax);
                Expect(failures, name, "progressive", progressive, DicomReadStatus.Malformed, DicomProblems.MissingTransferSyntax);
                continue;
            }

            var expected = new DicomHeader(
                dump.Value("TransferSyntaxUID") ?? string.Empty,
                dump.Value("SOPClassUID") ?? dump.Value("MediaStorageSOPClassUID"),
                dump.Value("SOPInstanceUID") ?? dump.Value("MediaStorageSOPInstanceUID"),
                dump.Value("Modality"),
                dump.Value("PatientID"),
                dump.Value("StudyInstanceUID"),
                dump.Value("SeriesInstanceUID"),
                dump.Value("PatientName"),
                dump.Value("IssuerOfPatientID"),
                dump.Value("PatientBirthDate"),
                dump.Value("PatientSex"));
            compared++;
            Compare(failures, name, "whole", expected, whole);
            Compare(failures, name, $"progressive ({rounds} more reads)", expected, progressive);
        }

        output.WriteLine(
            $"{files.Count} files: {compared} compared with dcmdump ({compared * 11} values, each read whole and progressively), " +
            $"{rejected} rejected by dcmdump, {withoutPreamble} read by dcmdump without a Part 10 preamble, " +
            $"{withoutSyntax} without a transfer syntax; {failures.Count} disagreements");
        Assert.Empty(failures);
        Assert.True(compared >= 100, $"only {compared} files compared");
    }

    [SkippableFact]
    public async Task RunAsync_WhenAFileDrawsWarnings_ShouldCollectThem()
    {
        // Arrange: a file with odd lengths and reserved group 0001 tags, which dcmdump warns about.
        var dcmdump = DcmDump.Require();
        RequireCorpus();

        // Act
        var dump = await DcmDump.RunAsync(dcmdump, Path.Combine(CorpusDirectory, "nested_priv_SQ.dcm"), quiet: false);

        // Assert: the clean-output check on synthetic files can fail.
        Assert.Equal(0, dump.ExitCode);
        Assert.NotEmpty(dump.Diagnostics);
    }

    private static void RequireCorpus() =>
        ExternalTool.Require(Path.Combine(CorpusDirectory, "CT_small.dcm"), "apt-get install python3-pydicom");

    private static void Compare(List<string> failures, string name, string how, DicomHeader expected, DicomReadResult actual)
    {
        if (actual.Status != DicomReadStatus.Ok || actual.Header != expected)
        {
            failures.Add($"{name} {how}: expected {expected}, got {Describe(actual)} {actual.Header}");
        }
    }

    private static void Expect(List<string> failures, string name, string how, DicomReadResult actual, DicomReadStatus status, params string[] problems)
    {
        if (actual.Status != status || !problems.Contains(actual.Problem))
        {
            failures.Add($"{name} {how}: expected {status} ({string.Join(" or ", problems)}), got {Describe(actual)}");
        }
    }

    private static string Describe(DicomReadResult result) =>
        result.Problem is null ? result.Status.ToString() : $"{result.Status} {result.Problem}";
}

using System.Text;
using StrokeIngestion.Core.Dicom;
using StrokeIngestion.Sandbox.Dicom;
using static StrokeIngestion.Core.Tests.Dicom.RawDicom;

namespace StrokeIngestion.Core.Tests.Dicom;

public sealed class DicomHeaderReaderTests
{
    private const uint PatientIdTag = 0x0010_0020;

    // Enum names, not values: the generator's enums are internal and test methods must be public.
    public static TheoryData<string, string, string> Variants()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var syntax in Enum.GetNames<SyntheticTransferSyntax>())
        {
            foreach (var modality in new[] { "CT", "MR" })
            {
                foreach (var decoy in Enum.GetNames<DecoySequence>())
                {
                    data.Add(syntax, modality, decoy);
                }
            }
        }

        return data;
    }

    public static TheoryData<string> Syntaxes() => new(Enum.GetNames<SyntheticTransferSyntax>());

    [Theory]
    [MemberData(nameof(Variants))]
    public void Read_WhenFileIsInAnySupportedEncoding_ShouldReturnTheTopLevelValues(string syntaxName, string modality, string decoyName)
    {
        // Arrange
        var parameters = Parameters(syntaxName, modality) with { Decoy = Enum.Parse<DecoySequence>(decoyName) };

        // Act
        var result = DicomHeaderReader.Read(SyntheticDicom.Create(parameters), isWholeObject: true);

        // Assert
        Assert.Equal(DicomReadStatus.Ok, result.Status);
        Assert.Equal(Expected(parameters), result.Header);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Read_WhenPatientIdExistsOnlyInsideASequence_ShouldReturnNoPatientId(bool undefinedLength)
    {
        // Arrange
        var nested = Explicit(PatientIdTag, "LO", Text("NESTED"));
        var content = Item(nested, undefinedLength);
        var sequence = undefinedLength
            ? Concat(Explicit(0x0008_1115, "SQ", [], Undefined), content, SequenceDelimiter)
            : Explicit(0x0008_1115, "SQ", content);
        var file = Part10(ExplicitLittle, Concat(sequence, Explicit(0x0020_000D, "UI", Uid("1.2.3"))));

        // Act
        var result = DicomHeaderReader.Read(file, isWholeObject: true);

        // Assert
        Assert.Equal(DicomReadStatus.Ok, result.Status);
        Assert.Null(result.Header?.PatientId);
        Assert.Equal("1.2.3", result.Header?.StudyInstanceUid);
    }

    // Not the deflated syntax: its data set compresses to well under the first read.
    [Theory]
    [InlineData(nameof(SyntheticTransferSyntax.ExplicitLittle))]
    [InlineData(nameof(SyntheticTransferSyntax.ImplicitLittle))]
    [InlineData(nameof(SyntheticTransferSyntax.ExplicitBig))]
    public void Read_WhenHeaderIsLongerThanTheFirstRead_ShouldAskForEnoughBytesAndThenSucceed(string syntaxName)
    {
        // Arrange: a 100 kB private element before the patient module.
        var parameters = Parameters(syntaxName, "CT") with { PrivateBlobLength = 100_000 };
        var file = SyntheticDicom.Create(parameters);

        // Act
        var first = DicomHeaderReader.Read(file.AsSpan(0, DicomHeaderReader.InitialReadLength), isWholeObject: false);
        var (final, rounds) = ProgressiveRead.Run(file, DicomHeaderReader.InitialReadLength);

        // Assert
        Assert.Equal(DicomReadStatus.NeedMoreData, first.Status);
        Assert.True(first.BytesNeeded > DicomHeaderReader.InitialReadLength);
        Assert.Equal(DicomReadStatus.Ok, final.Status);
        Assert.Equal(Expected(parameters), final.Header);
        Assert.Equal(1, rounds);
    }

    [Fact]
    public void Read_WhenTheNextElementsLengthIsKnown_ShouldAskForEnoughToGetPastIt()
    {
        // Arrange: 100 kB of private data, then 900 kB of pixel data.
        var parameters = Parameters(nameof(SyntheticTransferSyntax.ExplicitLittle), "CT") with { PrivateBlobLength = 100_000, Rows = 600, Columns = 750 };
        var file = SyntheticDicom.Create(parameters);

        // Act
        var result = DicomHeaderReader.Read(file.AsSpan(0, DicomHeaderReader.InitialReadLength), isWholeObject: false);
        var next = Math.Min(result.BytesNeeded, file.Length);
        var second = DicomHeaderReader.Read(file.AsSpan(0, next), isWholeObject: next == file.Length);

        // Assert: one more read covers the blob and the patient module after it.
        Assert.InRange(result.BytesNeeded, 100_000, 200_000);
        Assert.True(next < file.Length);
        Assert.Equal(DicomReadStatus.Ok, second.Status);
    }

    [Fact]
    public void Read_WhenPrefixEndsRightAfterSeriesInstanceUid_ShouldNotNeedTheRest()
    {
        // Arrange
        var parameters = Parameters(nameof(SyntheticTransferSyntax.ExplicitLittle), "MR");
        var file = SyntheticDicom.Create(parameters);
        var series = Uid(parameters.SeriesInstanceUid);
        var end = file.AsSpan().IndexOf(series) + series.Length;

        // Act
        var result = DicomHeaderReader.Read(file.AsSpan(0, end), isWholeObject: false);

        // Assert
        Assert.Equal(DicomReadStatus.Ok, result.Status);
        Assert.Equal(Expected(parameters), result.Header);
    }

    [Fact]
    public void Read_WhenPixelDataFollowsWithoutASeriesUid_ShouldStopBeforeReadingIt()
    {
        // Arrange: a 1 MiB pixel data element of which only the header is present.
        var dataset = Concat(
            Explicit(PatientIdTag, "LO", Text("P1")),
            Explicit(0x7FE0_0010, "OW", [], length: 1 << 20));
        var file = Part10(ExplicitLittle, dataset);

        // Act
        var result = DicomHeaderReader.Read(file, isWholeObject: false);

        // Assert
        Assert.Equal(DicomReadStatus.Ok, result.Status);
        Assert.Equal("P1", result.Header?.PatientId);
        Assert.Null(result.Header?.SeriesInstanceUid);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Read_WhenThereIsNoDicmPrefix_ShouldReturnNotDicom(bool isWholeObject)
    {
        // Arrange
        var file = SyntheticDicom.Create(Parameters(nameof(SyntheticTransferSyntax.ExplicitLittle), "CT"));
        file[128] = (byte)'X';

        // Act
        var result = DicomHeaderReader.Read(file, isWholeObject);

        // Assert
        Assert.Equal(DicomReadStatus.NotDicom, result.Status);
        Assert.Equal(DicomProblems.MissingDicmPrefix, result.Problem);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(131)]
    public void Read_WhenWholeObjectIsShorterThanThePreambleAndPrefix_ShouldReturnNotDicom(int length)
    {
        // Act
        var result = DicomHeaderReader.Read(new byte[length], isWholeObject: true);

        // Assert
        Assert.Equal(DicomReadStatus.NotDicom, result.Status);
        Assert.Equal(DicomProblems.TooShort, result.Problem);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(131)]
    public void Read_WhenPartialPrefixIsShorterThanThePreambleAndPrefix_ShouldAskForMore(int length)
    {
        // Act
        var result = DicomHeaderReader.Read(new byte[length], isWholeObject: false);

        // Assert
        Assert.Equal(DicomReadStatus.NeedMoreData, result.Status);
        Assert.True(result.BytesNeeded >= 132);
    }

    [Theory]
    [MemberData(nameof(Syntaxes))]
    public void Read_WhenFileIsCutAtAnyOffset_ShouldNeverThrowNorReturnWrongValues(string syntaxName)
    {
        // Arrange
        var parameters = Parameters(syntaxName, "CT") with { Decoy = DecoySequence.UndefinedLength };
        var file = SyntheticDicom.Create(parameters);
        var expected = Expected(parameters);
        var partialOk = 0;

        for (var cut = 0; cut <= file.Length; cut++)
        {
            // Act
            var whole = DicomHeaderReader.Read(file.AsSpan(0, cut), isWholeObject: true);
            var partial = DicomHeaderReader.Read(file.AsSpan(0, cut), isWholeObject: false);

            // Assert: a cut object may be Ok only with values it really holds; a valid prefix is
            // never malformed, and is Ok only with every value.
            Assert.NotEqual(DicomReadStatus.NeedMoreData, whole.Status);
            if (whole.Status == DicomReadStatus.Ok)
            {
                AssertNoWrongValue(expected, whole.Header);
            }

            Assert.Contains(partial.Status, new[] { DicomReadStatus.Ok, DicomReadStatus.NeedMoreData });
            if (partial.Status == DicomReadStatus.Ok)
            {
                partialOk++;
                Assert.Equal(expected, partial.Header);
            }
            else
            {
                Assert.True(partial.BytesNeeded > cut, $"cut {cut}: asked for {partial.BytesNeeded}");
            }
        }

        Assert.True(partialOk > 0);
        Assert.Equal(expected, DicomHeaderReader.Read(file, isWholeObject: true).Header);
    }

    [Fact]
    public void Read_WhenAWantedValueRunsPastTheEnd_ShouldAskForItOrReportTruncation()
    {
        // Arrange: PatientID declares 4000 bytes; 10 are present.
        var file = Part10(ExplicitLittle, Explicit(PatientIdTag, "LO", Text("0123456789"), length: 4000));
        var valueEnd = file.Length - 10 + 4000;

        // Act
        var partial = DicomHeaderReader.Read(file, isWholeObject: false);
        var whole = DicomHeaderReader.Read(file, isWholeObject: true);

        // Assert
        Assert.Equal(DicomReadStatus.NeedMoreData, partial.Status);
        Assert.True(partial.BytesNeeded >= valueEnd);
        Assert.Equal(DicomReadStatus.Malformed, whole.Status);
        Assert.Equal(DicomProblems.Truncated, whole.Problem);
    }

    [Fact]
    public void Read_WhenASkippedElementRunsPastTheEnd_ShouldAskForEnoughToGetPastIt()
    {
        // Arrange: a 1 MiB private element, then nothing.
        var file = Part10(ExplicitLittle, Explicit(0x0009_1001, "OB", [1, 2, 3, 4], length: 1 << 20));
        var elementEnd = file.Length - 4 + (1 << 20);

        // Act
        var partial = DicomHeaderReader.Read(file, isWholeObject: false);
        var whole = DicomHeaderReader.Read(file, isWholeObject: true);

        // Assert
        Assert.Equal(DicomReadStatus.NeedMoreData, partial.Status);
        Assert.True(partial.BytesNeeded > elementEnd);
        Assert.Equal(DicomReadStatus.Malformed, whole.Status);
        Assert.Equal(DicomProblems.Truncated, whole.Problem);
    }

    [Fact]
    public void Read_WhenADeclaredLengthNeedsMoreThanTheHeaderLimit_ShouldReportHeaderTooLarge()
    {
        // Arrange
        var file = Part10(ExplicitLittle, Explicit(0x0009_1001, "OB", [], length: 0x7FFF_0000));

        // Act
        var result = DicomHeaderReader.Read(file, isWholeObject: false);

        // Assert
        Assert.Equal(DicomReadStatus.Malformed, result.Status);
        Assert.Equal(DicomProblems.HeaderTooLarge, result.Problem);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Read_WhenAnUndefinedLengthSequenceNeverCloses_ShouldAskForMoreOrReportIt(bool isWholeObject)
    {
        // Arrange: sequence and item of undefined length, no delimiters, end of file.
        var dataset = Concat(
            Explicit(0x0008_1115, "SQ", [], Undefined),
            Implicit(0xFFFE_E000, [], Undefined),
            Explicit(0x0008_1150, "UI", Uid("1.2.3")));
        var file = Part10(ExplicitLittle, dataset);

        // Act
        var result = DicomHeaderReader.Read(file, isWholeObject);

        // Assert
        if (isWholeObject)
        {
            Assert.Equal(DicomReadStatus.Malformed, result.Status);
            Assert.Equal(DicomProblems.UnterminatedSequence, result.Problem);
        }
        else
        {
            Assert.Equal(DicomReadStatus.NeedMoreData, result.Status);
            Assert.True(result.BytesNeeded > file.Length);
        }
    }

    [Fact]
    public void Read_WhenSequencesNestDeeperThanTheReaderFollows_ShouldReportIt()
    {
        // Arrange: 40 levels of undefined-length sequence + item.
        var open = Concat(Explicit(0x0008_1115, "SQ", [], Undefined), Implicit(0xFFFE_E000, [], Undefined));
        var close = Concat(ItemDelimiter, SequenceDelimiter);
        var dataset = Concat([.. Enumerable.Repeat(open, 40), .. Enumerable.Repeat(close, 40)]);

        // Act
        var result = DicomHeaderReader.Read(Part10(ExplicitLittle, dataset), isWholeObject: true);

        // Assert
        Assert.Equal(DicomReadStatus.Malformed, result.Status);
        Assert.Equal(DicomProblems.TooDeeplyNested, result.Problem);
    }

    [Fact]
    public void Read_WhenASequenceHoldsSomethingOtherThanItems_ShouldReportInvalidItem()
    {
        // Arrange
        var dataset = Concat(Explicit(0x0008_1115, "SQ", [], Undefined), Explicit(PatientIdTag, "LO", Text("X")));

        // Act
        var result = DicomHeaderReader.Read(Part10(ExplicitLittle, dataset), isWholeObject: true);

        // Assert
        Assert.Equal(DicomReadStatus.Malformed, result.Status);
        Assert.Equal(DicomProblems.InvalidItem, result.Problem);
    }

    [Fact]
    public void Read_WhenADelimiterAppearsAtTopLevel_ShouldReportIt()
    {
        // Act
        var result = DicomHeaderReader.Read(Part10(ExplicitLittle, ItemDelimiter), isWholeObject: true);

        // Assert
        Assert.Equal(DicomReadStatus.Malformed, result.Status);
        Assert.Equal(DicomProblems.UnexpectedDelimiter, result.Problem);
    }

    [Fact]
    public void Read_WhenAnExplicitVrIsNotTwoLetters_ShouldReportInvalidVr()
    {
        // Act
        var result = DicomHeaderReader.Read(Part10(ExplicitLittle, Explicit(PatientIdTag, "l0", Text("X"))), isWholeObject: true);

        // Assert
        Assert.Equal(DicomReadStatus.Malformed, result.Status);
        Assert.Equal(DicomProblems.InvalidVr, result.Problem);
    }

    [Fact]
    public void Read_WhenAWantedElementHasUndefinedLength_ShouldReportBadLength()
    {
        // Act
        var result = DicomHeaderReader.Read(Part10(ImplicitLittle, Implicit(PatientIdTag, [], Undefined)), isWholeObject: true);

        // Assert
        Assert.Equal(DicomReadStatus.Malformed, result.Status);
        Assert.Equal(DicomProblems.BadLength, result.Problem);
    }

    [Fact]
    public void Read_WhenAnUndefinedLengthUnElementHoldsDecoys_ShouldSkipItAsAnImplicitSequence()
    {
        // Arrange (CP-246): the UN content is implicit VR little endian, here with nested decoys.
        var nested = Concat(Implicit(PatientIdTag, Text("DECOY")), Implicit(0x0020_000E, Uid("9.9.9")));
        var dataset = Concat(
            Explicit(0x0009_1010, "UN", [], Undefined),
            Item(nested, undefinedLength: true),
            SequenceDelimiter,
            Explicit(PatientIdTag, "LO", Text("REAL")),
            Explicit(0x0020_000E, "UI", Uid("1.2.3")));

        // Act
        var result = DicomHeaderReader.Read(Part10(ExplicitLittle, dataset), isWholeObject: true);

        // Assert
        Assert.Equal(DicomReadStatus.Ok, result.Status);
        Assert.Equal("REAL", result.Header?.PatientId);
        Assert.Equal("1.2.3", result.Header?.SeriesInstanceUid);
    }

    [Fact]
    public void Read_WhenImplicitElementHasUndefinedLength_ShouldSkipItAsASequence()
    {
        // Arrange: implicit VR has no SQ marker; undefined length is what makes it a sequence.
        var dataset = Concat(
            Implicit(0x0008_1115, [], Undefined),
            Item(Implicit(PatientIdTag, Text("DECOY")), undefinedLength: false),
            SequenceDelimiter,
            Implicit(PatientIdTag, Text("REAL")));

        // Act
        var result = DicomHeaderReader.Read(Part10(ImplicitLittle, dataset), isWholeObject: true);

        // Assert
        Assert.Equal(DicomReadStatus.Ok, result.Status);
        Assert.Equal("REAL", result.Header?.PatientId);
    }

    [Fact]
    public void Read_WhenTheTransferSyntaxIsMissing_ShouldReportIt()
    {
        // Arrange
        var dataset = Explicit(PatientIdTag, "LO", Text("P"));

        // Act
        var result = DicomHeaderReader.Read(Part10(null, dataset), isWholeObject: true);

        // Assert
        Assert.Equal(DicomReadStatus.Malformed, result.Status);
        Assert.Equal(DicomProblems.MissingTransferSyntax, result.Problem);
    }

    [Fact]
    public void Read_WhenTheMetaGroupLengthIsAbsent_ShouldStillReadTheHeader()
    {
        // Arrange
        var file = Part10(ImplicitLittle, Implicit(PatientIdTag, Text("P7")), withGroupLength: false);

        // Act
        var result = DicomHeaderReader.Read(file, isWholeObject: true);

        // Assert
        Assert.Equal(DicomReadStatus.Ok, result.Status);
        Assert.Equal(ImplicitLittle, result.Header?.TransferSyntaxUid);
        Assert.Equal("P7", result.Header?.PatientId);
    }

    [Theory]
    [InlineData(-26)] // ends before (0002,0010), the last meta element
    [InlineData(100)] // runs into the data set
    public void Read_WhenTheMetaGroupLengthIsWrong_ShouldEndTheGroupWhereItsTagsEnd(int groupLengthError)
    {
        // Arrange
        var file = Part10(ImplicitLittle, Implicit(PatientIdTag, Text("P8")), groupLengthError: groupLengthError);

        // Act
        var result = DicomHeaderReader.Read(file, isWholeObject: true);

        // Assert
        Assert.Equal(DicomReadStatus.Ok, result.Status);
        Assert.Equal(ImplicitLittle, result.Header?.TransferSyntaxUid);
        Assert.Equal("P8", result.Header?.PatientId);
    }

    [Fact]
    public void Read_WhenTheDataSetLacksSopUids_ShouldFallBackToTheMetaGroup()
    {
        // Act
        var result = DicomHeaderReader.Read(Part10(ExplicitLittle, Explicit(PatientIdTag, "LO", Text("P"))), isWholeObject: true);

        // Assert
        Assert.Equal(CtImageStorage, result.Header?.SopClassUid);
        Assert.Equal("1.2.3.4.5", result.Header?.SopInstanceUid);
    }

    [Fact]
    public void Read_WhenValuesArePadded_ShouldTrimPaddingButKeepContent()
    {
        // Arrange
        var dataset = Concat(
            Explicit(0x0008_0018, "UI", Encoding.ASCII.GetBytes("1.2.3\0\0\0")),
            Explicit(0x0008_0060, "CS", Encoding.ASCII.GetBytes("  MR  ")),
            Explicit(PatientIdTag, "LO", Encoding.ASCII.GetBytes(@" A\B  ")),
            Explicit(0x0020_000D, "UI", []));

        // Act
        var header = DicomHeaderReader.Read(Part10(ExplicitLittle, dataset), isWholeObject: true).Header;

        // Assert
        Assert.Equal("1.2.3", header?.SopInstanceUid);
        Assert.Equal("MR", header?.Modality);
        Assert.Equal(@"A\B", header?.PatientId);
        Assert.Null(header?.StudyInstanceUid);
    }

    [Theory]
    [InlineData("P1")]
    [InlineData(" P1")]
    [InlineData("P1 ")]
    [InlineData("   P1    ")]
    [InlineData("P1\0")]
    [InlineData("P1\0\0\0")]
    [InlineData(" P1 \0")]
    public void Read_WhenPatientIdIsPaddedAsPs35Allows_ShouldReadTheSameValue(string stored)
    {
        // PS3.5 §6.2: leading and trailing spaces of an LO value are not significant; NUL is
        // trailing padding some writers use.
        var bytes = Encoding.ASCII.GetBytes(stored);
        var dataset = Explicit(PatientIdTag, "LO", bytes.Length % 2 == 0 ? bytes : [.. bytes, (byte)' ']);

        var header = DicomHeaderReader.Read(Part10(ExplicitLittle, dataset), isWholeObject: true).Header;

        Assert.Equal("P1", header?.PatientId);
    }

    [Theory]
    [InlineData("P 1", "P 1")]
    [InlineData("\0P1", "\0P1")]
    [InlineData("p1", "p1")]
    public void Read_WhenPatientIdDiffersInsideTheValue_ShouldKeepTheDifference(string stored, string expected)
    {
        var bytes = Encoding.ASCII.GetBytes(stored);
        var dataset = Explicit(PatientIdTag, "LO", bytes.Length % 2 == 0 ? bytes : [.. bytes, (byte)' ']);

        var header = DicomHeaderReader.Read(Part10(ExplicitLittle, dataset), isWholeObject: true).Header;

        Assert.Equal(expected, header?.PatientId);
    }

    [Fact]
    public void Read_WhenPatientModuleIsPresent_ShouldReturnTheIdentityAttributesTrimmed()
    {
        var dataset = Concat(
            Explicit(0x0010_0010, "PN", Encoding.ASCII.GetBytes("DOE^JOHN  ")),
            Explicit(PatientIdTag, "LO", Encoding.ASCII.GetBytes(" P1 ")),
            Explicit(0x0010_0021, "LO", Encoding.ASCII.GetBytes(" HOSP-A ")),
            Explicit(0x0010_0030, "DA", Encoding.ASCII.GetBytes("19500101")),
            Explicit(0x0010_0040, "CS", Encoding.ASCII.GetBytes("F ")));

        var header = DicomHeaderReader.Read(Part10(ExplicitLittle, dataset), isWholeObject: true).Header;

        Assert.Equal(("DOE^JOHN", "P1", "HOSP-A", "19500101", "F"), (header?.PatientName, header?.PatientId, header?.IssuerOfPatientId, header?.PatientBirthDate, header?.PatientSex));
    }

    [Fact]
    public void Read_WhenUtf8IsDeclaredButThePatientIdIsNotUtf8_ShouldDecodeLosslesslyNotWithReplacementCharacters()
    {
        var dataset = Concat(
            Explicit(0x0008_0005, "CS", Text("ISO_IR 192")),
            Explicit(PatientIdTag, "LO", [(byte)'P', 0xFF]));

        var header = DicomHeaderReader.Read(Part10(ExplicitLittle, dataset), isWholeObject: true).Header;

        Assert.Equal("P\u00ff", header?.PatientId);
        Assert.DoesNotContain('\uFFFD', header?.PatientId ?? string.Empty);
    }

    [Theory]
    [InlineData("ISO_IR 192", "utf-8", "Jürgen-Ω")]
    [InlineData("ISO_IR 100", "iso-8859-1", "Müller-1")]
    public void Read_WhenTheCharacterSetIsDeclared_ShouldDecodeThePatientIdWithIt(string characterSet, string encodingName, string patientId)
    {
        // Arrange
        var bytes = Encoding.GetEncoding(encodingName).GetBytes(patientId);
        var dataset = Concat(
            Explicit(0x0008_0005, "CS", Text(characterSet)),
            Explicit(PatientIdTag, "LO", bytes.Length % 2 == 0 ? bytes : [.. bytes, (byte)' ']));

        // Act
        var header = DicomHeaderReader.Read(Part10(ExplicitLittle, dataset), isWholeObject: true).Header;

        // Assert
        Assert.Equal(patientId, header?.PatientId);
    }

    [Fact]
    public void Read_WhenTheWholeObjectEndsAfterTheMetaGroup_ShouldReturnTheMetaValuesOnly()
    {
        // Act
        var result = DicomHeaderReader.Read(Part10(ExplicitLittle, []), isWholeObject: true);

        // Assert
        Assert.Equal(DicomReadStatus.Ok, result.Status);
        Assert.Equal(new DicomHeader(ExplicitLittle, CtImageStorage, "1.2.3.4.5", null, null, null, null), result.Header);
    }

    [Fact]
    public void Read_WhenDeflatedHeaderInflatesPastTheFirstBuffer_ShouldReadItProgressively()
    {
        // Arrange: 200 kB of private data inflate from a few kB of deflate stream.
        var parameters = Parameters(nameof(SyntheticTransferSyntax.DeflatedExplicitLittle), "MR") with { PrivateBlobLength = 200_000 };
        var file = SyntheticDicom.Create(parameters);

        // Act
        var whole = DicomHeaderReader.Read(file, isWholeObject: true);
        var (progressive, _) = ProgressiveRead.Run(file, 300);

        // Assert
        Assert.Equal(Expected(parameters), whole.Header);
        Assert.Equal(Expected(parameters), progressive.Header);
    }

    [Fact]
    public void Read_WhenTheDeflateStreamIsCorrupt_ShouldReportDeflateError()
    {
        // Arrange: replace the deflate stream with bytes that declare a reserved block type.
        var file = SyntheticDicom.Create(Parameters(nameof(SyntheticTransferSyntax.DeflatedExplicitLittle), "CT"));
        var metaEnd = 132 + 12 + BitConverter.ToInt32(file, 140);
        file.AsSpan(metaEnd).Fill(0xFF);

        // Act
        var result = DicomHeaderReader.Read(file, isWholeObject: true);

        // Assert
        Assert.Equal(DicomReadStatus.Malformed, result.Status);
        Assert.Equal(DicomProblems.DeflateError, result.Problem);
    }

    [Fact]
    public void Read_WhenAPrefixEndsWhereAShortGroupLengthEndsTheMetaGroup_ShouldAskForMore()
    {
        // Arrange: the group length stops before (0002,0010), which still follows in group 0002.
        // Found by fuzzing: such a prefix said missing_transfer_syntax, the whole file Ok.
        var file = Part10(ExplicitLittle, Explicit(0x0020_000E, "UI", Uid("1.2.3")), groupLengthError: -(8 + Uid(ExplicitLittle).Length));
        var statedGroupEnd = 144 + BitConverter.ToInt32(file, 140);

        // Act
        var prefix = DicomHeaderReader.Read(file.AsSpan(0, statedGroupEnd), isWholeObject: false);
        var whole = DicomHeaderReader.Read(file, isWholeObject: true);

        // Assert
        Assert.Equal(DicomReadStatus.NeedMoreData, prefix.Status);
        Assert.Equal(ExplicitLittle, whole.Header?.TransferSyntaxUid);
    }

    [Fact]
    public void Read_WhenTheDeflateStreamIsDamagedAfterTheHeader_ShouldReadTheHeaderWhateverThePrefixLength()
    {
        // Arrange: the data set deflated intact up to its end, then a block of the reserved type
        // 3. Found by fuzzing: the whole object said deflate_error while its prefixes said Ok.
        var parameters = Parameters(nameof(SyntheticTransferSyntax.DeflatedExplicitLittle), "CT");
        var file = SyntheticDicom.Create(parameters);
        var metaEnd = 132 + 12 + BitConverter.ToInt32(file, 140);
        var damaged = Concat(file[..metaEnd], DeflateThenDamage(Inflate(file[metaEnd..])));

        // Act
        var whole = DicomHeaderReader.Read(damaged, isWholeObject: true);
        var prefixes = Enumerable.Range(metaEnd, damaged.Length - metaEnd)
            .Select(length => DicomHeaderReader.Read(damaged.AsSpan(0, length), isWholeObject: false))
            .ToList();

        // Assert
        Assert.Equal(DicomReadStatus.Ok, whole.Status);
        Assert.Equal(Expected(parameters), whole.Header);
        Assert.All(prefixes, prefix => Assert.True(
            prefix.Status == DicomReadStatus.NeedMoreData || prefix == whole,
            $"A prefix said {prefix.Status} ({prefix.Problem})."));
        Assert.Contains(whole, prefixes);
    }

    private static byte[] Inflate(byte[] deflated)
    {
        using var inflater = new System.IO.Compression.DeflateStream(new MemoryStream(deflated), System.IO.Compression.CompressionMode.Decompress);
        using var inflated = new MemoryStream();
        inflater.CopyTo(inflated);
        return inflated.ToArray();
    }

    /// <summary>Deflates <paramref name="dataset"/> up to a byte-aligned sync flush, then appends a final block of reserved type 3.</summary>
    private static byte[] DeflateThenDamage(byte[] dataset)
    {
        using var deflated = new MemoryStream();
        using (var deflater = new System.IO.Compression.DeflateStream(deflated, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
        {
            deflater.Write(dataset);
            deflater.Flush();
            deflated.Write([0b0000_0111, 0xAB, 0xCD]);

            // Disposing the deflater would close the stream with a final block; keep what is there.
            return deflated.ToArray();
        }
    }

    private static SyntheticDicomParameters Parameters(string syntaxName, string modality) =>
        SyntheticDicom.NewParameters(modality, Enum.Parse<SyntheticTransferSyntax>(syntaxName), patientId: "PAT-" + modality);

    private static DicomHeader Expected(SyntheticDicomParameters p) =>
        new(
            SyntheticDicom.TransferSyntaxUid(p.TransferSyntax),
            SyntheticDicom.SopClassUid(p.Modality),
            p.SopInstanceUid,
            p.Modality,
            p.PatientId,
            p.StudyInstanceUid,
            p.SeriesInstanceUid,
            p.PatientName,
            p.IssuerOfPatientId,
            p.PatientBirthDate,
            p.PatientSex);

    private static void AssertNoWrongValue(DicomHeader expected, DicomHeader? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.TransferSyntaxUid, actual.TransferSyntaxUid);
        Assert.True(actual.SopClassUid is null || actual.SopClassUid == expected.SopClassUid);
        Assert.True(actual.SopInstanceUid is null || actual.SopInstanceUid == expected.SopInstanceUid);
        Assert.True(actual.Modality is null || actual.Modality == expected.Modality);
        Assert.True(actual.PatientId is null || actual.PatientId == expected.PatientId);
        Assert.True(actual.StudyInstanceUid is null || actual.StudyInstanceUid == expected.StudyInstanceUid);
        Assert.True(actual.SeriesInstanceUid is null || actual.SeriesInstanceUid == expected.SeriesInstanceUid);
    }
}

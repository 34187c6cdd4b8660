using StrokeIngestion.Core.Domain;
using StrokeIngestion.Sandbox.Dicom;

namespace StrokeIngestion.Core.Tests.Upload;

/// <summary>One study is one patient (issue 12): identity across a study's files, and DICOM padding.</summary>
public sealed partial class UploadServiceTests
{
    private const string OtherPatientId = "P999999";

    public static TheoryData<int, int, bool> OddFilePositions()
    {
        var data = new TheoryData<int, int, bool>();
        foreach (var count in new[] { 2, 3, 5 })
        {
            foreach (var odd in new[] { 0, count / 2, count - 1 }.Distinct())
            {
                data.Add(count, odd, false);
                data.Add(count, odd, true);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(OddFilePositions))]
    public async Task StartAsync_WhenOneFileOfTheFolderIsAnotherPatient_ShouldRefuseMultiplePatientsWithOrWithoutOverride(int count, int odd, bool acceptMismatch)
    {
        for (var i = 0; i < count; i++)
        {
            PutDicom($"uploads/two/{i:D2}.dcm", i == odd ? OtherPatientId : PatientId, seriesUid: $"{TestDicom.SeriesUid}.{i}");
        }

        var outcome = await Service().StartAsync(Command("uploads/two/", acceptMismatch: acceptMismatch), CancellationToken.None);

        AssertRejectedWithoutSideEffects(outcome, 422, "multiple_patients");
        Assert.Equal("file_key", outcome.Error?.Field);
        Assert.Contains("PatientID", outcome.Error?.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(OtherPatientId, outcome.Error?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_WhenTwoOtherPatientsAndOverride_ShouldRefuseMultiplePatients()
    {
        // Neither matches the request: the override would have hidden that they differ from each other too.
        PutDicom("uploads/two/a.dcm", "OTHER-A");
        PutDicom("uploads/two/b.dcm", "OTHER-B");

        var outcome = await Service().StartAsync(Command("uploads/two/", acceptMismatch: true), CancellationToken.None);

        AssertRejectedWithoutSideEffects(outcome, 422, "multiple_patients");
    }

    [Fact]
    public async Task StartAsync_WhenOneFileHasNoPatientId_ShouldRefuseMultiplePatientsEvenWithOverride()
    {
        PutDicom("uploads/two/a.dcm", PatientId);
        PutDicom("uploads/two/b.dcm", string.Empty);

        var outcome = await Service().StartAsync(Command("uploads/two/", acceptMismatch: true), CancellationToken.None);

        AssertRejectedWithoutSideEffects(outcome, 422, "multiple_patients");
    }

    [Fact]
    public async Task StartAsync_WhenAllFilesCarryOneOtherPatientIdAndOverride_ShouldIngestUnderTheRequestedId()
    {
        PutDicom("uploads/site/a.dcm", "SITE-0001");
        PutDicom("uploads/site/b.dcm", " SITE-0001 ");

        var outcome = await Service().StartAsync(Command("uploads/site/", acceptMismatch: true), CancellationToken.None);

        var study = Assert.IsType<Study>(outcome.Study);
        Assert.Equal(PatientId, study.PatientId);
        Assert.True(study.PatientIdMismatchAccepted);
        Assert.Equal(2, study.FileCount);
    }

    [Fact]
    public async Task StartAsync_WhenFilesDisagreeOnPatientAndOneBreaksAFileRule_ShouldNameTheFileRuleFirst()
    {
        PutDicom("uploads/two/a.dcm", OtherPatientId);
        PutCt("uploads/two/b.dcm", modality: "US");

        var outcome = await Service().StartAsync(Command("uploads/two/", acceptMismatch: true), CancellationToken.None);

        AssertRejectedWithoutSideEffects(outcome, 422, "unsupported_modality");
    }

    [Fact]
    public async Task StartAsync_WhenFolderIsTwoStudiesOfTwoPatients_ShouldAnswerMixedStudies()
    {
        PutCt("uploads/two/a.dcm", studyUid: "1.2.3");
        PutCt("uploads/two/b.dcm", patientId: OtherPatientId, studyUid: "1.2.4");

        var outcome = await Service().StartAsync(Command("uploads/two/"), CancellationToken.None);

        AssertRejectedWithoutSideEffects(outcome, 422, "mixed_studies");
    }

    [Fact]
    public async Task StartAsync_WhenOneFileIsAnotherPatientWithoutOverride_ShouldNotSuggestTheOverride()
    {
        PutDicom("uploads/two/a.dcm", PatientId);
        PutDicom("uploads/two/b.dcm", OtherPatientId);

        var outcome = await Service().StartAsync(Command("uploads/two/"), CancellationToken.None);

        AssertRejectedWithoutSideEffects(outcome, 422, "multiple_patients");
        Assert.Contains("accept_patient_id_mismatch does not apply", outcome.Error?.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("IssuerOfPatientID", "HOSP-A", "HOSP-B")]
    [InlineData("IssuerOfPatientID", "HOSP-A", null)]
    [InlineData("PatientBirthDate", "19500101", "19500102")]
    [InlineData("PatientSex", "M", "F")]
    [InlineData("PatientName", "DOE^JOHN", "ROE^JANE")]
    public async Task StartAsync_WhenFilesShareThePatientIdButDisagreeOnAnIdentityAttribute_ShouldRefuseNamingIt(string attribute, string first, string? second)
    {
        PutDicom("uploads/two/a.dcm", PatientId, p => With(p, attribute, first));
        PutDicom("uploads/two/b.dcm", PatientId, p => With(p, attribute, second));

        var outcome = await Service().StartAsync(Command("uploads/two/", acceptMismatch: true), CancellationToken.None);

        AssertRejectedWithoutSideEffects(outcome, 422, "multiple_patients");
        Assert.Contains(attribute, outcome.Error?.Message, StringComparison.Ordinal);
        if (first.Length > 1)
        {
            // A one-letter PatientSex occurs in any sentence; longer values must not.
            Assert.DoesNotContain(first, outcome.Error?.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("PatientBirthDate", "19500101", "")]
    [InlineData("PatientSex", "M", "")]
    [InlineData("PatientName", "DOE^JOHN", "")]
    [InlineData("PatientName", "DOE^JOHN", "Doe^John^^^")]
    [InlineData("PatientName", "DOE^JOHN=ドウ^ジョン", "DOE^JOHN")]
    [InlineData("IssuerOfPatientID", "HOSP-A", " HOSP-A ")]
    [InlineData("PatientBirthDate", "19500101", "19500101 ")]
    [InlineData("PatientSex", "M", " M")]
    public async Task StartAsync_WhenIdentityAttributesAgreeOrOneIsEmpty_ShouldIngest(string attribute, string first, string second)
    {
        PutDicom("uploads/two/a.dcm", PatientId, p => With(p, attribute, first) with { SpecificCharacterSet = "ISO_IR 192" });
        PutDicom("uploads/two/b.dcm", PatientId, p => With(p, attribute, second));

        var outcome = await Service().StartAsync(Command("uploads/two/"), CancellationToken.None);

        Assert.Null(outcome.Error);
        Assert.Equal(StudyStatus.Importing, outcome.Study?.Status);
    }

    [Theory]
    [InlineData(" P123456")]
    [InlineData("P123456 ")]
    [InlineData("  P123456   ")]
    [InlineData("P123456\0")]
    [InlineData("P123456 \0")]
    [InlineData(" P123456\0\0\0")]
    public async Task StartAsync_WhenDicomPatientIdDiffersOnlyByPadding_ShouldMatchWithoutOverride(string padded)
    {
        PutDicom("uploads/brain_scan.dcm", padded);

        var outcome = await Service().StartAsync(Command(), CancellationToken.None);

        Assert.Null(outcome.Error);
        Assert.False(outcome.Study?.PatientIdMismatchAccepted);
    }

    [Fact]
    public async Task StartAsync_WhenFolderMixesPaddingVariantsOfOnePatientId_ShouldIngestAsOnePatient()
    {
        string[] variants = ["P123456", " P123456", "P123456\0", "  P123456  "];
        for (var i = 0; i < variants.Length; i++)
        {
            PutDicom($"uploads/pad/{i}.dcm", variants[i]);
        }

        var outcome = await Service().StartAsync(Command("uploads/pad/"), CancellationToken.None);

        Assert.Null(outcome.Error);
        Assert.Equal(variants.Length, outcome.Study?.FileCount);
    }

    [Theory]
    [InlineData("P 123456")]
    [InlineData("p123456")]
    [InlineData("P123456\\P1")]
    [InlineData("\0P123456")]
    public async Task StartAsync_WhenDicomPatientIdDiffersBeyondPadding_ShouldAnswerMismatch(string other)
    {
        PutDicom("uploads/brain_scan.dcm", other);

        var outcome = await Service().StartAsync(Command(), CancellationToken.None);

        AssertRejectedWithoutSideEffects(outcome, 422, "patient_id_mismatch");
    }

    [Fact]
    public async Task StartAsync_WhenTwoPatientIdsAreInvalidUtf8_ShouldStillTellThemApart()
    {
        // Lossy decoding would read both as "P\uFFFD" and merge two patients.
        PutDicom("uploads/two/a.dcm", "P\u00ff", p => p with { SpecificCharacterSet = "ISO_IR 100" });
        PutDicom("uploads/two/b.dcm", "P\u00fe", p => p with { SpecificCharacterSet = "ISO_IR 100" });
        Relabel("uploads/two/a.dcm", "ISO_IR 100", "ISO_IR 192");
        Relabel("uploads/two/b.dcm", "ISO_IR 100", "ISO_IR 192");

        var outcome = await Service().StartAsync(Command("uploads/two/", acceptMismatch: true), CancellationToken.None);

        AssertRejectedWithoutSideEffects(outcome, 422, "multiple_patients");
    }

    private void PutDicom(string key, string patientId, Func<SyntheticDicomParameters, SyntheticDicomParameters>? change = null, string? seriesUid = null) =>
        _objects.Put(key, TestDicom.Create(patientId, p => (change ?? (x => x))(p with { SeriesInstanceUid = seriesUid ?? p.SeriesInstanceUid })));

    /// <summary>Rewrites the Specific Character Set in place (same length), so the bytes stay as written but are declared otherwise.</summary>
    private void Relabel(string key, string from, string to)
    {
        var bytes = _objects.Get(key) ?? throw new InvalidOperationException("No object " + key);
        var at = bytes.AsSpan().IndexOf(System.Text.Encoding.ASCII.GetBytes(from));
        System.Text.Encoding.ASCII.GetBytes(to).CopyTo(bytes, at);
        _objects.Put(key, bytes);
    }

    private static SyntheticDicomParameters With(SyntheticDicomParameters p, string attribute, string? value) => attribute switch
    {
        "IssuerOfPatientID" => p with { IssuerOfPatientId = value },
        "PatientBirthDate" => p with { PatientBirthDate = value ?? string.Empty },
        "PatientSex" => p with { PatientSex = value ?? string.Empty },
        "PatientName" => p with { PatientName = value ?? string.Empty },
        _ => throw new ArgumentOutOfRangeException(nameof(attribute), attribute, "Not an identity attribute."),
    };
}

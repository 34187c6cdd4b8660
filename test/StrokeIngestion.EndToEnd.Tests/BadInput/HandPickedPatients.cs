using System.Globalization;
using System.Text;
using StrokeIngestion.Sandbox.Dicom;
using static StrokeIngestion.EndToEnd.Tests.BadInput.JsonBody;

namespace StrokeIngestion.EndToEnd.Tests.BadInput;

/// <summary>
/// One study is one patient (issue 12): folders of 2..N files of one StudyInstanceUID where one
/// file is another patient (first, middle or last; by PatientID or by another identity
/// attribute), with and without accept_patient_id_mismatch; and the DICOM padding variants of a
/// PatientID, which are one patient (PS3.5 §6.2). A folder of padding variants is sent with
/// another patient's id in the request: the answer patient_id_mismatch (not multiple_patients)
/// proves the variants were read as one PatientID.
/// </summary>
internal sealed class HandPickedPatients
{
    private const string FileKeyField = "file_key";
    private const string PatientIdField = "patient_id";
    private const string AcceptField = "accept_patient_id_mismatch";

    /// <summary>Ways to write <see cref="CorpusDicom.PatientId"/> that PS3.5 says are the same value.</summary>
    private static readonly string[] PaddingVariants =
    [
        " " + CorpusDicom.PatientId,
        CorpusDicom.PatientId + " ",
        "   " + CorpusDicom.PatientId + "  ",
        CorpusDicom.PatientId + "\0",
        CorpusDicom.PatientId + "\0\0\0",
        " " + CorpusDicom.PatientId + " \0",
    ];

    private readonly CorpusContext _context;

    public HandPickedPatients(CorpusContext context) => _context = context;

    public IEnumerable<BadInputCase> Build() =>
        OddPatientIds().Concat(OddIdentityAttributes()).Concat(Padding()).ToList();

    /// <summary>The odd file's position in a folder of <paramref name="count"/>: first, middle and last (distinct).</summary>
    internal static IEnumerable<(string Name, int Index)> OddPositions(int count) =>
        new[] { ("first", 0), ("middle", count / 2), ("last", count - 1) }.DistinctBy(p => p.Item2);

    private IEnumerable<BadInputCase> OddPatientIds()
    {
        (string Name, (string, string)[] Overrides)[] requests =
        [
            ("no-override", []),
            ("override-false", [(AcceptField, "false")]),
            ("override-true", [(AcceptField, "true")]),
            ("request-names-the-odd-one", [(PatientIdField, Text(CorpusDicom.OtherPatientId)), (AcceptField, "true")]),
        ];
        foreach (var count in new[] { 2, 3, 4, 7 })
        {
            foreach (var (position, odd) in OddPositions(count))
            {
                foreach (var (request, overrides) in requests)
                {
                    yield return StudyFolder(
                        $"patients/{count}-files/odd-{position}/patient-id/{request}",
                        count,
                        odd,
                        p => p with { PatientId = CorpusDicom.OtherPatientId },
                        "multiple_patients",
                        FileKeyField,
                        overrides);
                }
            }
        }

        // Neither id is the request's: the override must not hide that they differ from each other.
        yield return StudyFolder("patients/3-files/two-others/override-true", 3, 1, p => p with { PatientId = CorpusDicom.OtherPatientId }, "multiple_patients", FileKeyField, [(AcceptField, "true")], p => p with { PatientId = CorpusDicom.OtherPatientId + "-X" });
        yield return StudyFolder("patients/2-files/one-without-patient-id/override-true", 2, 1, p => p with { PatientId = string.Empty }, "multiple_patients", FileKeyField, [(AcceptField, "true")]);
        yield return StudyFolder("patients/2-files/other-id-padded/no-override", 2, 0, p => p with { PatientId = " " + CorpusDicom.OtherPatientId + "\0" }, "multiple_patients", FileKeyField, []);
    }

    private IEnumerable<BadInputCase> OddIdentityAttributes()
    {
        (string Name, Func<SyntheticDicomParameters, SyntheticDicomParameters> Odd)[] attributes =
        [
            ("issuer-differs", p => p with { IssuerOfPatientId = CorpusDicom.OtherIssuer }),
            ("issuer-absent", p => p with { IssuerOfPatientId = null }),
            ("birth-date-differs", p => p with { PatientBirthDate = CorpusDicom.OtherBirthDate }),
            ("sex-differs", p => p with { PatientSex = "M" }),
            ("name-differs", p => p with { PatientName = CorpusDicom.OtherPatientName }),
        ];
        foreach (var (name, odd) in attributes)
        {
            foreach (var (position, index) in OddPositions(3))
            {
                foreach (var accept in new[] { false, true })
                {
                    yield return StudyFolder(
                        $"patients/3-files/odd-{position}/{name}/{(accept ? "override-true" : "no-override")}",
                        3,
                        index,
                        odd,
                        "multiple_patients",
                        FileKeyField,
                        accept ? [(AcceptField, "true")] : []);
                }
            }
        }
    }

    private IEnumerable<BadInputCase> Padding()
    {
        // Every variant in one folder is one patient: the request names another, so the answer is the mismatch.
        var study = _context.NewUid();
        var files = PaddingVariants.Select(v => _context.Dicom(p => p with { StudyInstanceUid = study, PatientId = v })).ToList();
        files.Add(CorpusDicom.Create(_context.Parameters("MR", SyntheticTransferSyntax.ImplicitLittle, study) with { PatientId = " " + CorpusDicom.PatientId + "\0" }));
        files.Add(CorpusDicom.Create(_context.Parameters("MR", SyntheticTransferSyntax.ExplicitBig, study) with { PatientId = CorpusDicom.PatientId + " \0" }));
        files.Add(CorpusDicom.Create(_context.Parameters("CT", SyntheticTransferSyntax.DeflatedExplicitLittle, study) with { PatientId = "  " + CorpusDicom.PatientId }));
        files.Add(_context.Dicom(p => p with { StudyInstanceUid = study, PatientId = " " + CorpusDicom.PatientId, SpecificCharacterSet = "ISO_IR 192" }));
        yield return Folder("padding/all-variants-one-patient/request-names-another", files, "patient_id_mismatch", PatientIdField, [(PatientIdField, Text(CorpusDicom.OtherPatientId))]);

        for (var i = 0; i < PaddingVariants.Length; i++)
        {
            var variant = PaddingVariants[i];
            yield return StudyFolder($"padding/variant-{i}-beside-plain/request-names-another", 2, 1, p => p with { PatientId = variant }, "patient_id_mismatch", PatientIdField, [(PatientIdField, Text(CorpusDicom.OtherPatientId))]);
            yield return StudyFolder($"padding/variant-{i}-beside-other-patient", 2, 1, p => p with { PatientId = variant }, "multiple_patients", FileKeyField, [], p => p with { PatientId = CorpusDicom.OtherPatientId });
        }

        // Differences inside the value are significant: not padding, another id.
        string[] notPadding =
        [
            CorpusDicom.PatientId.Replace("-", " -", StringComparison.Ordinal),
            "\0" + CorpusDicom.PatientId,
            CorpusDicom.PatientId + "\t",
            CorpusDicom.PatientId + "\\" + CorpusDicom.PatientId,
            CorpusDicom.PatientId.ToLowerInvariant() + " ",
        ];
        for (var i = 0; i < notPadding.Length; i++)
        {
            var value = notPadding[i];
            yield return Single($"padding/not-padding-{i}", _context.Dicom(p => p with { PatientId = value }), "patient_id_mismatch", PatientIdField);
            yield return StudyFolder($"padding/not-padding-{i}-beside-plain/override-true", 2, 1, p => p with { PatientId = value }, "multiple_patients", FileKeyField, [(AcceptField, "true")]);
        }

        // Two ids that are not valid UTF-8 under ISO_IR 192: decoded with U+FFFD they would read as one patient.
        var damaged = _context.NewUid();
        byte[] Damaged(char last) => Relabel(_context.Dicom(p => p with { StudyInstanceUid = damaged, PatientId = CorpusDicom.PatientId + last }));
        yield return Folder("padding/two-invalid-utf8-ids/override-true", [Damaged('\u00ff'), Damaged('\u00fe')], "multiple_patients", FileKeyField, [(AcceptField, "true")]);
    }

    /// <summary>
    /// A folder of <paramref name="count"/> images of one study, all of the corpus patient except
    /// the one at <paramref name="odd"/>; <paramref name="rest"/> changes the others.
    /// </summary>
    internal BadInputCase StudyFolder(
        string name,
        int count,
        int odd,
        Func<SyntheticDicomParameters, SyntheticDicomParameters> oddChange,
        string code,
        string field,
        (string Name, string Raw)[] overrides,
        Func<SyntheticDicomParameters, SyntheticDicomParameters>? rest = null)
    {
        var study = _context.NewUid();
        var files = Enumerable.Range(0, count)
            .Select(i =>
            {
                var parameters = _context.Parameters(studyInstanceUid: study) with
                {
                    IssuerOfPatientId = CorpusDicom.Issuer,
                    PatientBirthDate = CorpusDicom.BirthDate,
                    PatientSex = "F",
                    InstanceNumber = i + 1,
                };
                return CorpusDicom.Create(i == odd ? oddChange(parameters) : rest is null ? parameters : rest(parameters));
            })
            .ToList();
        return Folder(name, files, code, field, overrides);
    }

    private BadInputCase Folder(string name, IReadOnlyList<byte[]> files, string code, string field, (string Name, string Raw)[] overrides)
    {
        var folder = _context.NewFolder();
        var objects = files.Select((bytes, i) => new CorpusObject(
            string.Create(CultureInfo.InvariantCulture, $"{folder}{i + 1:D3}_{CorpusDicom.FileName}"),
            bytes)).ToList();
        return new BadInputCase
        {
            Name = name,
            Category = name.Split('/')[0] switch
            {
                "padding" => "patient-padding",
                "patients" => "multi-patient",
                var other => other,
            },
            Body = CorpusContext.Body(folder, overrides),
            Objects = objects,
            ExpectedCode = code,
            ExpectedField = field,
        };
    }

    private BadInputCase Single(string name, byte[] content, string code, string field)
    {
        var key = _context.NewFolder() + CorpusDicom.FileName;
        return new BadInputCase
        {
            Name = name,
            Category = "patient-padding",
            Body = CorpusContext.Body(key),
            Objects = [new CorpusObject(key, content)],
            ExpectedCode = code,
            ExpectedField = field,
        };
    }

    /// <summary>Declares the file's Latin-1 bytes to be UTF-8 (ISO_IR 192), in place: same length, so nothing else moves.</summary>
    private static byte[] Relabel(byte[] file)
    {
        var at = file.AsSpan().IndexOf("ISO_IR 100"u8);
        Encoding.ASCII.GetBytes("ISO_IR 192").CopyTo(file, at);
        return file;
    }
}

using System.Globalization;
using System.Text;
using System.Text.Json;
using StrokeIngestion.Sandbox.Dicom;

namespace StrokeIngestion.EndToEnd.Tests.BadInput;

/// <summary>
/// What the corpus builders share: the seed, a valid object every request-level case points
/// at (so a case's one fault is the only thing wrong with it), fresh upload folders and
/// deterministic UIDs.
/// </summary>
internal sealed class CorpusContext
{
    public const string BaseKey = "uploads/corpus/base/" + CorpusDicom.FileName;
    public const string Description = "Brain CT - Suspected Stroke";

    private int _folders;
    private int _uids;

    public CorpusContext(ulong seed)
    {
        Seed = seed;
        BaseObject = new CorpusObject(BaseKey, Dicom());
    }

    public ulong Seed { get; }

    /// <summary>A valid explicit VR little endian CT whose PatientID is <see cref="CorpusDicom.PatientId"/>.</summary>
    public CorpusObject BaseObject { get; }

    /// <summary>A new folder under uploads/ that no other case uses.</summary>
    public string NewFolder()
    {
        var n = Interlocked.Increment(ref _folders);
        return string.Create(CultureInfo.InvariantCulture, $"uploads/corpus/{n:D4}/");
    }

    public string NewUid() => CorpusDicom.Uid(Seed, Interlocked.Increment(ref _uids));

    /// <summary>Parameters of a valid image of the corpus patient, with fresh UIDs.</summary>
    public SyntheticDicomParameters Parameters(
        string modality = "CT",
        SyntheticTransferSyntax syntax = SyntheticTransferSyntax.ExplicitLittle,
        string? studyInstanceUid = null) => new()
        {
            PatientId = CorpusDicom.PatientId,
            PatientName = CorpusDicom.PatientName,
            Modality = modality,
            TransferSyntax = syntax,
            StudyInstanceUid = studyInstanceUid ?? NewUid(),
            SeriesInstanceUid = NewUid(),
            SopInstanceUid = NewUid(),
        };

    public byte[] Dicom(Func<SyntheticDicomParameters, SyntheticDicomParameters>? change = null)
    {
        var parameters = Parameters();
        return CorpusDicom.Create(change is null ? parameters : change(parameters));
    }

    /// <summary>The members of a valid request body (raw JSON values), in the order a client sends them.</summary>
    public static List<(string Name, string Raw)> ValidMembers(string fileKey = BaseKey) =>
    [
        ("patient_id", JsonBody.Text(CorpusDicom.PatientId)),
        ("study_description", JsonBody.Text(Description)),
        ("file_key", JsonBody.Text(fileKey)),
    ];

    /// <summary>A valid body naming <paramref name="fileKey"/>, with members replaced or added.</summary>
    public static byte[] Body(string fileKey = BaseKey, params (string Name, string Raw)[] overrides)
    {
        var members = ValidMembers(fileKey);
        foreach (var (name, raw) in overrides)
        {
            var index = members.FindIndex(m => m.Name == name);
            if (index >= 0)
            {
                members[index] = (name, raw);
            }
            else
            {
                members.Add((name, raw));
            }
        }

        return JsonBody.Object(members);
    }
}

/// <summary>Builds request bodies member by member, so duplicates, odd names and raw values can be written.</summary>
internal static class JsonBody
{
    /// <summary>A JSON string literal for <paramref name="value"/> (escaped as System.Text.Json does).</summary>
    public static string Text(string value) => JsonSerializer.Serialize(value);

    public static byte[] Object(IEnumerable<(string Name, string Raw)> members) =>
        Encoding.UTF8.GetBytes(ObjectText(members));

    public static string ObjectText(IEnumerable<(string Name, string Raw)> members) =>
        "{" + string.Join(",", members.Select(m => Text(m.Name) + ":" + m.Raw)) + "}";

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}

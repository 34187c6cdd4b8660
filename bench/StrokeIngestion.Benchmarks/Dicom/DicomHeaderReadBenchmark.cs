using BenchmarkDotNet.Attributes;
using StrokeIngestion.Core.Dicom;
using StrokeIngestion.Sandbox.Dicom;

namespace StrokeIngestion.Benchmarks.Dicom;

/// <summary>
/// <see cref="DicomHeaderReader.Read"/> on what the upload handler's first ranged GET returns
/// for a CT slice: the first <see cref="DicomHeaderReader.InitialReadLength"/> bytes, or the
/// whole object when it is shorter.
/// </summary>
/// <remarks>Not sealed: BenchmarkDotNet derives from benchmark classes.</remarks>
[MemoryDiagnoser]
public class DicomHeaderReadBenchmark
{
    private const string PydicomCtSmall = "/usr/lib/python3/dist-packages/pydicom/data/test_files/CT_small.dcm";

    [ParamsSource(nameof(Samples))]
    public DicomSample Sample { get; set; } = DicomSample.Synthetic("synthetic CT, ELE", SyntheticTransferSyntax.ExplicitLittle);

    /// <summary>Synthetic slices in explicit and implicit VR little endian (ELE, ILE), and pydicom's real CT_small.dcm when python3-pydicom is installed.</summary>
    public static IEnumerable<DicomSample> Samples()
    {
        yield return DicomSample.Synthetic("synthetic CT, ELE", SyntheticTransferSyntax.ExplicitLittle);
        yield return DicomSample.Synthetic("synthetic CT, ILE", SyntheticTransferSyntax.ImplicitLittle);
        if (File.Exists(PydicomCtSmall))
        {
            yield return DicomSample.FromFile("pydicom CT_small", File.ReadAllBytes(PydicomCtSmall));
        }
    }

    [Benchmark(Description = "DicomHeaderReader.Read")]
    public DicomHeader ReadHeader()
    {
        var result = DicomHeaderReader.Read(Sample.FirstRead, Sample.IsWholeObject);
        return result.Header ?? throw new InvalidOperationException($"Expected a header, got {result.Status} ({result.Problem}).");
    }
}

/// <summary>A CT slice as the handler's first read sees it. Names stay under 20 characters, where BenchmarkDotNet's tables truncate.</summary>
public sealed class DicomSample
{
    private readonly string _name;

    private DicomSample(string name, byte[] content)
    {
        _name = name;
        var length = Math.Min(content.Length, DicomHeaderReader.InitialReadLength);
        FirstRead = content[..length];
        IsWholeObject = length == content.Length;
    }

    public byte[] FirstRead { get; }

    public bool IsWholeObject { get; }

    internal static DicomSample Synthetic(string name, SyntheticTransferSyntax syntax) =>
        new(name, SyntheticDicom.Create(SyntheticDicom.NewParameters(modality: "CT", transferSyntax: syntax)));

    internal static DicomSample FromFile(string name, byte[] content) => new(name, content);

    public override string ToString() => _name;
}

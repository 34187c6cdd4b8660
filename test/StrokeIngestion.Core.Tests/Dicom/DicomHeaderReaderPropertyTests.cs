using System.Buffers.Binary;
using System.Reflection;
using CsCheck;
using StrokeIngestion.Core.Dicom;
using StrokeIngestion.Sandbox.Dicom;
using static StrokeIngestion.Core.Tests.Dicom.RawDicom;

namespace StrokeIngestion.Core.Tests.Dicom;

/// <summary>
/// Whatever bytes arrive, the reader returns one of its four outcomes, consistently, and
/// finishes. Each property runs on a worker with a deadline, so a loop that never ends fails
/// the test instead of hanging the run.
/// </summary>
public sealed class DicomHeaderReaderPropertyTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(3);

    private static readonly string[] KnownProblems = typeof(DicomProblems)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => f.GetRawConstantValue())
        .OfType<string>()
        .ToArray();

    private static readonly byte[][] Seeds = BuildSeeds();

    [Fact]
    public async Task Read_WhenGivenRandomBytes_ShouldReturnAConsistentOutcome()
    {
        // Arrange: random bytes, half of them with a DICM prefix and the start of a meta group.
        var gen = Gen.Select(Gen.Byte.Array[0, 1500], Gen.Bool, Gen.Bool, (bytes, dicom, whole) => (Bytes: dicom ? WithDicmPrefix(bytes) : bytes, Whole: whole));

        // Act / Assert
        await Task.Run(() => gen.Sample(sample => AssertConsistent(sample.Bytes, sample.Whole), iter: 50_000, threads: 1)).WaitAsync(Deadline);
    }

    [Fact]
    public async Task Read_WhenGivenMutatedValidFiles_ShouldReturnAConsistentOutcome()
    {
        // Arrange: bit flips, truncations and overwritten length fields on valid files.
        var mutation = Gen.Select(Gen.Int[0, 4], Gen.Int[0, int.MaxValue], Gen.UInt, (kind, position, value) => new Mutation(kind, position, value));
        var gen = Gen.Select(Gen.Int[0, Seeds.Length - 1], mutation.Array[1, 4], Gen.Bool, (seed, mutations, whole) => (Bytes: Mutate(Seeds[seed], mutations), Whole: whole));

        // Act / Assert
        await Task.Run(() => gen.Sample(
            sample =>
            {
                AssertConsistent(sample.Bytes, sample.Whole);
                var (result, _) = ProgressiveRead.Run(sample.Bytes, 200);
                Assert.NotEqual(DicomReadStatus.NeedMoreData, result.Status);
            },
            iter: 50_000,
            threads: 1)).WaitAsync(Deadline);
    }

    private static void AssertConsistent(byte[] bytes, bool whole)
    {
        var result = DicomHeaderReader.Read(bytes, whole);
        switch (result.Status)
        {
            case DicomReadStatus.Ok:
                Assert.NotNull(result.Header);
                Assert.NotEmpty(result.Header.TransferSyntaxUid);
                Assert.Null(result.Problem);
                break;
            case DicomReadStatus.NeedMoreData:
                Assert.False(whole);
                Assert.InRange(result.BytesNeeded, bytes.Length + 1, DicomHeaderReader.MaxHeaderLength);
                Assert.Null(result.Header);
                break;
            default:
                Assert.Contains(result.Problem, KnownProblems);
                Assert.Null(result.Header);
                break;
        }
    }

    private static byte[] WithDicmPrefix(byte[] bytes)
    {
        var meta = Explicit(0x0002_0000, "UL", [0x40, 0, 0, 0]);
        var result = new byte[132 + meta.Length + bytes.Length];
        "DICM"u8.CopyTo(result.AsSpan(128));
        meta.CopyTo(result, 132);
        bytes.CopyTo(result, 132 + meta.Length);
        return result;
    }

    private static byte[] Mutate(byte[] seed, Mutation[] mutations)
    {
        var bytes = (byte[])seed.Clone();
        foreach (var m in mutations)
        {
            if (bytes.Length < 8)
            {
                break;
            }

            // Lengths and tags sit at even offsets in a valid file: aim overwrites there.
            var even = (m.Position % (bytes.Length - 4)) & ~1;
            switch (m.Kind)
            {
                case 0:
                    bytes[m.Position % bytes.Length] ^= (byte)(1 << (int)(m.Value % 8));
                    break;
                case 1:
                    bytes = bytes[..(m.Position % (bytes.Length + 1))];
                    break;
                case 2:
                    BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(even), m.Value);
                    break;
                case 3:
                    BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(even), Undefined);
                    break;
                default:
                    BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(even), (ushort)m.Value);
                    break;
            }
        }

        return bytes;
    }

    private static byte[][] BuildSeeds()
    {
        var seeds = new List<byte[]>();
        foreach (var syntax in Enum.GetValues<SyntheticTransferSyntax>())
        {
            foreach (var decoy in new[] { DecoySequence.DefinedLength, DecoySequence.UndefinedLength })
            {
                var parameters = SyntheticDicom.NewParameters("CT", syntax) with { Decoy = decoy, Rows = 8, Columns = 8, PrivateBlobLength = 40 };
                seeds.Add(SyntheticDicom.Create(parameters));
            }
        }

        // CP-246: an undefined-length UN holding implicit VR items.
        seeds.Add(Part10(ExplicitLittle, Concat(
            Explicit(0x0009_1010, "UN", [], Undefined),
            Item(Implicit(0x0010_0020, Text("DECOY")), undefinedLength: true),
            SequenceDelimiter,
            Explicit(0x0010_0020, "LO", Text("REAL")),
            Explicit(0x0020_000E, "UI", Uid("1.2.3")))));
        return [.. seeds];
    }

    private readonly record struct Mutation(int Kind, int Position, uint Value);
}

using SharpFuzz;
using StrokeIngestion.Core.Dicom;
using StrokeIngestion.Core.Tests.Dicom;

namespace StrokeIngestion.Fuzz;

/// <summary>
/// AFL++ harness for <see cref="DicomHeaderReader.Read"/>: each input is read as a whole object,
/// as a prefix and through the documented caller loop, and <see cref="DicomReadInvariants"/>
/// turns any broken promise into an exception, which SharpFuzz reports to afl-fuzz as a crash.
/// Run by scripts/fuzz-dicom.sh; see fuzz/README.md.
/// </summary>
internal static class Program
{
    private const string Usage = """
        usage:
          dotnet StrokeIngestion.Fuzz.dll                     under afl-fuzz: the fork server; otherwise checks one input from stdin
          dotnet StrokeIngestion.Fuzz.dll describe [FILE...]  prints what the reader made of each input (stdin without FILE), then checks it
          dotnet StrokeIngestion.Fuzz.dll seed DIRECTORY      writes the starting corpus (small valid and crafted files)
        """;

    public static int Main(string[] args)
    {
        switch (args)
        {
            case []:
                // Out of process: a stack overflow or a hang kills only the child that runs the
                // inputs; the fork server starts a new one and afl-fuzz records the input.
                // Without afl-fuzz (no __AFL_SHM_ID) SharpFuzz runs the action once on stdin,
                // with a scratch coverage map, so the instrumented build replays findings too.
                Fuzzer.OutOfProcess.Run(stream => DicomReadInvariants.Check(ReadAll(stream)));
                return 0;
            case ["describe"]:
                var stdinFailed = false;
                Fuzzer.OutOfProcess.Run(stream => stdinFailed = !Describe("stdin", ReadAll(stream)));
                return stdinFailed ? 1 : 0;
            case ["describe", .. var files]:
                // Inside Run only for the scratch coverage map the instrumented build needs.
                var failures = 0;
                Fuzzer.OutOfProcess.Run(_ => failures = files.Count(file => !Describe(Path.GetFileName(file), File.ReadAllBytes(file))));
                return failures == 0 ? 0 : 1;
            case ["seed", var directory]:
                var count = Seeds.Write(directory);
                Console.WriteLine($"wrote {count} seeds to {directory}");
                return 0;
            default:
                Console.Error.WriteLine(Usage);
                return 2;
        }
    }

    private static byte[] ReadAll(Stream stream)
    {
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }

    /// <summary>
    /// One line per input for triage, then the checks; false (with the exception printed) when
    /// the reader throws or breaks an invariant. The patient id is never printed.
    /// </summary>
    private static bool Describe(string name, byte[] data)
    {
        try
        {
            var whole = DicomHeaderReader.Read(data, isWholeObject: true);
            var prefix = DicomHeaderReader.Read(data, isWholeObject: false);
            Console.WriteLine($"{name}: {data.Length} bytes; whole object: {Summary(whole)}; as a prefix: {Summary(prefix)}");
            DicomReadInvariants.Check(data);
            return true;
        }
        catch (Exception exception)
        {
            // A triage tool reports every failure and goes on; under afl-fuzz the default mode runs instead.
            Console.WriteLine($"{name}: {data.Length} bytes; FAILED: {exception}");
            return false;
        }
    }

    private static string Summary(DicomReadResult result) => result.Status switch
    {
        DicomReadStatus.Ok => $"Ok, transfer syntax {Printable(result.Header?.TransferSyntaxUid)}",
        DicomReadStatus.NeedMoreData => $"NeedMoreData, {result.BytesNeeded} bytes",
        _ => $"{result.Status}, {result.Problem}",
    };

    /// <summary>Fuzzed UIDs hold any bytes; keep control characters off the terminal.</summary>
    private static string Printable(string? value) =>
        value is null ? "(none)" : string.Concat(value.Select(c => char.IsControl(c) ? '?' : c));
}

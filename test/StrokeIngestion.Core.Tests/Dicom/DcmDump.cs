using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using StrokeIngestion.Core.Dicom;
using StrokeIngestion.Testing;

namespace StrokeIngestion.Core.Tests.Dicom;

/// <summary>What dcmdump printed for one file: the searched top-level values and any diagnostics.</summary>
internal sealed record DcmDumpResult(int ExitCode, IReadOnlyDictionary<string, string?> TopLevel, IReadOnlyList<string> Diagnostics)
{
    /// <summary>The value of a top-level element by dictionary name; null when absent or empty.</summary>
    public string? Value(string name) => TopLevel.TryGetValue(name, out var value) ? value : null;

    public bool Has(string name) => TopLevel.ContainsKey(name);
}

/// <summary>
/// Runs DCMTK's dcmdump as the reference reader. It searches with <c>+s +p</c> (every instance,
/// prefixed with its sequence path) and keeps only lines without a path: <c>-s</c> alone prints
/// the first instance in depth-first order, which is a nested one whenever a sequence holding the
/// same tag comes earlier in the file.
/// </summary>
internal static partial class DcmDump
{
    public static readonly string[] SearchedNames =
    [
        "PatientID", "StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID", "SOPClassUID",
        "Modality", "TransferSyntaxUID", "MediaStorageSOPClassUID", "MediaStorageSOPInstanceUID",
        "PatientName", "IssuerOfPatientID", "PatientBirthDate", "PatientSex",
    ];

    public static string Require() => ExternalTool.Require("dcmdump", "apt-get install dcmtk");

    /// <param name="quiet">Pass <c>-q</c> (no warnings); without it, diagnostics are collected.</param>
    public static async Task<DcmDumpResult> RunAsync(string dcmdump, string file, bool quiet)
    {
        var start = new ProcessStartInfo(dcmdump)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // dcmdump prints values as raw bytes; Latin-1 maps each byte to one char.
            StandardOutputEncoding = Encoding.Latin1,
            StandardErrorEncoding = Encoding.Latin1,
        };
        if (quiet)
        {
            start.ArgumentList.Add("-q");
        }

        foreach (var argument in new[] { "+s", "+p", "+L", "-Un" })
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var name in SearchedNames)
        {
            start.ArgumentList.Add("+P");
            start.ArgumentList.Add(name);
        }

        start.ArgumentList.Add(file);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("dcmdump did not start");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        var output = await stdout;
        var errors = await stderr;

        var topLevel = new Dictionary<string, string?>(StringComparer.Ordinal);
        var diagnostics = new List<string>();
        foreach (var line in (output + "\n" + errors).Split('\n'))
        {
            if (line.StartsWith("W:", StringComparison.Ordinal) || line.StartsWith("E:", StringComparison.Ordinal) || line.StartsWith("F:", StringComparison.Ordinal))
            {
                diagnostics.Add(line);
                continue;
            }

            var match = TopLevelLine().Match(line);
            if (match.Success)
            {
                var name = match.Groups["name"].Value;
                var value = match.Groups["value"].Success ? match.Groups["value"].Value
                    : match.Groups["hex"].Success ? FromHex(match.Groups["hex"].Value)
                    : null;
                topLevel[name] = Normalize(value, trimLeading: match.Groups["vr"].Value is "CS" or "LO" or "DA" || name is "Modality" or "PatientID" or "IssuerOfPatientID" or "PatientSex" or "PatientBirthDate");
            }
        }

        return new DcmDumpResult(process.ExitCode, topLevel, diagnostics);
    }

    /// <summary>Values of VR UN print as hex bytes (<c>69\64\31</c>).</summary>
    private static string FromHex(string hex) =>
        Encoding.Latin1.GetString(Convert.FromHexString(hex.Replace("\\", string.Empty, StringComparison.Ordinal)));

    /// <summary>The reader's padding rules, applied to dcmdump's text so both sides compare alike.</summary>
    private static string? Normalize(string? value, bool trimLeading)
    {
        if (value is null)
        {
            return null;
        }

        value = value.TrimEnd(' ', '\0');
        if (trimLeading)
        {
            value = value.TrimStart(' ');
        }

        return value.Length == 0 ? null : value;
    }

    // A top-level line starts with the tag and a space; nested ones continue with ".(".
    [GeneratedRegex(@"^\([0-9a-f]{4},[0-9a-f]{4}\) (?<vr>[A-Z?]{2}) (?:\[(?<value>.*)\]|(?<hex>[0-9a-f]{2}(?:\\[0-9a-f]{2})*)|\(no value available\))\s+#\s*\d+,\s*\d+ (?<name>\w+)$")]
    private static partial Regex TopLevelLine();
}

/// <summary>Reads an object the way the upload handler does: a prefix first, then what the reader asks for.</summary>
internal static class ProgressiveRead
{
    public static (DicomReadResult Result, int Rounds) Run(byte[] file, int firstLength)
    {
        var length = Math.Min(firstLength, file.Length);
        for (var rounds = 0; ; rounds++)
        {
            var result = DicomHeaderReader.Read(file.AsSpan(0, length), length == file.Length);
            if (result.Status != DicomReadStatus.NeedMoreData)
            {
                return (result, rounds);
            }

            if (result.BytesNeeded <= length || rounds > 64)
            {
                throw new InvalidOperationException($"The reader asked for {result.BytesNeeded} bytes after {length} (round {rounds}).");
            }

            length = Math.Min(result.BytesNeeded, file.Length);
        }
    }
}

using StrokeIngestion.Core.Dicom;

namespace StrokeIngestion.Core.Tests.Dicom;

/// <summary>
/// Replays every input kept in Dicom/FuzzRegressions/: whatever crashed or hung the reader under
/// AFL++ (scripts/fuzz-dicom.sh copies those there) and queue entries that reach its deep paths.
/// Each must pass <see cref="DicomReadInvariants"/>, the checks the fuzzer applies, and finish.
/// </summary>
public sealed class DicomHeaderReaderFuzzRegressionTests
{
    /// <summary>Not a speed limit: a reader that has not finished a few KiB by then is looping.</summary>
    private static readonly TimeSpan HangDeadline = TimeSpan.FromSeconds(30);

    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "Dicom", "FuzzRegressions");

    public static TheoryData<string> Inputs()
    {
        var data = new TheoryData<string>();
        foreach (var name in InputNames())
        {
            data.Add(name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public async Task Read_WhenGivenAKeptFuzzInput_ShouldKeepEveryInvariantAndFinish(string input)
    {
        // Arrange
        var bytes = await File.ReadAllBytesAsync(Path.Combine(Folder, input));

        // Act
        var check = RunOnOwnThread(() =>
        {
            DicomReadInvariants.Check(bytes);
            return bytes.Length;
        });

        // Assert: an invariant breaks as InvalidOperationException, any other exception is the
        // reader throwing, and TimeoutException is a hang.
        await check.WaitAsync(HangDeadline);
    }

    [Fact]
    public async Task Inputs_WhenReadAsWholeObjects_ShouldReachTheReadersDeepPaths()
    {
        // Arrange: the kept queue entries document what the fuzzer reached; if they are lost
        // or stop reaching it, the replay above proves much less.
        var inputs = await Task.WhenAll(InputNames().Select(name => File.ReadAllBytesAsync(Path.Combine(Folder, name))));

        // Act
        var results = await RunOnOwnThread(() => inputs.Select(bytes => DicomHeaderReader.Read(bytes, isWholeObject: true)).ToList())
            .WaitAsync(HangDeadline);
        var syntaxesRead = results
            .Where(r => r.Status == DicomReadStatus.Ok)
            .Select(r => r.Header?.TransferSyntaxUid)
            .ToHashSet(StringComparer.Ordinal);
        var problems = results
            .Where(r => r.Status == DicomReadStatus.Malformed)
            .Select(r => r.Problem)
            .ToHashSet(StringComparer.Ordinal);

        // Assert
        Assert.True(results.Count >= 10, $"Expected at least 10 kept inputs in {Folder}, found {results.Count}.");
        Assert.Superset(
            new HashSet<string?>(StringComparer.Ordinal)
            {
                TransferSyntaxes.ImplicitVrLittleEndian,
                TransferSyntaxes.ExplicitVrLittleEndian,
                TransferSyntaxes.ExplicitVrBigEndian,
                TransferSyntaxes.DeflatedExplicitVrLittleEndian,
            },
            syntaxesRead);
        Assert.Contains(DicomProblems.TooDeeplyNested, problems);
    }

    /// <summary>
    /// A looping reader cannot be stopped in-process. On a background thread of its own it
    /// fails its test by the deadline without taking a thread-pool thread (with every pool
    /// thread spinning on a busy machine, the pool adds none and the run stalls) and without
    /// keeping the test host alive at the end.
    /// </summary>
    private static Task<T> RunOnOwnThread<T>(Func<T> function)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                done.SetResult(function());
            }
            catch (Exception exception)
            {
                done.SetException(exception);
            }
        })
        {
            IsBackground = true,
            Name = "fuzz regression replay",
        };
        thread.Start();
        return done.Task;
    }

    private static IEnumerable<string> InputNames() =>
        Directory.EnumerateFiles(Folder)
            .Select(Path.GetFileName)
            .OfType<string>()
            .Where(name => !name.EndsWith(".md", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal);
}

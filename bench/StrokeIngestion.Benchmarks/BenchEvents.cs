namespace StrokeIngestion.Benchmarks;

/// <summary>The API Gateway events under <c>bench/events/</c>, shared with the cold-start script.</summary>
internal static class BenchEvents
{
    public const string UploadCtSlice = "upload-ct-slice.json";

    /// <summary>The Idempotency-Key in the event files: <see cref="KeyPrefix"/> and 20 digits that each request replaces.</summary>
    public const string KeyPrefix = "bench-";

    public const int KeyDigits = 20;

    public static byte[] Load(string name)
    {
        using var stream = typeof(BenchEvents).Assembly.GetManifestResourceStream("events/" + name)
            ?? throw new InvalidOperationException($"The event '{name}' is not embedded in the benchmark assembly.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}

namespace StrokeIngestion.Sandbox.HealthImaging;

/// <summary>The import API operations the emulator serves.</summary>
internal enum HealthImagingOperation
{
    StartDICOMImportJob,
    GetDICOMImportJob,
    ListDICOMImportJobs,
}

/// <summary>
/// Faults injected into one operation before it runs. Rates are probabilities in [0, 1] drawn
/// from the emulator's seeded <see cref="Random"/>, so a run is repeatable.
/// </summary>
internal sealed record OperationFaults
{
    public static OperationFaults None { get; } = new();

    /// <summary>Share of requests answered 429 ThrottlingException.</summary>
    public double ThrottleRate { get; init; }

    /// <summary>Share of the remaining requests answered 500 InternalServerException.</summary>
    public double ServerErrorRate { get; init; }

    /// <summary>Delay (on the emulator's TimeProvider) before the request is answered.</summary>
    public TimeSpan AddedLatency { get; init; }
}

/// <summary>
/// Fault knobs, replaced as a whole at runtime (<c>emulator.Faults = emulator.Faults with { … }</c>).
/// </summary>
internal sealed record HealthImagingFaults
{
    public static HealthImagingFaults None { get; } = new();

    public OperationFaults Start { get; init; } = OperationFaults.None;

    public OperationFaults Get { get; init; } = OperationFaults.None;

    public OperationFaults List { get; init; } = OperationFaults.None;

    /// <summary>The next N newly created jobs end FAILED (their files count as server errors).</summary>
    public int FailNextJobs { get; init; }

    /// <summary>The <c>message</c> a job failed by <see cref="FailNextJobs"/> reports.</summary>
    public string FailedJobMessage { get; init; } = "Import job failed due to an internal error";

    /// <summary>The same faults on every operation.</summary>
    public static HealthImagingFaults ForAllOperations(OperationFaults faults) =>
        new() { Start = faults, Get = faults, List = faults };

    public OperationFaults For(HealthImagingOperation operation) => operation switch
    {
        HealthImagingOperation.StartDICOMImportJob => Start,
        HealthImagingOperation.GetDICOMImportJob => Get,
        HealthImagingOperation.ListDICOMImportJobs => List,
        _ => throw new ArgumentOutOfRangeException(nameof(operation), operation, null),
    };
}

namespace StrokeIngestion.Sandbox.HealthImaging;

/// <summary>
/// Decides whether one input object is an importable DICOM P10 instance. The emulator stays
/// independent of the project's DICOM reader: the host passes an adapter over it.
/// </summary>
internal interface IDicomInstanceInspector
{
    /// <summary>
    /// Inspects a whole object. Failure messages end up in <c>failure.ndjson</c>, so they must
    /// never contain DICOM values (patient identifiers are PHI).
    /// </summary>
    DicomInstanceCheck Inspect(byte[] file);
}

/// <summary>The identifying attributes of one instance, as the grouping rules need them.</summary>
internal sealed record DicomInstanceIdentity(
    string PatientId,
    string StudyInstanceUid,
    string SeriesInstanceUid,
    string SopInstanceUid,
    string TransferSyntax);

/// <summary>Why a file was rejected, as HealthImaging writes it to <c>failure.ndjson</c>.</summary>
internal sealed record DicomImportFailure(string ExceptionType, string Message);

/// <summary>Outcome of <see cref="IDicomInstanceInspector.Inspect"/>: exactly one of the two is set.</summary>
internal sealed record DicomInstanceCheck
{
    private DicomInstanceCheck(DicomInstanceIdentity? instance, DicomImportFailure? failure)
    {
        Instance = instance;
        Failure = failure;
    }

    public DicomInstanceIdentity? Instance { get; }

    public DicomImportFailure? Failure { get; }

    public static DicomInstanceCheck Valid(DicomInstanceIdentity instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        return new DicomInstanceCheck(instance, null);
    }

    /// <summary>A customer error; HealthImaging reports these as <c>ValidationException</c>.</summary>
    public static DicomInstanceCheck Invalid(string message, string exceptionType = "ValidationException") =>
        new(null, new DicomImportFailure(exceptionType, message));
}

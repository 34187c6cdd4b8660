using StrokeIngestion.Core.Dicom;
using StrokeIngestion.Core.Ports;
using StrokeIngestion.Core.Resilience;

namespace StrokeIngestion.Core.Upload;

/// <summary>
/// Reads just enough of an object (ranged GETs, growing only when the header needs it) to
/// check DICOM Part 10 and take its identifying header values.
/// </summary>
internal static class DicomObjectInspector
{
    /// <summary>Never read more than this for a header; real headers are a few KiB.</summary>
    internal const int MaxHeaderBytes = 8 * 1024 * 1024;

    public static async Task<(DicomHeader? Header, UploadError? Error)> InspectAsync(
        IObjectStore objects,
        StoredObject source,
        RetryPolicy retry,
        CancellationToken cancellationToken)
    {
        var length = (int)Math.Min(source.Size, DicomHeaderReader.InitialReadLength);
        while (true)
        {
            var wanted = length;
            var data = await retry.RunAsync(ct => objects.ReadRangeAsync(source, 0, wanted, ct), cancellationToken);
            var whole = data.Length >= source.Size || data.Length < wanted;
            var result = DicomHeaderReader.Read(data, whole);
            switch (result.Status)
            {
                case DicomReadStatus.Ok when result.Header is { } header:
                    return (header, null);
                case DicomReadStatus.NotDicom:
                    return (null, UploadErrors.NotDicom());
                case DicomReadStatus.NeedMoreData when !whole && result.BytesNeeded > data.Length && result.BytesNeeded <= MaxHeaderBytes:
                    length = (int)Math.Min(source.Size, result.BytesNeeded);
                    break;
                case DicomReadStatus.NeedMoreData:
                    return (null, UploadErrors.MalformedDicom(whole ? "truncated" : "header_too_large"));
                default:
                    return (null, UploadErrors.MalformedDicom(result.Problem ?? "unreadable"));
            }
        }
    }
}

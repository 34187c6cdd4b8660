using System.Globalization;
using Amazon.S3;
using Amazon.S3.Model;
using StrokeIngestion.Sandbox.Dicom;

namespace StrokeIngestion.Sandbox.Proof;

/// <summary>
/// One upload of a proof run: the objects a clinician's tool put into <c>uploads/</c> and the
/// request it then sends. Everything the pipeline must end up holding is known here, so the
/// audit can tell "consistent with its input" from "something happened".
/// </summary>
/// <param name="FileKey">The request's <c>file_key</c>: one object, or a folder ending in <c>/</c>.</param>
/// <param name="IdempotencyKey">Sent with every attempt of this upload.</param>
/// <param name="SopInstanceUids">Every instance uploaded: the image sets of a READY study must hold exactly these.</param>
internal sealed record ProofStudy(
    int Index,
    string FileKey,
    string PatientId,
    string Modality,
    string IdempotencyKey,
    string StudyInstanceUid,
    IReadOnlyList<string> SeriesInstanceUids,
    IReadOnlyList<string> SopInstanceUids)
{
    /// <summary>The request's <c>priority</c> (<c>urgent</c> / <c>routine</c>); null sends none (the API's default).</summary>
    public string? Priority { get; init; }

    public int FileCount => SopInstanceUids.Count;

    public bool IsFolder => FileKey.EndsWith('/');
}

/// <summary>Generates distinct small studies (synthetic identifiers only) and puts their objects into the upload bucket.</summary>
internal static class ProofStudies
{
    private const int UploadParallelism = 8;

    /// <summary>
    /// <paramref name="count"/> studies under <c>uploads/&lt;runId&gt;/</c>: two in three a single
    /// file, every third a folder of 2–4 slices in one or two series; CT and MR alternate.
    /// </summary>
    public static IReadOnlyList<ProofStudy> Generate(string runId, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var studies = new List<ProofStudy>(count);
        for (var i = 0; i < count; i++)
        {
            var name = string.Create(CultureInfo.InvariantCulture, $"study-{i:D4}");
            var folder = i % 3 == 2;
            var files = folder ? 2 + (i / 3 % 3) : 1;
            var seriesCount = folder && files >= 3 ? 2 : 1;
            var series = Enumerable.Range(0, seriesCount).Select(_ => SyntheticDicom.NewUid()).ToList();
            studies.Add(new ProofStudy(
                i,
                folder ? $"uploads/{runId}/{name}/" : $"uploads/{runId}/{name}.dcm",
                string.Create(CultureInfo.InvariantCulture, $"PROOF-{i:D5}"),
                i % 2 == 0 ? "CT" : "MR",
                $"{runId}-{name}",
                SyntheticDicom.NewUid(),
                series,
                Enumerable.Range(0, files).Select(_ => SyntheticDicom.NewUid()).ToList()));
        }

        return studies;
    }

    /// <summary>Writes every study's objects (never through a fault proxy: the upload to S3 is the client's business).</summary>
    public static Task PutAsync(IAmazonS3 s3, string bucket, IReadOnlyList<ProofStudy> studies, CancellationToken cancellationToken) =>
        Parallel.ForEachAsync(
            studies.SelectMany(study => Enumerable.Range(0, study.FileCount).Select(file => (Study: study, File: file))),
            new ParallelOptions { MaxDegreeOfParallelism = UploadParallelism, CancellationToken = cancellationToken },
            async (item, ct) =>
            {
                var (study, file) = item;
                var bytes = SyntheticDicom.Create(new SyntheticDicomParameters
                {
                    PatientId = study.PatientId,
                    Modality = study.Modality,
                    StudyInstanceUid = study.StudyInstanceUid,
                    SeriesInstanceUid = study.SeriesInstanceUids[file % study.SeriesInstanceUids.Count],
                    SopInstanceUid = study.SopInstanceUids[file],
                    InstanceNumber = file + 1,
                    Rows = 32,
                    Columns = 32,
                });
                var key = study.IsFolder
                    ? string.Create(CultureInfo.InvariantCulture, $"{study.FileKey}slice-{file + 1:D3}.dcm")
                    : study.FileKey;
                await s3.PutObjectAsync(
                    new PutObjectRequest { BucketName = bucket, Key = key, InputStream = new MemoryStream(bytes), UseChunkEncoding = false },
                    ct);
            });
}

using System.Text;
using System.Text.Json;

namespace StrokeIngestion.Sandbox.HealthImaging;

/// <summary>
/// Runs an ended job: reads every object under its input prefix, inspects each, places valid
/// instances into image sets and writes the job output (manifest, SUCCESS, FAILURE) to S3.
/// </summary>
/// <remarks>
/// Outcomes: no input object → FAILED; more than <see cref="HealthImagingEmulatorOptions.MaxFilesPerJob"/>
/// objects or more than <see cref="HealthImagingEmulatorOptions.MaxBytesPerJob"/> bytes → FAILED
/// (what the service does: the start succeeds and the job fails); a forced failure → FAILED with every file reported as a server error;
/// otherwise COMPLETED even when some files failed (the API reference: "jobStatus refers to the
/// execution of the import job … can return COMPLETED even if validation issues are discovered"),
/// and <see cref="HealthImagingEmulatorOptions.AllFilesFailedStatus"/> when none imported.
/// A FAILED job still writes its manifest (and failure.ndjson when a file failed).
/// </remarks>
internal sealed class ImportJobProcessor
{
    private const string ServerErrorType = "InternalServerException";

    private readonly HealthImagingEmulatorOptions _options;
    private readonly IImportObjectStorage _storage;
    private readonly IDicomInstanceInspector _inspector;
    private readonly ImageSetCatalog _catalog;

    public ImportJobProcessor(
        HealthImagingEmulatorOptions options,
        IImportObjectStorage storage,
        IDicomInstanceInspector inspector,
        ImageSetCatalog catalog)
    {
        _options = options;
        _storage = storage;
        _inspector = inspector;
        _catalog = catalog;
    }

    public async Task<ImportJobOutcome> ProcessAsync(ImportJob job, CancellationToken cancellationToken)
    {
        var input = S3Location.Parse(job.Parameters.InputS3Uri);
        var output = S3Location.Parse(job.ResolvedOutputS3Uri);

        IReadOnlyList<StoredObject> objects;
        try
        {
            objects = await _storage.ListAsync(input.Bucket, input.Key, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return await EndWithoutFilesAsync(job, output, "Unable to list the objects under inputS3Uri", cancellationToken);
        }

        var keys = objects.Select(o => o.Key).ToList();
        if (keys.Count == 0)
        {
            return await EndWithoutFilesAsync(job, output, "No DICOM P10 files were found under inputS3Uri", cancellationToken);
        }

        if (keys.Count > _options.MaxFilesPerJob)
        {
            return await EndWithoutFilesAsync(
                job,
                output,
                $"FILE_COUNTS_LIMIT_EXCEEDED: the input holds more than {_options.MaxFilesPerJob} files",
                cancellationToken);
        }

        if (objects.Sum(o => o.Size) > _options.MaxBytesPerJob)
        {
            return await EndWithoutFilesAsync(
                job,
                output,
                $"FILE_SIZE_LIMIT_EXCEEDED: the input holds more than {_options.MaxBytesPerJob} bytes",
                cancellationToken);
        }

        var failures = new List<FailureLine>();
        var valid = new List<(string InputFile, DicomInstanceIdentity Instance)>();
        var serverErrors = 0;
        foreach (var key in keys)
        {
            if (job.ForcedFailure)
            {
                failures.Add(new FailureLine(key, new ImportException(ServerErrorType, "The file was not imported because the job failed")));
                serverErrors++;
                continue;
            }

            byte[] content;
            try
            {
                content = await _storage.ReadAsync(input.Bucket, key, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                failures.Add(new FailureLine(key, new ImportException(ServerErrorType, "Unable to read the input file")));
                serverErrors++;
                continue;
            }

            DicomInstanceCheck check;
            try
            {
                check = _inspector.Inspect(content);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // An inspector bug is the service's fault, not the customer's.
                failures.Add(new FailureLine(key, new ImportException(ServerErrorType, "Unable to inspect the input file")));
                serverErrors++;
                continue;
            }

            if (check.Instance is { } instance)
            {
                valid.Add((key, instance));
            }
            else
            {
                var failure = check.Failure ?? new DicomImportFailure("ValidationException", "The file is not a valid DICOM P10 instance");
                failures.Add(new FailureLine(key, new ImportException(failure.ExceptionType, failure.Message)));
            }
        }

        var placed = valid.Count > 0 ? _catalog.Import(valid) : new CatalogImport([], []);
        var summary = new JobOutputSummary(
            job.JobId,
            job.Parameters.DatastoreId,
            job.Parameters.InputS3Uri,
            job.ResolvedOutputS3Uri,
            job.ResolvedOutputS3Uri + "SUCCESS/",
            job.ResolvedOutputS3Uri + "FAILURE/",
            job.ResolvedOutputS3Uri + "WARNING/",
            keys.Count,
            valid.Count,
            failures.Count - serverErrors,
            serverErrors,
            placed.ImageSets.Count,
            placed.ImageSets);

        var successes = placed.Placements
            .Select(p => new SuccessLine(p.InputFile, new ImportResponse(p.ImageSetId, p.IsPrimary)))
            .ToList();

        var status = job.ForcedFailure ? ImportJobStatuses.Failed
            : valid.Count == 0 ? _options.AllFilesFailedStatus
            : ImportJobStatuses.Completed;
        var message = job.ForcedFailure ? job.ForcedFailureMessage
            : status == ImportJobStatuses.Failed ? "None of the input files could be imported"
            : null;

        try
        {
            await WriteOutputAsync(output, summary, successes, failures, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return new ImportJobOutcome(ImportJobStatuses.Failed, "Unable to write the job output to outputS3Uri", summary);
        }

        return new ImportJobOutcome(status, message, summary);
    }

    private async Task<ImportJobOutcome> EndWithoutFilesAsync(ImportJob job, S3Location output, string message, CancellationToken cancellationToken)
    {
        var summary = new JobOutputSummary(
            job.JobId,
            job.Parameters.DatastoreId,
            job.Parameters.InputS3Uri,
            job.ResolvedOutputS3Uri,
            job.ResolvedOutputS3Uri + "SUCCESS/",
            job.ResolvedOutputS3Uri + "FAILURE/",
            job.ResolvedOutputS3Uri + "WARNING/",
            0,
            0,
            0,
            0,
            0,
            []);
        try
        {
            await WriteOutputAsync(output, summary, [], [], cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The job fails either way; a missing output bucket only loses the manifest.
        }

        return new ImportJobOutcome(ImportJobStatuses.Failed, message, summary);
    }

    private async Task WriteOutputAsync(
        S3Location output,
        JobOutputSummary summary,
        List<SuccessLine> successes,
        List<FailureLine> failures,
        CancellationToken cancellationToken)
    {
        // The manifest goes last: a client that sees it can rely on the ndjson files being there.
        await _storage.WriteAsync(output.Bucket, output.Key + "SUCCESS/success.ndjson", Ndjson(successes), "application/x-ndjson", cancellationToken);
        if (failures.Count > 0)
        {
            await _storage.WriteAsync(output.Bucket, output.Key + "FAILURE/failure.ndjson", Ndjson(failures), "application/x-ndjson", cancellationToken);
        }

        var manifest = JsonSerializer.SerializeToUtf8Bytes(new JobOutputManifest(summary), HealthImagingJson.Options);
        await _storage.WriteAsync(output.Bucket, output.Key + "job-output-manifest.json", manifest, "application/json", cancellationToken);
    }

    private static byte[] Ndjson<T>(List<T> lines)
    {
        var text = new StringBuilder();
        foreach (var line in lines)
        {
            text.Append(JsonSerializer.Serialize(line, HealthImagingJson.Options)).Append('\n');
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }
}

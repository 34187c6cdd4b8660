using StrokeIngestion.Core.Admission;
using StrokeIngestion.Core.Ports;

namespace StrokeIngestion.Core.Upload;

/// <summary>What the request path needs to queue a study instead of starting it: the queue and the admission ledger (for the estimate).</summary>
public sealed record ImportQueueing(IImportBacklog Queue, AdmissionController Admission);

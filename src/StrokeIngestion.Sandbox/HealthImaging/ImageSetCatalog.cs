namespace StrokeIngestion.Sandbox.HealthImaging;

/// <summary>
/// The datastore's image sets, kept across import jobs, and the rule that places imported
/// instances into them.
/// </summary>
/// <remarks>
/// <para>
/// The HealthImaging developer guide ("Understanding image sets", "Understanding import jobs")
/// says an image set resembles a DICOM series; the service organises instances by the
/// Study UID / Series UID / Instance UID hierarchy; instances of one series, imported in one job
/// or in several, end up in one <em>primary</em> image set as long as they do not conflict with
/// what is already stored; re-importing an instance overwrites it in the primary image set and
/// increments that image set's version; data whose metadata conflicts with an existing primary
/// image set is stored as a <em>non-primary</em> image set (<c>isPrimary: false</c>). Conflicts are
/// judged on patient-, study- and series-level elements (Patient ID, Study Instance UID, Study ID,
/// Study Date, Accession Number, Series Instance UID, Series Number).
/// </para>
/// <para>
/// The emulator only learns Patient ID, Study/Series/SOP Instance UIDs from its inspector, so it
/// implements this rule:
/// </para>
/// <list type="number">
/// <item>The primary image set of a series is keyed by (Study Instance UID, Series Instance UID).</item>
/// <item>An instance conflicts when that series' primary image set has another Patient ID, or
/// when its SOP Instance UID is already held by a primary image set of another patient, study
/// or series.</item>
/// <item>A non-conflicting instance joins its series' primary image set, created on first use
/// (version 1). An existing primary image set that receives instances gains one version per job.</item>
/// <item>Conflicting instances of one job go to a new non-primary image set per
/// (study, series, patient) — never merged with earlier jobs' data.</item>
/// <item>Within a job instances are placed in input-key order, so the first of two contradicting
/// files wins the primary image set — a deterministic stand-in for the service's unspecified order.</item>
/// </list>
/// </remarks>
internal sealed class ImageSetCatalog
{
    private readonly Func<string> _newId;
    private readonly List<ImageSet> _imageSets = [];
    private readonly Dictionary<(string Study, string Series), ImageSet> _primaryBySeries = [];
    private readonly Dictionary<string, ImageSet> _primaryBySopInstance = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public ImageSetCatalog(Func<string> newId)
    {
        _newId = newId;
    }

    /// <summary>A snapshot of every image set in the datastore, oldest first.</summary>
    public IReadOnlyList<ImageSetSnapshot> Snapshot()
    {
        lock (_gate)
        {
            return _imageSets.Select(s => s.ToSnapshot()).ToList();
        }
    }

    /// <summary>Places one job's valid instances; the result lists placements in input order.</summary>
    public CatalogImport Import(IReadOnlyList<(string InputFile, DicomInstanceIdentity Instance)> instances)
    {
        lock (_gate)
        {
            var touched = new List<ImageSet>();
            var matched = new Dictionary<ImageSet, int>();
            var createdThisJob = new HashSet<ImageSet>();
            var nonPrimaryByGroup = new Dictionary<(string Study, string Series, string Patient), ImageSet>();
            var placements = new Dictionary<string, InstancePlacement>(StringComparer.Ordinal);

            foreach (var (inputFile, instance) in instances.OrderBy(i => i.InputFile, StringComparer.Ordinal))
            {
                var seriesKey = (instance.StudyInstanceUid, instance.SeriesInstanceUid);
                ImageSet target;
                if (!Conflicts(instance))
                {
                    if (!_primaryBySeries.TryGetValue(seriesKey, out var primary))
                    {
                        primary = Create(instance, isPrimary: true);
                        _primaryBySeries[seriesKey] = primary;
                        createdThisJob.Add(primary);
                    }
                    else if (!createdThisJob.Contains(primary) && !matched.ContainsKey(primary))
                    {
                        primary.Version++;
                    }

                    _primaryBySopInstance[instance.SopInstanceUid] = primary;
                    target = primary;
                }
                else
                {
                    var groupKey = (instance.StudyInstanceUid, instance.SeriesInstanceUid, instance.PatientId);
                    if (!nonPrimaryByGroup.TryGetValue(groupKey, out var nonPrimary))
                    {
                        nonPrimary = Create(instance, isPrimary: false);
                        nonPrimaryByGroup[groupKey] = nonPrimary;
                        createdThisJob.Add(nonPrimary);
                    }

                    target = nonPrimary;
                }

                target.SopInstanceUids.Add(instance.SopInstanceUid);
                if (matched.TryGetValue(target, out var count))
                {
                    matched[target] = count + 1;
                }
                else
                {
                    matched[target] = 1;
                    touched.Add(target);
                }

                placements[inputFile] = new InstancePlacement(inputFile, target.Id, target.IsPrimary);
            }

            return new CatalogImport(
                instances.Select(i => placements[i.InputFile]).ToList(),
                touched.Select(s => new ImageSetSummary(s.Id, s.Version, s.IsPrimary, matched[s])).ToList());
        }
    }

    private bool Conflicts(DicomInstanceIdentity instance)
    {
        if (_primaryBySeries.TryGetValue((instance.StudyInstanceUid, instance.SeriesInstanceUid), out var primary)
            && !string.Equals(primary.PatientId, instance.PatientId, StringComparison.Ordinal))
        {
            return true;
        }

        return _primaryBySopInstance.TryGetValue(instance.SopInstanceUid, out var holder)
            && !(string.Equals(holder.PatientId, instance.PatientId, StringComparison.Ordinal)
                && string.Equals(holder.StudyInstanceUid, instance.StudyInstanceUid, StringComparison.Ordinal)
                && string.Equals(holder.SeriesInstanceUid, instance.SeriesInstanceUid, StringComparison.Ordinal));
    }

    private ImageSet Create(DicomInstanceIdentity instance, bool isPrimary)
    {
        var imageSet = new ImageSet(_newId(), instance.PatientId, instance.StudyInstanceUid, instance.SeriesInstanceUid, isPrimary);
        _imageSets.Add(imageSet);
        return imageSet;
    }

    private sealed class ImageSet(string id, string patientId, string studyInstanceUid, string seriesInstanceUid, bool isPrimary)
    {
        public string Id { get; } = id;

        public string PatientId { get; } = patientId;

        public string StudyInstanceUid { get; } = studyInstanceUid;

        public string SeriesInstanceUid { get; } = seriesInstanceUid;

        public bool IsPrimary { get; } = isPrimary;

        public int Version { get; set; } = 1;

        public HashSet<string> SopInstanceUids { get; } = new(StringComparer.Ordinal);

        public ImageSetSnapshot ToSnapshot() =>
            new(Id, Version, IsPrimary, PatientId, StudyInstanceUid, SeriesInstanceUid, SopInstanceUids.Order(StringComparer.Ordinal).ToList());
    }
}

/// <summary>Where one input file's instance was stored.</summary>
internal sealed record InstancePlacement(string InputFile, string ImageSetId, bool IsPrimary);

/// <summary>One job's placements and the image sets it created or updated (manifest order).</summary>
internal sealed record CatalogImport(IReadOnlyList<InstancePlacement> Placements, IReadOnlyList<ImageSetSummary> ImageSets);

/// <summary>An image set as the datastore holds it, for assertions.</summary>
internal sealed record ImageSetSnapshot(
    string ImageSetId,
    int Version,
    bool IsPrimary,
    string PatientId,
    string StudyInstanceUid,
    string SeriesInstanceUid,
    IReadOnlyList<string> SopInstanceUids);

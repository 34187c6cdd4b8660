using StrokeIngestion.Sandbox.HealthImaging;

namespace StrokeIngestion.EndToEnd.Tests.HealthImaging;

public sealed class ImageSetCatalogTests
{
    private const string Study = "1.2.826.0.1.1";
    private const string SeriesA = "1.2.826.0.1.1.1";
    private const string SeriesB = "1.2.826.0.1.1.2";

    private int _ids;

    [Fact]
    public void Import_WhenOneJobHoldsTwoSeries_ShouldCreateOnePrimaryImageSetPerSeries()
    {
        var catalog = NewCatalog();

        var result = catalog.Import(
        [
            ("in/a1.dcm", Instance("P1", Study, SeriesA, "1.1")),
            ("in/a2.dcm", Instance("P1", Study, SeriesA, "1.2")),
            ("in/b1.dcm", Instance("P1", Study, SeriesB, "2.1")),
        ]);

        Assert.Equal(2, result.ImageSets.Count);
        Assert.All(result.ImageSets, s => Assert.True(s.IsPrimary));
        Assert.Equal([2, 1], result.ImageSets.Select(s => s.NumberOfMatchedSopInstances));
        Assert.Equal(result.Placements[0].ImageSetId, result.Placements[1].ImageSetId);
        Assert.NotEqual(result.Placements[0].ImageSetId, result.Placements[2].ImageSetId);
    }

    [Fact]
    public void Import_WhenIdenticalInstancesAreImportedAgain_ShouldMatchTheSamePrimaryAndBumpItsVersion()
    {
        var catalog = NewCatalog();
        var first = catalog.Import([("in/a1.dcm", Instance("P1", Study, SeriesA, "1.1"))]);

        var again = catalog.Import([("other/a1.dcm", Instance("P1", Study, SeriesA, "1.1"))]);

        var summary = Assert.Single(again.ImageSets);
        Assert.Equal(first.ImageSets[0].ImageSetId, summary.ImageSetId);
        Assert.True(summary.IsPrimary);
        Assert.Equal(2, summary.ImageSetVersion);
        Assert.Single(catalog.Snapshot());
    }

    [Fact]
    public void Import_WhenALaterJobAddsInstancesToAKnownSeries_ShouldGrowThatPrimaryImageSet()
    {
        var catalog = NewCatalog();
        var first = catalog.Import([("in/a1.dcm", Instance("P1", Study, SeriesA, "1.1"))]);

        var later = catalog.Import(
        [
            ("in2/a2.dcm", Instance("P1", Study, SeriesA, "1.2")),
            ("in2/a3.dcm", Instance("P1", Study, SeriesA, "1.3")),
        ]);

        var summary = Assert.Single(later.ImageSets);
        Assert.Equal(first.ImageSets[0].ImageSetId, summary.ImageSetId);
        Assert.Equal(2, summary.ImageSetVersion);
        Assert.Equal(2, summary.NumberOfMatchedSopInstances);
        Assert.Equal(["1.1", "1.2", "1.3"], Assert.Single(catalog.Snapshot()).SopInstanceUids);
    }

    [Fact]
    public void Import_WhenSeriesArrivesWithAnotherPatientId_ShouldStoreItAsNonPrimary()
    {
        var catalog = NewCatalog();
        var first = catalog.Import([("in/a1.dcm", Instance("P1", Study, SeriesA, "1.1"))]);

        var conflicting = catalog.Import([("in2/a1.dcm", Instance("P2", Study, SeriesA, "1.1"))]);

        var summary = Assert.Single(conflicting.ImageSets);
        Assert.NotEqual(first.ImageSets[0].ImageSetId, summary.ImageSetId);
        Assert.False(summary.IsPrimary);
        Assert.Equal(1, summary.ImageSetVersion);
        Assert.False(Assert.Single(conflicting.Placements).IsPrimary);
        var primary = catalog.Snapshot().Single(s => s.IsPrimary);
        Assert.Equal(1, primary.Version);
        Assert.Equal("P1", primary.PatientId);
    }

    [Fact]
    public void Import_WhenSopInstanceUidIsReusedInAnotherSeries_ShouldStoreItAsNonPrimary()
    {
        var catalog = NewCatalog();
        catalog.Import([("in/a1.dcm", Instance("P1", Study, SeriesA, "1.1"))]);

        var reused = catalog.Import([("in2/b1.dcm", Instance("P1", Study, SeriesB, "1.1"))]);

        Assert.False(Assert.Single(reused.ImageSets).IsPrimary);
        Assert.DoesNotContain(catalog.Snapshot(), s => s.IsPrimary && s.SeriesInstanceUid == SeriesB);
    }

    [Fact]
    public void Import_WhenOneJobContradictsItself_ShouldGiveThePrimaryToTheFirstKeyAndKeepTheRestNonPrimary()
    {
        var catalog = NewCatalog();

        var result = catalog.Import(
        [
            ("in/z.dcm", Instance("P2", Study, SeriesA, "1.2")),
            ("in/a.dcm", Instance("P1", Study, SeriesA, "1.1")),
            ("in/y.dcm", Instance("P2", Study, SeriesA, "1.3")),
        ]);

        Assert.Equal(["in/z.dcm", "in/a.dcm", "in/y.dcm"], result.Placements.Select(p => p.InputFile));
        Assert.Equal([false, true, false], result.Placements.Select(p => p.IsPrimary));
        Assert.Equal(result.Placements[0].ImageSetId, result.Placements[2].ImageSetId);
        Assert.Equal("P1", catalog.Snapshot().Single(s => s.IsPrimary).PatientId);
    }

    [Fact]
    public void Import_WhenConflictsRecurInLaterJobs_ShouldCreateANewNonPrimaryImageSetEachTime()
    {
        var catalog = NewCatalog();
        catalog.Import([("in/a1.dcm", Instance("P1", Study, SeriesA, "1.1"))]);

        var second = catalog.Import([("in2/a1.dcm", Instance("P2", Study, SeriesA, "1.1"))]);
        var third = catalog.Import([("in3/a1.dcm", Instance("P2", Study, SeriesA, "1.1"))]);

        Assert.NotEqual(second.ImageSets[0].ImageSetId, third.ImageSets[0].ImageSetId);
        Assert.Equal(3, catalog.Snapshot().Count);
    }

    private static DicomInstanceIdentity Instance(string patient, string study, string series, string sop) =>
        new(patient, study, series, sop, "1.2.840.10008.1.2.1");

    private ImageSetCatalog NewCatalog() => new(() => (++_ids).ToString("D32", System.Globalization.CultureInfo.InvariantCulture));
}

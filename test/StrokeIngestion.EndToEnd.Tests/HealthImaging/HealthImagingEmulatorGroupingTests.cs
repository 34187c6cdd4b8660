using System.Text.Json;

namespace StrokeIngestion.EndToEnd.Tests.HealthImaging;

/// <summary>The grouping rule as a client sees it: through success.ndjson and the manifest across jobs.</summary>
public sealed class HealthImagingEmulatorGroupingTests : IAsyncLifetime
{
    private const string Study = "1.2.826.0.1.3680043.8.498.1";
    private const string SeriesCt = Study + ".1";
    private const string SeriesCta = Study + ".2";

    private HealthImagingHarness? _started;

    private HealthImagingHarness Harness => _started ?? throw new InvalidOperationException("Not initialized.");

    public async Task InitializeAsync() => _started = await HealthImagingHarness.StartAsync();

    public async Task DisposeAsync()
    {
        if (_started is not null)
        {
            await _started.DisposeAsync();
        }
    }

    [Fact]
    public async Task Import_WhenAStudyHasTwoSeries_ShouldReportTwoPrimaryImageSets()
    {
        PutStudy("imports/S1/", "PAT-1");
        var jobId = await Harness.StartJobAsync("token-1", "imports/S1/");

        await Harness.RunToEndAsync(jobId);

        var summary = Manifest(jobId);
        Assert.Equal(2, summary.GetProperty("numberOfGeneratedImageSets").GetInt32());
        var sets = summary.GetProperty("imageSetsSummary").EnumerateArray().ToList();
        Assert.All(sets, s => Assert.True(s.GetProperty("isPrimary").GetBoolean()));
        Assert.Equal([2, 1], sets.Select(s => s.GetProperty("numberOfMatchedSOPInstances").GetInt32()));
        var byFile = Successes(jobId).ToDictionary(l => l.GetProperty("inputFile").GetString() ?? string.Empty, ImageSetId);
        Assert.Equal(byFile["imports/S1/ct-1.dcm"], byFile["imports/S1/ct-2.dcm"]);
        Assert.NotEqual(byFile["imports/S1/ct-1.dcm"], byFile["imports/S1/cta-1.dcm"]);
    }

    [Fact]
    public async Task Import_WhenTheSameStudyIsImportedAgain_ShouldMatchTheExistingPrimaryImageSets()
    {
        PutStudy("imports/S1/", "PAT-1");
        PutStudy("imports/S1-again/", "PAT-1");
        var first = await Harness.StartJobAsync("token-1", "imports/S1/");
        await Harness.RunToEndAsync(first);

        var second = await Harness.StartJobAsync("token-2", "imports/S1-again/");
        await Harness.RunToEndAsync(second);

        var firstIds = Manifest(first).GetProperty("imageSetsSummary").EnumerateArray().Select(s => s.GetProperty("imageSetId").GetString());
        var again = Manifest(second).GetProperty("imageSetsSummary").EnumerateArray().ToList();
        Assert.Equal(firstIds, again.Select(s => s.GetProperty("imageSetId").GetString()));
        Assert.All(again, s => Assert.True(s.GetProperty("isPrimary").GetBoolean()));
        Assert.All(again, s => Assert.Equal(2, s.GetProperty("imageSetVersion").GetInt32()));
        Assert.All(Successes(second), l => Assert.True(l.GetProperty("importResponse").GetProperty("isPrimary").GetBoolean()));
    }

    [Fact]
    public async Task Import_WhenTheSameInstancesCarryAnotherPatientId_ShouldReportANonPrimaryImageSet()
    {
        PutStudy("imports/S1/", "PAT-1");
        PutStudy("imports/S1-relabelled/", "PAT-2");
        var first = await Harness.StartJobAsync("token-1", "imports/S1/");
        await Harness.RunToEndAsync(first);

        var second = await Harness.StartJobAsync("token-2", "imports/S1-relabelled/");
        var job = await Harness.RunToEndAsync(second);

        Assert.Equal("COMPLETED", job.GetProperty("jobStatus").GetString());
        var primaryIds = Manifest(first).GetProperty("imageSetsSummary").EnumerateArray().Select(s => s.GetProperty("imageSetId").GetString()).ToHashSet();
        var conflicting = Manifest(second).GetProperty("imageSetsSummary").EnumerateArray().ToList();
        Assert.Equal(2, conflicting.Count);
        Assert.All(conflicting, s =>
        {
            Assert.False(s.GetProperty("isPrimary").GetBoolean());
            Assert.DoesNotContain(s.GetProperty("imageSetId").GetString(), primaryIds);
        });
        Assert.All(Successes(second), l => Assert.False(l.GetProperty("importResponse").GetProperty("isPrimary").GetBoolean()));
        Assert.Equal(2, Harness.Emulator.ImageSets.Count(s => s.IsPrimary));
    }

    private static string? ImageSetId(JsonElement line) => line.GetProperty("importResponse").GetProperty("imageSetId").GetString();

    private void PutStudy(string prefix, string patientId)
    {
        Harness.PutInput(prefix, "ct-1.dcm", SyntheticDicom.Instance(patientId, Study, SeriesCt, SeriesCt + ".1"));
        Harness.PutInput(prefix, "ct-2.dcm", SyntheticDicom.Instance(patientId, Study, SeriesCt, SeriesCt + ".2"));
        Harness.PutInput(prefix, "cta-1.dcm", SyntheticDicom.Instance(patientId, Study, SeriesCta, SeriesCta + ".1"));
    }

    private JsonElement Manifest(string jobId) =>
        Harness.Storage.ReadJson(HealthImagingHarness.Bucket, HealthImagingHarness.ManifestKey(jobId)).GetProperty("jobSummary");

    private IReadOnlyList<JsonElement> Successes(string jobId) =>
        Harness.Storage.ReadNdjson(HealthImagingHarness.Bucket, HealthImagingHarness.OutputKey(jobId, "SUCCESS/success.ndjson"));
}

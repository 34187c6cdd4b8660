using System.Text.Json.Nodes;
using StrokeIngestion.Core.Domain;
using StrokeIngestion.Core.Monitoring;
using StrokeIngestion.Core.Tests.Monitoring.Support;

namespace StrokeIngestion.Core.Tests.Monitoring;

public sealed class ImportManifestTests
{
    [Fact]
    public void TryParse_WhenManifestHasEveryDocumentedField_ShouldReadCountsAndImageSetsInOrder()
    {
        var json = new ManifestBuilder()
            .WithFiles(scanned: 5, imported: 3, customerErrors: 1, serverErrors: 1)
            .WithImageSet("imgsetA", isPrimary: true, matchedInstances: 2)
            .WithImageSet("imgsetB", isPrimary: false, matchedInstances: 1)
            .Build();

        var parsed = ImportManifest.TryParse(json, out var manifest);

        Assert.True(parsed);
        Assert.NotNull(manifest);
        Assert.Equal(MonitorScenario.JobId, manifest.JobId);
        Assert.Equal(new ImportFileCounts(5, 3, 1, 1, 2), manifest.Counts);
        Assert.Equal([new ManifestImageSet("imgsetA", true), new ManifestImageSet("imgsetB", false)], manifest.ImageSets);
    }

    [Fact]
    public void TryParse_WhenManifestCarriesUnknownFields_ShouldIgnoreThem()
    {
        var json = new ManifestBuilder()
            .WithImageSet("imgsetA")
            .WithRaw("someFutureField", new JsonObject { ["nested"] = new JsonArray(1, 2) })
            .Build();

        Assert.True(ImportManifest.TryParse(json, out var manifest));
        Assert.Equal("imgsetA", Assert.Single(manifest.ImageSets).ImageSetId);
    }

    [Fact]
    public void TryParse_WhenJobIdIsAbsent_ShouldStillParse()
    {
        var json = new ManifestBuilder().WithImageSet("imgsetA").Without("jobId").Build();

        Assert.True(ImportManifest.TryParse(json, out var manifest));
        Assert.Null(manifest.JobId);
    }

    [Theory]
    [InlineData("numberOfScannedFiles")]
    [InlineData("numberOfImportedFiles")]
    [InlineData("numberOfFilesWithCustomerError")]
    [InlineData("numberOfFilesWithServerError")]
    [InlineData("numberOfGeneratedImageSets")]
    [InlineData("imageSetsSummary")]
    [InlineData("imageSetsSummary[].imageSetId")]
    [InlineData("imageSetsSummary[].isPrimary")]
    public void TryParse_WhenARequiredFieldIsMissing_ShouldRefuse(string field)
    {
        var json = new ManifestBuilder().WithImageSet("imgsetA").Without(field).Build();

        Assert.False(ImportManifest.TryParse(json, out var manifest));
        Assert.Null(manifest);
    }

    public static TheoryData<string, string> WrongValues => new()
    {
        { "numberOfScannedFiles", "-1" },
        { "numberOfImportedFiles", "1.5" },
        { "numberOfFilesWithCustomerError", "\"0\"" },
        { "numberOfFilesWithServerError", "null" },
        { "numberOfGeneratedImageSets", "99999999999" },
        { "imageSetsSummary", "{}" },
        { "imageSetsSummary", "[null]" },
        { "imageSetsSummary", "[{\"imageSetId\":\"\",\"isPrimary\":true}]" },
        { "imageSetsSummary", "[{\"imageSetId\":\"x\",\"isPrimary\":\"true\"}]" },
    };

    [Theory]
    [MemberData(nameof(WrongValues))]
    public void TryParse_WhenAFieldHasTheWrongShape_ShouldRefuse(string field, string rawJson)
    {
        var json = new ManifestBuilder().WithImageSet("imgsetA").WithRaw(field, JsonNode.Parse(rawJson)).Build();

        Assert.False(ImportManifest.TryParse(json, out _));
    }

    [Theory]
    [InlineData("")]
    [InlineData("null")]
    [InlineData("{}")]
    [InlineData("{\"jobSummary\":null}")]
    [InlineData("[1,2]")]
    [InlineData("{\"jobSummary\":{")]
    public void TryParse_WhenTextIsNotAManifest_ShouldRefuse(string text)
    {
        Assert.False(ImportManifest.TryParse(text, out _));
    }
}

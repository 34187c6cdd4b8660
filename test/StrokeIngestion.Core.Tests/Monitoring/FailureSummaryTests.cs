using StrokeIngestion.Core.Monitoring;
using StrokeIngestion.Core.Tests.Monitoring.Support;

namespace StrokeIngestion.Core.Tests.Monitoring;

public sealed class FailureSummaryTests
{
    [Fact]
    public void Parse_WhenLinesNameExceptionTypes_ShouldCountThemMostFrequentFirst()
    {
        var ndjson = new FailureNdjsonBuilder()
            .WithFailure("uploads/a.dcm", "UnsupportedTransferSyntax", "m")
            .WithFailure("uploads/b.dcm", "ValidationException", "m")
            .WithFailure("uploads/c.dcm", "ValidationException", "m")
            .Build();

        var summary = FailureSummary.Parse(ndjson);

        Assert.Equal("ValidationException×2, UnsupportedTransferSyntax×1", summary.Describe());
    }

    [Fact]
    public void Parse_WhenTypesTie_ShouldOrderThemByName()
    {
        var ndjson = new FailureNdjsonBuilder()
            .WithFailure("f", "Zeta", "m")
            .WithFailure("f", "Alpha", "m")
            .Build();

        Assert.Equal("Alpha×1, Zeta×1", FailureSummary.Parse(ndjson).Describe());
    }

    [Fact]
    public void Parse_WhenALineIsDamagedOrItsTypeIsNotATypeName_ShouldCountItAsOtherAndKeepNothingOfIt()
    {
        var ndjson = new FailureNdjsonBuilder()
            .WithRawLine("{\"inputFile\":\"PAT-SEEDED-4711.dcm\",")
            .WithFailure("f", "SMITH^JOHN PAT-SEEDED-4711", "m")
            .WithRawLine("{\"inputFile\":\"x.dcm\"}")
            .WithRawLine("   ")
            .WithFailure("f", "ValidationException", "m")
            .Build();

        var description = FailureSummary.Parse(ndjson).Describe();

        Assert.Equal("Other×3, ValidationException×1", description);
    }

    [Fact]
    public void Describe_WhenThereAreManyTypes_ShouldShowFiveAndCountTheRest()
    {
        var builder = new FailureNdjsonBuilder();
        foreach (var type in new[] { "TypeA", "TypeB", "TypeC", "TypeD", "TypeE", "TypeF", "TypeG" })
        {
            builder.WithFailure("f", type, "m");
        }

        var description = FailureSummary.Parse(builder.Build()).Describe();

        Assert.Equal("TypeA×1, TypeB×1, TypeC×1, TypeD×1, TypeE×1, +2 more", description);
    }

    [Fact]
    public void Parse_WhenFileIsEmpty_ShouldHaveNoTypes()
    {
        Assert.Empty(FailureSummary.Parse("\n\n").Types);
    }
}

using StrokeIngestion.Core.Domain;

namespace StrokeIngestion.Core.Tests.Domain;

public sealed class WorkflowExecutionNameTests
{
    [Fact]
    public void TryParseStudyId_WhenGivenTheNameOfAStudysExecution_ShouldAnswerThatStudy()
    {
        var study = StudyId.FromScope("scope");
        var name = WorkflowExecutionName.For(study);

        Assert.Equal("stroke-analysis-" + study.Value, name);
        Assert.True(WorkflowExecutionName.TryParseStudyId(name, out var parsed));
        Assert.Equal(study, parsed);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("STUDY-0123456789ab")]
    [InlineData("Stroke-analysis-STUDY-0123456789ab")]
    public void TryParseStudyId_WhenNameIsNotOurs_ShouldRefuse(string? name)
    {
        Assert.False(WorkflowExecutionName.TryParseStudyId(name, out _));
    }
}

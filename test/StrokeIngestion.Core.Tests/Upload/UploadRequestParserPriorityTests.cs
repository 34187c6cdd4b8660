using StrokeIngestion.Core.Admission;
using StrokeIngestion.Core.Upload;

namespace StrokeIngestion.Core.Tests.Upload;

/// <summary>The optional <c>priority</c> field (issue 11), kept apart from the other field rules.</summary>
public sealed class UploadRequestParserPriorityTests
{
    private const string Prefix = "uploads/";

    [Theory]
    [InlineData("", StudyPriority.Urgent)]
    [InlineData(",\"priority\":\"urgent\"", StudyPriority.Urgent)]
    [InlineData(",\"priority\":\"routine\"", StudyPriority.Routine)]
    public void TryParse_WhenPriorityIsOmittedOrValid_ShouldDefaultToUrgent(string priorityField, StudyPriority expected)
    {
        var request = new HttpApiRequestBuilder().WithBody("{\"patient_id\":\"P1\",\"file_key\":\"uploads/a.dcm\"" + priorityField + "}").Build();

        Assert.True(UploadRequestParser.TryParse(request, Prefix, out var command, out _));
        Assert.Equal(expected, command.Priority);
    }

    [Theory]
    [InlineData("\"URGENT\"")]
    [InlineData("\"stat\"")]
    [InlineData("\"\"")]
    [InlineData("\"routine \"")]
    public void TryParse_WhenPriorityIsNotAKnownValue_ShouldAnswer400InvalidPriority(string value)
    {
        var request = new HttpApiRequestBuilder().WithBody("{\"patient_id\":\"P1\",\"file_key\":\"uploads/a.dcm\",\"priority\":" + value + "}").Build();

        Assert.False(UploadRequestParser.TryParse(request, Prefix, out _, out var error));
        Assert.Equal((400, "invalid_priority", "priority"), (error.StatusCode, error.Code, error.Field));
    }

    [Theory]
    [InlineData("1")]
    [InlineData("null")]
    [InlineData("true")]
    public void TryParse_WhenPriorityIsNotAString_ShouldAnswer400InvalidFieldType(string value)
    {
        var request = new HttpApiRequestBuilder().WithBody("{\"patient_id\":\"P1\",\"file_key\":\"uploads/a.dcm\",\"priority\":" + value + "}").Build();

        Assert.False(UploadRequestParser.TryParse(request, Prefix, out _, out var error));
        Assert.Equal(("invalid_field_type", "priority"), (error.Code, error.Field));
    }

    [Fact]
    public void Fingerprint_WhenOnlyThePriorityDiffers_ShouldDiffer_AndUrgentShouldMatchTheFingerprintBeforeTheField()
    {
        var urgent = new UploadCommand { PatientId = "P1", StudyDescription = "d", FileKey = "uploads/a.dcm" };
        var routine = urgent with { Priority = StudyPriority.Routine };

        Assert.NotEqual(urgent.Fingerprint(), routine.Fingerprint());

        // SHA-256 of "P1\nd\nuploads/a.dcm\n0", the canonical form stored before the field existed.
        var before = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("P1\nd\nuploads/a.dcm\n0"u8.ToArray()));
        Assert.Equal(before, urgent.Fingerprint());
    }
}

using StrokeIngestion.Core.Monitoring;

namespace StrokeIngestion.Core.Tests.Monitoring;

public sealed class JobFailureMessageTests
{
    [Theory]
    [InlineData("Access Denied for s3://bucket/imports/STUDY-0123456789ab/PAT1.dcm", "HealthImaging could not access the input or output location")]
    [InlineData("The role cannot be assumed", "HealthImaging could not access the input or output location")]
    [InlineData("KMS key arn:aws:kms:eu-west-1:1:key/abc is disabled", "an encryption key could not be used")]
    [InlineData("Maximum number of files exceeded", "an import quota or limit was exceeded")]
    [InlineData("NoSuchBucket: uploads-x", "the input or output location was not found")]
    [InlineData("Invalid input S3 URI 'SMITH^JOHN'", "the import request or its input was invalid")]
    [InlineData("Internal failure", "HealthImaging reported an internal error")]
    [InlineData("Patient SMITH^JOHN, file 0001.dcm", JobFailureMessage.Unclassified)]
    [InlineData("", JobFailureMessage.NoMessage)]
    [InlineData(null, JobFailureMessage.NoMessage)]
    public void Classify_WhenGivenAJobMessage_ShouldAnswerItsFamilysFixedPhrase(string? message, string expected)
    {
        Assert.Equal(expected, JobFailureMessage.Classify(message));
    }
}

using System.Text;
using StrokeIngestion.Core.Aws.Signing;

namespace StrokeIngestion.Core.Tests.Aws.Signing;

public sealed class AwsErrorsTests
{
    [Theory]
    [InlineData("ValidationException:http://internal.amazon.com/coral/com.amazon.coral.validate/", "", "ValidationException")]
    [InlineData("ThrottlingException", "", "ThrottlingException")]
    [InlineData(null, "{\"__type\":\"com.amazonaws.sfn#ExecutionAlreadyExists\",\"message\":\"m\"}", "ExecutionAlreadyExists")]
    [InlineData(null, "{\"__type\":\"aws.protocoltests#ConflictException:http://internal.amazon.com/x\"}", "ConflictException")]
    [InlineData(null, "{\"code\":\"AccessDeniedException\"}", "AccessDeniedException")]
    [InlineData("InternalServerException", "{\"__type\":\"ValidationException\"}", "InternalServerException")]
    [InlineData("", "{\"__type\":\"ValidationException\"}", "ValidationException")]
    [InlineData(null, "<html>Bad Gateway</html>", null)]
    [InlineData(null, "", null)]
    [InlineData(null, "[]", null)]
    public void ReadErrorType_ShouldPreferHeaderAndStripNamespaceAndSuffix(string? header, string body, string? expected)
    {
        var response = new AwsHttpResponse(400, header, Encoding.UTF8.GetBytes(body));

        Assert.Equal(expected, AwsErrors.ReadErrorType(response));
    }
}

using StrokeIngestion.Core.Aws;
using StrokeIngestion.Core.Aws.HealthImaging;
using StrokeIngestion.Core.Aws.StepFunctions;

namespace StrokeIngestion.Core.Tests.Aws;

public sealed class AwsServiceEndpointTests
{
    [Theory]
    [InlineData("medical-imaging", "eu-west-2", false, "https://medical-imaging.eu-west-2.amazonaws.com/")]
    [InlineData("medical-imaging", "us-east-1", true, "https://medical-imaging-fips.us-east-1.amazonaws.com/")]
    [InlineData("states", "cn-northwest-1", false, "https://states.cn-northwest-1.amazonaws.com.cn/")]
    [InlineData("states", "us-gov-east-1", true, "https://states-fips.us-gov-east-1.amazonaws.com/")]
    [InlineData("states", "us-iso-east-1", false, "https://states.us-iso-east-1.c2s.ic.gov/")]
    [InlineData("states", "eusc-de-east-1", false, "https://states.eusc-de-east-1.amazonaws.eu/")]
    public void For_ShouldUseThePartitionsDnsSuffixAndTheFipsHostWhenAsked(string service, string region, bool useFips, string expected)
    {
        Assert.Equal(new Uri(expected), AwsServiceEndpoint.For(service, region, useFips));
    }

    [Fact]
    public void DefaultEndpoints_ShouldNameTheServicesOwnHosts()
    {
        Assert.Equal(new Uri("https://medical-imaging.cn-north-1.amazonaws.com.cn/"), HealthImagingClient.DefaultEndpoint("cn-north-1", useFips: false));
        Assert.Equal(new Uri("https://states-fips.us-west-2.amazonaws.com/"), StepFunctionsClient.DefaultEndpoint("us-west-2", useFips: true));
    }
}

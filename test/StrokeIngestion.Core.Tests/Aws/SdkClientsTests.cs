using Amazon;
using Amazon.Runtime;
using StrokeIngestion.Core.Aws;

namespace StrokeIngestion.Core.Tests.Aws;

/// <summary>The client settings production runs with (the emulator tests use the same factory).</summary>
public sealed class SdkClientsTests
{
    private static readonly BasicAWSCredentials Credentials = new("AKIDEXAMPLE", "secret");

    [Fact]
    public void CreateS3Client_WhenNoEndpoint_ShouldUseTheRegionsEndpointWithASmallStandardRetryBudget()
    {
        using var client = SdkClients.CreateS3Client("eu-west-1", endpoint: null, Credentials);

        Assert.Equal(RegionEndpoint.EUWest1, client.Config.RegionEndpoint);
        Assert.Null(client.Config.ServiceURL);
        Assert.Equal(RequestRetryMode.Standard, client.Config.RetryMode);
        Assert.Equal(2, client.Config.MaxErrorRetry);
        Assert.NotNull(client.Config.Timeout);
    }

    [Fact]
    public void CreateS3Client_WhenEndpointGiven_ShouldUsePathStyleAndSignForTheRegion()
    {
        using var client = SdkClients.CreateS3Client("eu-west-1", new Uri("http://127.0.0.1:4568"), Credentials);

        Assert.StartsWith("http://127.0.0.1:4568", client.Config.ServiceURL, StringComparison.Ordinal);
        Assert.True(((Amazon.S3.AmazonS3Config)client.Config).ForcePathStyle);
        Assert.Equal("eu-west-1", client.Config.AuthenticationRegion);
    }

    [Fact]
    public void CreateDynamoDbClient_WhenEndpointGiven_ShouldTalkToItWithAShortTimeout()
    {
        using var client = SdkClients.CreateDynamoDbClient("eu-west-1", new Uri("http://127.0.0.1:4567"), Credentials);

        Assert.StartsWith("http://127.0.0.1:4567", client.Config.ServiceURL, StringComparison.Ordinal);
        Assert.Equal("eu-west-1", client.Config.AuthenticationRegion);
        Assert.Equal(2, client.Config.MaxErrorRetry);
        Assert.True(client.Config.Timeout <= TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void CreateObjectStore_WhenBuilt_ShouldServeTheNamedBucket()
    {
        var store = SdkClients.CreateObjectStore("stroke-detection-ai-dicom-uploads-123456789012", "eu-west-1", endpoint: null);

        Assert.Equal("stroke-detection-ai-dicom-uploads-123456789012", store.BucketName);
    }
}

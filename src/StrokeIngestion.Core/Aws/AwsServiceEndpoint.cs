using Amazon.Runtime.Internal.Endpoints.StandardLibrary;

namespace StrokeIngestion.Core.Aws;

/// <summary>
/// The regional endpoint of a service the SDK packages do not cover here (HealthImaging, Step
/// Functions), built the way the SDK's endpoint rules build it: the partition's DNS suffix
/// (<c>amazonaws.com</c>, <c>amazonaws.com.cn</c> in China, …) from AWSSDK.Core's partition data,
/// and the <c>{service}-fips</c> host when FIPS endpoints are asked for (<c>AWS_USE_FIPS_ENDPOINT</c>).
/// </summary>
internal static class AwsServiceEndpoint
{
    /// <exception cref="ArgumentException">FIPS was asked for in a partition that has no FIPS endpoints.</exception>
    public static Uri For(string endpointPrefix, string region, bool useFips)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(endpointPrefix);
        ArgumentException.ThrowIfNullOrWhiteSpace(region);

        var partition = (Partition)Fn.Partition(region);
        if (useFips && !partition.supportsFIPS)
        {
            throw new ArgumentException($"AWS_USE_FIPS_ENDPOINT is set, but partition {partition.name} (region {region}) has no FIPS endpoints.", nameof(useFips));
        }

        var host = useFips ? $"{endpointPrefix}-fips" : endpointPrefix;
        return new Uri($"https://{host}.{region}.{partition.dnsSuffix}");
    }
}

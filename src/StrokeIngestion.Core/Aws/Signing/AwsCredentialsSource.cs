using Amazon.Runtime;
using Amazon.Runtime.Credentials;

namespace StrokeIngestion.Core.Aws.Signing;

/// <summary>Where the signing keys of a request come from, asked once per request.</summary>
internal sealed class AwsCredentialsSource
{
    // One resolver for the process: it caches what the chain found and notices when the
    // environment changes, so asking it per request is cheap.
    private static readonly DefaultAWSCredentialsIdentityResolver Resolver = new();

    private readonly Func<CancellationToken, Task<ImmutableCredentials>> _resolve;

    private AwsCredentialsSource(Func<CancellationToken, Task<ImmutableCredentials>> resolve) => _resolve = resolve;

    /// <summary>
    /// The SDK's default chain (environment variables as Lambda sets them, profiles, container
    /// and instance roles). Lambda's keys are temporary: they are resolved per request, and
    /// the refreshing credential types renew themselves before they expire.
    /// </summary>
    public static AwsCredentialsSource DefaultChain { get; } = new(async cancellationToken =>
    {
        var identity = await Resolver.ResolveIdentityAsync(null, cancellationToken);
        return await identity.GetCredentialsAsync();
    });

    /// <summary>Fixed keys (tests, local emulators). A session token makes them temporary credentials.</summary>
    public static AwsCredentialsSource Fixed(string accessKey, string secretKey, string? sessionToken = null)
    {
        var credentials = new ImmutableCredentials(accessKey, secretKey, sessionToken);
        return From(_ => Task.FromResult(credentials));
    }

    /// <summary>Keys from <paramref name="resolve"/>, asked once per request.</summary>
    public static AwsCredentialsSource From(Func<CancellationToken, Task<ImmutableCredentials>> resolve) => new(resolve);

    /// <summary>The current keys. Throws <see cref="AmazonClientException"/> when none can be found.</summary>
    public Task<ImmutableCredentials> GetAsync(CancellationToken cancellationToken) => _resolve(cancellationToken);
}

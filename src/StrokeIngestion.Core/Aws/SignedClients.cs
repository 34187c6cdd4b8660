using StrokeIngestion.Core.Aws.HealthImaging;
using StrokeIngestion.Core.Aws.Signing;
using StrokeIngestion.Core.Aws.StepFunctions;
using StrokeIngestion.Core.Errors;
using StrokeIngestion.Core.Ports;

namespace StrokeIngestion.Core.Aws;

/// <summary>
/// Builds the SigV4-signed HealthImaging and Step Functions clients (the AWS SDK packages for
/// those services are not used). Call once per container and keep the results: they are
/// thread-safe and resolve credentials per request from the SDK's default chain.
/// Each call makes one attempt with a 10 s timeout; callers decide about retries.
/// </summary>
public static class SignedClients
{
    /// <summary>
    /// The HealthImaging import API in <paramref name="region"/>, at <paramref name="endpoint"/>
    /// when given (local emulators; <c>AWS_ENDPOINT_URL_MEDICAL_IMAGING</c>), else
    /// <c>https://medical-imaging.{region}.{partition DNS suffix}</c> (the <c>medical-imaging-fips</c>
    /// host when <paramref name="useFips"/>).
    /// </summary>
    public static IImportService CreateImportService(HttpClient http, string region, Uri? endpoint, bool useFips = false)
        => CreateImportService(http, region, endpoint, AwsCredentialsSource.DefaultChain, TimeProvider.System, SignedHttpTransport.DefaultAttemptTimeout, useFips);

    /// <summary>
    /// Starts executions of <paramref name="stateMachineArn"/>, at <paramref name="endpoint"/>
    /// when given (<c>AWS_ENDPOINT_URL_SFN</c>), else <c>https://states[-fips].{region}.{partition DNS suffix}</c>.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="stateMachineArn"/> is not a state machine ARN.</exception>
    public static IWorkflowStarter CreateWorkflowStarter(HttpClient http, string region, string stateMachineArn, Uri? endpoint, bool useFips = false)
        => CreateWorkflowStarter(http, region, stateMachineArn, endpoint, AwsCredentialsSource.DefaultChain, TimeProvider.System, SignedHttpTransport.DefaultAttemptTimeout, useFips);

    /// <summary>
    /// Resumes workflows waiting on a task token, at <paramref name="endpoint"/> when given
    /// (<c>AWS_ENDPOINT_URL_SFN</c>), else <c>https://states[-fips].{region}.{partition DNS suffix}</c>.
    /// The token names its state machine, so the client needs no ARN.
    /// </summary>
    public static IWorkflowCallback CreateWorkflowCallback(HttpClient http, string region, Uri? endpoint, bool useFips = false)
        => CreateWorkflowCallback(http, region, endpoint, AwsCredentialsSource.DefaultChain, TimeProvider.System, SignedHttpTransport.DefaultAttemptTimeout, useFips);

    internal static HealthImagingClient CreateImportService(HttpClient http, string region, Uri? endpoint, AwsCredentialsSource credentials, TimeProvider time, TimeSpan attemptTimeout, bool useFips = false)
    {
        var signer = new AwsRequestSigner(HealthImagingClient.SigningName, region, credentials, time);
        var transport = new SignedHttpTransport(http, signer, Dependency.HealthImaging, time, attemptTimeout);
        return new HealthImagingClient(transport, endpoint ?? HealthImagingClient.DefaultEndpoint(region, useFips));
    }

    internal static StepFunctionsClient CreateWorkflowStarter(HttpClient http, string region, string stateMachineArn, Uri? endpoint, AwsCredentialsSource credentials, TimeProvider time, TimeSpan attemptTimeout, bool useFips = false)
    {
        var signer = new AwsRequestSigner(StepFunctionsClient.SigningName, region, credentials, time);
        var transport = new SignedHttpTransport(http, signer, Dependency.StepFunctions, time, attemptTimeout);
        return new StepFunctionsClient(transport, endpoint ?? StepFunctionsClient.DefaultEndpoint(region, useFips), stateMachineArn);
    }

    internal static StepFunctionsCallbackClient CreateWorkflowCallback(HttpClient http, string region, Uri? endpoint, AwsCredentialsSource credentials, TimeProvider time, TimeSpan attemptTimeout, bool useFips = false)
    {
        var signer = new AwsRequestSigner(StepFunctionsClient.SigningName, region, credentials, time);
        var transport = new SignedHttpTransport(http, signer, Dependency.StepFunctions, time, attemptTimeout);
        return new StepFunctionsCallbackClient(transport, endpoint ?? StepFunctionsClient.DefaultEndpoint(region, useFips));
    }
}

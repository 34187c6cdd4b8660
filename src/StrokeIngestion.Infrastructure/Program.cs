using Amazon.CDK;
using StrokeIngestion.Infrastructure;
using StrokeIngestion.Infrastructure.Constructs;

var app = new App();

StackConfig config;
try
{
    // cdk synth runs the app from the folder holding cdk.json, which relative asset paths name.
    config = StackConfig.FromContext(key => app.Node.TryGetContext(key), Directory.GetCurrentDirectory());
}
catch (StackConfigException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 1;
}

// The CLI sets these from the caller's credentials; without them the template is
// environment-agnostic (account and region resolve at deploy time).
var account = System.Environment.GetEnvironmentVariable("CDK_DEFAULT_ACCOUNT");
var region = System.Environment.GetEnvironmentVariable("CDK_DEFAULT_REGION");
if ((HealthImagingRegions.Refusal(region) ?? NetworkIsolation.RegionRefusal(config.Vpc.Mode, region)) is { } refusal)
{
    Console.Error.WriteLine(refusal);
    return 1;
}

new IngestionStack(app, config.StackName, config, new StackProps
{
    Description = "Stroke detection phase 1: secure DICOM ingestion into AWS HealthImaging",
    Env = account is null && region is null ? null : new Amazon.CDK.Environment { Account = account, Region = region },
});

app.Synth();
return 0;

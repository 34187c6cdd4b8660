using StrokeIngestion.Core.Settings;

namespace StrokeIngestion.Core.Tests.Settings;

public sealed class UploadSettingsTests
{
    private static Dictionary<string, string> Valid() => new(StringComparer.Ordinal)
    {
        ["AWS_REGION"] = "us-east-1",
        ["STUDY_TABLE_NAME"] = "stroke-detection-ai-study-metadata",
        ["UPLOAD_BUCKET_NAME"] = "stroke-detection-ai-dicom-uploads-111122223333",
        ["DATASTORE_ID"] = "0123456789abcdef0123456789abcdef",
        ["IMPORT_ROLE_ARN"] = "arn:aws:iam::111122223333:role/stroke-detection-ai-import",
        ["STATE_MACHINE_ARN"] = "arn:aws:states:us-east-1:111122223333:stateMachine:stroke-detection-ai-processing",
    };

    [Fact]
    public void Load_WhenOnlyRequiredVariablesSet_ShouldApplyDefaults()
    {
        var settings = UploadSettings.Load(new EnvironmentReader(Valid()));

        Assert.Equal("uploads/", settings.UploadPrefix);
        Assert.Equal("imports/", settings.ImportInputPrefix);
        Assert.Equal("import-output/", settings.ImportOutputPrefix);
        Assert.Equal(["CT", "MR"], settings.AllowedModalities.Order());
        Assert.Null(settings.Endpoints.S3);
    }

    [Theory]
    [InlineData("AWS_REGION")]
    [InlineData("STUDY_TABLE_NAME")]
    [InlineData("UPLOAD_BUCKET_NAME")]
    [InlineData("DATASTORE_ID")]
    [InlineData("IMPORT_ROLE_ARN")]
    [InlineData("STATE_MACHINE_ARN")]
    public void Load_WhenRequiredVariableMissing_ShouldNameIt(string variable)
    {
        var values = Valid();
        values.Remove(variable);

        var error = Assert.Throws<SettingsException>(() => UploadSettings.Load(new EnvironmentReader(values)));

        Assert.Equal(variable, error.Variable);
        Assert.Contains(variable, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("DATASTORE_ID", "not-a-datastore")]
    [InlineData("IMPORT_ROLE_ARN", "role/import")]
    [InlineData("STATE_MACHINE_ARN", "arn:aws:states:us-east-1:111122223333:execution:x:y")]
    [InlineData("ALLOWED_MODALITIES", "CT,computed tomography")]
    [InlineData("ALLOWED_MODALITIES", " , ")]
    [InlineData("UPLOAD_PREFIX", "/uploads/")]
    [InlineData("UPLOAD_PREFIX", "uploads")]
    [InlineData("AWS_ENDPOINT_URL_S3", "localhost:4569")]
    [InlineData("IMPORT_INPUT_PREFIX", "uploads/imports/")]
    public void Load_WhenVariableMalformed_ShouldFailNamingIt(string variable, string value)
    {
        var values = Valid();
        values[variable] = value;

        var error = Assert.Throws<SettingsException>(() => UploadSettings.Load(new EnvironmentReader(values)));

        Assert.Contains(variable, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_WhenModalitiesAndEndpointsGiven_ShouldNormaliseAndKeepThem()
    {
        var values = Valid();
        values["ALLOWED_MODALITIES"] = "ct, MR ,cr";
        values["AWS_ENDPOINT_URL_SFN"] = "http://127.0.0.1:4600";

        var settings = UploadSettings.Load(new EnvironmentReader(values));

        Assert.Equal(["CR", "CT", "MR"], settings.AllowedModalities.Order());
        Assert.Equal(new Uri("http://127.0.0.1:4600"), settings.Endpoints.StepFunctions);
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("true", true)]
    [InlineData("TRUE", true)]
    [InlineData("false", false)]
    public void Load_ShouldUseFipsEndpointsOnlyWhenAwsUseFipsEndpointIsTrue(string? value, bool expected)
    {
        var values = Valid();
        if (value is not null)
        {
            values["AWS_USE_FIPS_ENDPOINT"] = value;
        }

        var settings = UploadSettings.Load(new EnvironmentReader(values));

        Assert.Equal(expected, settings.Endpoints.UseFips);
    }
}

using Amazon.CDK.AWS.Logs;
using StrokeIngestion.Infrastructure.Tests.Support;

namespace StrokeIngestion.Infrastructure.Tests;

public sealed class StackConfigTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("stroke-config-test-");

    public StackConfigTests()
    {
        // The default bundle locations, relative to the base directory like cdk.json's.
        _root.CreateSubdirectory("artifacts/upload-handler");
        _root.CreateSubdirectory("artifacts/import-monitor");
        _root.CreateSubdirectory("artifacts/import-dispatcher");
    }

    public void Dispose() => _root.Delete(recursive: true);

    [Fact]
    public void FromContext_WhenContextIsEmpty_ShouldUseTheDocumentedDefaults()
    {
        var config = Read([]);

        Assert.Equal("stroke-detection-ai", config.ProjectName);
        Assert.Equal("stroke-detection-phase1", config.StackName);
        Assert.Null(config.KmsKeyArn);
        Assert.Equal(["*"], config.CorsAllowedOrigins);
        Assert.Null(config.Jwt);
        Assert.Null(config.AlarmEmail);
        Assert.Equal(365, config.LogRetentionDays);
        Assert.Equal(RetentionDays.ONE_YEAR, config.LogRetention);
        Assert.Equal(LambdaArchitecture.Arm64, config.Architecture);
        Assert.Equal(Path.Combine(_root.FullName, "artifacts", "upload-handler"), config.UploadHandlerAsset);
        Assert.Equal(Path.Combine(_root.FullName, "artifacts", "import-monitor"), config.ImportMonitorAsset);
        Assert.Equal(Path.Combine(_root.FullName, "artifacts", "import-dispatcher"), config.ImportDispatcherAsset);
        Assert.Equal(600, config.ImportEventWaitSeconds);
        Assert.Equal(new AdmissionConfig(1, 100, 10), config.Admission);
    }

    [Theory]
    [InlineData(0.5, "250", 0, 0.5, 250, 0)]
    [InlineData("40", 400.0, "50", 40, 400, 50)]
    [InlineData("1", "1", "0", 1, 1, 0)]
    public void FromContext_WhenAdmissionLimitsAreValid_ShouldAcceptNumberOrText(object tps, object maxJobs, object reserved, double expectedTps, int expectedMax, int expectedReserved)
    {
        var config = Read(new() { ["importStartTps"] = tps, ["maxConcurrentImportJobs"] = maxJobs, ["urgentReservedJobs"] = reserved });

        Assert.Equal(new AdmissionConfig(expectedTps, expectedMax, expectedReserved), config.Admission);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("fast")]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    public void FromContext_WhenImportStartTpsIsNotAPositiveNumber_ShouldRejectItNamingTheKey(string value)
    {
        var error = Assert.Throws<StackConfigException>(() => Read(new() { ["importStartTps"] = value }));

        Assert.Contains("'importStartTps'", Assert.Single(error.Errors), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-100")]
    [InlineData("100.5")]
    [InlineData("many")]
    public void FromContext_WhenMaxConcurrentImportJobsIsNotAPositiveWholeNumber_ShouldRejectItNamingTheKey(string value)
    {
        var error = Assert.Throws<StackConfigException>(() => Read(new() { ["maxConcurrentImportJobs"] = value, ["urgentReservedJobs"] = "0" }));

        Assert.Contains("'maxConcurrentImportJobs'", Assert.Single(error.Errors), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-1", "100")]
    [InlineData("100", "100")]
    [InlineData("10", "5")]
    [InlineData("2.5", "100")]
    [InlineData("some", "100")]
    public void FromContext_WhenUrgentReservedJobsIsNegativeNotWholeOrNotBelowTheCeiling_ShouldRejectItNamingTheKey(string reserved, string maxJobs)
    {
        var error = Assert.Throws<StackConfigException>(() => Read(new() { ["urgentReservedJobs"] = reserved, ["maxConcurrentImportJobs"] = maxJobs }));

        Assert.Contains("'urgentReservedJobs'", Assert.Single(error.Errors), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(60.0, 60)]
    [InlineData("900", 900)]
    [InlineData(3600.0, 3600)]
    public void FromContext_WhenImportEventWaitIsWithinAMinuteToAnHour_ShouldAcceptNumberOrText(object value, int expectedSeconds)
    {
        var config = Read(new() { ["importEventWaitSeconds"] = value });

        Assert.Equal(expectedSeconds, config.ImportEventWaitSeconds);
    }

    [Theory]
    [InlineData("59")]
    [InlineData("3601")]
    [InlineData("0")]
    [InlineData("-600")]
    [InlineData("ten minutes")]
    [InlineData("600.5")]
    public void FromContext_WhenImportEventWaitIsOutOfRangeOrNotWhole_ShouldRejectItNamingTheKey(string value)
    {
        var error = Assert.Throws<StackConfigException>(() => Read(new() { ["importEventWaitSeconds"] = value }));

        Assert.Contains("'importEventWaitSeconds'", Assert.Single(error.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void FromContext_WhenReadingTheRepositoryCdkJson_ShouldMatchTheCodeDefaults()
    {
        var defaults = Read([]);

        var config = Read(CdkJson.Context());

        Assert.Equal(defaults, config with { CorsAllowedOrigins = defaults.CorsAllowedOrigins });
        Assert.Equal(defaults.CorsAllowedOrigins, config.CorsAllowedOrigins);
    }

    [Theory]
    [InlineData("Stroke")]
    [InlineData("ab")]
    [InlineData("-stroke")]
    [InlineData("stroke-")]
    [InlineData("9stroke")]
    [InlineData("stroke.ai")]
    [InlineData("stroke_ai")]
    [InlineData("abcdefghij-abcdefghij-abcdefghij-abcd")]
    public void FromContext_WhenProjectNameIsInvalid_ShouldRejectItNamingTheContextKey(string projectName)
    {
        var error = Assert.Throws<StackConfigException>(() => Read(new() { ["projectName"] = projectName }));

        var message = Assert.Single(error.Errors);
        Assert.Contains("'projectName'", message, StringComparison.Ordinal);
        Assert.Contains(projectName, message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("acme-neuro")]
    [InlineData("abcdefghij-abcdefghij-abcdefghij-abc")]
    public void FromContext_WhenProjectNameFitsEveryDerivedName_ShouldAcceptIt(string projectName)
    {
        var config = Read(new() { ["projectName"] = projectName });

        Assert.Equal(projectName, config.ProjectName);
        // The longest derived name must stay a valid S3 bucket name with a 12-digit account.
        Assert.True($"{projectName}-dicom-uploads-123456789012".Length <= 63);
    }

    [Theory]
    [InlineData("jwtIssuer", "https://login.example.org")]
    [InlineData("jwtAudience", "upload-api")]
    public void FromContext_WhenOnlyOneJwtSettingIsGiven_ShouldRejectNamingBothKeys(string key, string value)
    {
        var error = Assert.Throws<StackConfigException>(() => Read(new() { [key] = value }));

        var message = Assert.Single(error.Errors);
        Assert.Contains("'jwtIssuer'", message, StringComparison.Ordinal);
        Assert.Contains("'jwtAudience'", message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromContext_WhenJwtIssuerIsNotHttps_ShouldRejectIt()
    {
        var error = Assert.Throws<StackConfigException>(() =>
            Read(new() { ["jwtIssuer"] = "http://login.example.org", ["jwtAudience"] = "api" }));

        Assert.Contains("'jwtIssuer'", Assert.Single(error.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void FromContext_WhenBothJwtSettingsAreGiven_ShouldSplitTheAudiences()
    {
        var config = Read(new() { ["jwtIssuer"] = "https://login.example.org", ["jwtAudience"] = "api, cli" });

        Assert.Equal("https://login.example.org", config.Jwt?.Issuer);
        Assert.Equal(["api", "cli"], config.Jwt?.Audiences);
    }

    [Fact]
    public void FromContext_WhenCorsOriginsAreAList_ShouldSplitAndTrimThem()
    {
        var config = Read(new() { ["corsAllowedOrigins"] = " https://a.example.org , https://b.example.org:8443" });

        Assert.Equal(["https://a.example.org", "https://b.example.org:8443"], config.CorsAllowedOrigins);
    }

    [Fact]
    public void FromContext_WhenCorsOriginsComeAsAJsonArray_ShouldAcceptThem()
    {
        var config = Read(new() { ["corsAllowedOrigins"] = new object[] { "https://a.example.org" } });

        Assert.Equal(["https://a.example.org"], config.CorsAllowedOrigins);
    }

    [Theory]
    [InlineData("*,https://a.example.org")]
    [InlineData("https://a.example.org/app")]
    [InlineData("a.example.org")]
    public void FromContext_WhenCorsOriginIsNotAnOrigin_ShouldRejectIt(string origins)
    {
        var error = Assert.Throws<StackConfigException>(() => Read(new() { ["corsAllowedOrigins"] = origins }));

        Assert.Contains("'corsAllowedOrigins'", Assert.Single(error.Errors), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(90.0, 90)]
    [InlineData("731", 731)]
    [InlineData(3653.0, 3653)]
    public void FromContext_WhenLogRetentionIsACloudWatchPeriod_ShouldAcceptNumberOrText(object value, int expectedDays)
    {
        var config = Read(new() { ["logRetentionDays"] = value });

        Assert.Equal(expectedDays, config.LogRetentionDays);
    }

    [Theory]
    [InlineData("100")]
    [InlineData("0")]
    [InlineData("a year")]
    public void FromContext_WhenLogRetentionIsNotACloudWatchPeriod_ShouldRejectIt(string value)
    {
        var error = Assert.Throws<StackConfigException>(() => Read(new() { ["logRetentionDays"] = value }));

        Assert.All(error.Errors, e => Assert.Contains("'logRetentionDays'", e, StringComparison.Ordinal));
    }

    [Fact]
    public void FromContext_WhenArchitectureIsX86_ShouldSelectIt()
    {
        Assert.Equal(LambdaArchitecture.X86_64, Read(new() { ["architecture"] = "x86_64" }).Architecture);
    }

    [Fact]
    public void FromContext_WhenArchitectureIsUnknown_ShouldRejectIt()
    {
        var error = Assert.Throws<StackConfigException>(() => Read(new() { ["architecture"] = "amd64" }));

        Assert.Contains("'architecture'", Assert.Single(error.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void FromContext_WhenKmsKeyArnIsAnAlias_ShouldRejectIt()
    {
        var error = Assert.Throws<StackConfigException>(() =>
            Read(new() { ["kmsKeyArn"] = "arn:aws:kms:eu-west-1:123456789012:alias/imaging" }));

        Assert.Contains("'kmsKeyArn'", Assert.Single(error.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void FromContext_WhenKmsKeyArnIsEmpty_ShouldTreatItAsUnset()
    {
        Assert.Null(Read(new() { ["kmsKeyArn"] = " " }).KmsKeyArn);
    }

    [Fact]
    public void FromContext_WhenAlarmEmailIsMalformed_ShouldRejectIt()
    {
        var error = Assert.Throws<StackConfigException>(() => Read(new() { ["alarmEmail"] = "oncall" }));

        Assert.Contains("'alarmEmail'", Assert.Single(error.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void FromContext_WhenABundleDirectoryIsMissing_ShouldNameTheKeyAndHowToBuildIt()
    {
        var error = Assert.Throws<StackConfigException>(() => Read(new() { ["uploadHandlerAsset"] = "missing/bundle" }));

        var message = Assert.Single(error.Errors);
        Assert.Contains("'uploadHandlerAsset'", message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(_root.FullName, "missing", "bundle"), message, StringComparison.Ordinal);
        Assert.Contains("cdk synth", message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromContext_WhenSeveralValuesAreInvalid_ShouldReportEveryOneInTheMessage()
    {
        var error = Assert.Throws<StackConfigException>(() =>
            Read(new() { ["projectName"] = "Bad", ["architecture"] = "sparc", ["logRetentionDays"] = "2" }));

        Assert.Equal(3, error.Errors.Count);
        Assert.Contains("'projectName'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'architecture'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'logRetentionDays'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromContext_WhenVpcAndAuditTrailAreUnset_ShouldRunOutsideAnyVpcWithoutATrail()
    {
        var config = Read([]);

        Assert.Equal(VpcSettings.None, config.Vpc);
        Assert.False(config.AuditTrail);
    }

    [Theory]
    [InlineData("none", "None")]
    [InlineData("create", "Create")]
    public void FromContext_WhenVpcIsNoneOrCreate_ShouldNeedNothingElse(string value, string mode)
    {
        var config = Read(new() { ["vpc"] = value });

        Assert.Equal(mode, config.Vpc.Mode.ToString());
        Assert.Null(config.Vpc.VpcId);
        Assert.Empty(config.Vpc.SubnetIds);
    }

    [Fact]
    public void FromContext_WhenVpcIsAnExistingId_ShouldKeepItsSubnetsAndRouteTablesInOrder()
    {
        var config = Read(new()
        {
            ["vpc"] = "vpc-0a1b2c3d4e5f60718",
            ["vpcSubnetIds"] = "subnet-0a1b2c3d4e5f60718, subnet-1b2c3d4e",
            ["vpcRouteTableIds"] = new object[] { "rtb-2c3d4e5f" },
        });

        Assert.Equal(VpcMode.Existing, config.Vpc.Mode);
        Assert.Equal("vpc-0a1b2c3d4e5f60718", config.Vpc.VpcId);
        Assert.Equal(["subnet-0a1b2c3d4e5f60718", "subnet-1b2c3d4e"], config.Vpc.SubnetIds);
        Assert.Equal(["rtb-2c3d4e5f"], config.Vpc.RouteTableIds);
    }

    [Theory]
    [InlineData("private", "'vpc' must be 'none', 'create' or an existing VPC id")]
    [InlineData("Create", "'vpc' must be 'none', 'create' or an existing VPC id")]
    [InlineData("vpc-123", "'vpc' must be 'none', 'create' or an existing VPC id")]
    [InlineData("vpc-0A1B2C3D", "'vpc' must be 'none', 'create' or an existing VPC id")]
    [InlineData("vpc-0a1b2c3d4e5f6071", "'vpc' must be 'none', 'create' or an existing VPC id")]
    [InlineData("subnet-0a1b2c3d", "'vpc' must be 'none', 'create' or an existing VPC id")]
    public void FromContext_WhenVpcIsAnUnknownModeOrMalformedId_ShouldRefuseItInOneLine(string value, string expected)
    {
        var error = Assert.Throws<StackConfigException>(() => Read(new()
        {
            ["vpc"] = value,
            ["vpcSubnetIds"] = "subnet-0a1b2c3d,subnet-1b2c3d4e",
            ["vpcRouteTableIds"] = "rtb-2c3d4e5f",
        }));

        var line = Assert.Single(error.Errors);
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.Contains($"'{value}'", line, StringComparison.Ordinal);
        Assert.DoesNotContain(Environment.NewLine, line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "rtb-2c3d4e5f", "'vpcSubnetIds' must list at least 2 private subnets of vpc-0a1b2c3d")]
    [InlineData("subnet-0a1b2c3d", "rtb-2c3d4e5f", "'vpcSubnetIds' must list at least 2 private subnets of vpc-0a1b2c3d")]
    [InlineData("subnet-0a1b2c3d,subnet-0a1b2c3d", "rtb-2c3d4e5f", "'vpcSubnetIds' must list at least 2 private subnets of vpc-0a1b2c3d")]
    [InlineData("subnet-0a1b2c3d,sg-1b2c3d4e", "rtb-2c3d4e5f", "'vpcSubnetIds' has 'sg-1b2c3d4e', which is not a subnet id")]
    [InlineData("subnet-0a1b2c3d,subnet-1b2c3d4e", null, "'vpcRouteTableIds' must list the route tables of the subnets")]
    [InlineData("subnet-0a1b2c3d,subnet-1b2c3d4e", "rtb-XYZ", "'vpcRouteTableIds' has 'rtb-XYZ', which is not a route table id")]
    public void FromContext_WhenAnExistingVpcLacksValidSubnetsOrRouteTables_ShouldSaySoNamingTheKey(string? subnets, string? routeTables, string expected)
    {
        var context = new Dictionary<string, object> { ["vpc"] = "vpc-0a1b2c3d" };
        if (subnets is not null)
        {
            context["vpcSubnetIds"] = subnets;
        }

        if (routeTables is not null)
        {
            context["vpcRouteTableIds"] = routeTables;
        }

        var error = Assert.Throws<StackConfigException>(() => Read(context));

        Assert.Contains(error.Errors, e => e.Contains(expected, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("none")]
    [InlineData("create")]
    public void FromContext_WhenSubnetsAreNamedWithoutAnExistingVpc_ShouldRefuseThemInOneLine(string mode)
    {
        var error = Assert.Throws<StackConfigException>(() => Read(new() { ["vpc"] = mode, ["vpcSubnetIds"] = "subnet-0a1b2c3d,subnet-1b2c3d4e" }));

        Assert.Contains($"set them only with 'vpc' = <vpc id> (got 'vpc' = '{mode}')", Assert.Single(error.Errors), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData(true, true)]
    [InlineData("False", false)]
    public void FromContext_WhenAuditTrailIsABoolean_ShouldAcceptTextOrJson(object value, bool expected)
    {
        Assert.Equal(expected, Read(new() { ["auditTrail"] = value }).AuditTrail);
    }

    [Theory]
    [InlineData("yes")]
    [InlineData("1")]
    public void FromContext_WhenAuditTrailIsNotABoolean_ShouldRefuseItInOneLine(string value)
    {
        var error = Assert.Throws<StackConfigException>(() => Read(new() { ["auditTrail"] = value }));

        Assert.Equal($"Context 'auditTrail' must be true or false (got '{value}').", Assert.Single(error.Errors));
    }

    [Fact]
    public void FromContext_WhenReservedConcurrencyIsNotSet_ShouldReserveNone()
    {
        var config = Read([]);

        Assert.Null(config.UploadReservedConcurrency);
        Assert.Null(config.MonitorReservedConcurrency);
    }

    [Theory]
    [InlineData(50.0, "20", 50, 20)]
    [InlineData("1", 1.0, 1, 1)]
    public void FromContext_WhenReservedConcurrencyIsAPositiveWholeNumber_ShouldAcceptNumberOrText(object upload, object monitor, int expectedUpload, int expectedMonitor)
    {
        var config = Read(new() { ["uploadReservedConcurrency"] = upload, ["monitorReservedConcurrency"] = monitor });

        Assert.Equal(expectedUpload, config.UploadReservedConcurrency);
        Assert.Equal(expectedMonitor, config.MonitorReservedConcurrency);
    }

    [Theory]
    [InlineData("uploadReservedConcurrency", "0")]
    [InlineData("uploadReservedConcurrency", "-5")]
    [InlineData("monitorReservedConcurrency", "twenty")]
    [InlineData("monitorReservedConcurrency", "2.5")]
    public void FromContext_WhenReservedConcurrencyIsNotAPositiveWholeNumber_ShouldRejectItNamingTheKey(string key, string value)
    {
        var error = Assert.Throws<StackConfigException>(() => Read(new() { [key] = value }));

        Assert.Contains($"'{key}'", Assert.Single(error.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void FromContext_WhenReservedConcurrencyIsZero_ShouldSayTheQuotaMustKeep100Unreserved()
    {
        var error = Assert.Throws<StackConfigException>(() => Read(new() { ["uploadReservedConcurrency"] = "0" }));

        Assert.Contains("+ 100", error.Message, StringComparison.Ordinal);
    }

    private StackConfig Read(Dictionary<string, object> context) =>
        StackConfig.FromContext(key => context.GetValueOrDefault(key), _root.FullName);
}

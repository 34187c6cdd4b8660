using StrokeIngestion.Infrastructure.Constructs;
using StrokeIngestion.Infrastructure.Tests.Support;
using static StrokeIngestion.Infrastructure.Tests.Support.J;

namespace StrokeIngestion.Infrastructure.Tests.Constructs;

[Collection(SynthesizedStacks.Name)]
public sealed class IngestionFunctionTests(DefaultStackFixture stack, CustomizedStackFixture customized)
{
    private const string UploadHandler = "StrokeIngestion.UploadHandler::StrokeIngestion.UploadHandler.Function::Handle";
    private const string ImportMonitor = "StrokeIngestion.ImportMonitor::StrokeIngestion.ImportMonitor.Function::Handle";
    private const string ImportDispatcher = "StrokeIngestion.ImportDispatcher::StrokeIngestion.ImportDispatcher.Function::Handle";

    [Theory]
    [InlineData("stroke-detection-ai-upload-handler", UploadHandler, 1024, 29)]
    [InlineData("stroke-detection-ai-import-monitor", ImportMonitor, 512, 60)]
    [InlineData("stroke-detection-ai-import-dispatcher", ImportDispatcher, 1024, 120)]
    public void Function_ShouldRunTheManagedDotnet10RuntimeOnArm64WithTracing(string name, string handler, int memory, int timeout)
    {
        stack.Template.HasResourceProperties("AWS::Lambda::Function", Obj(
            ("FunctionName", name),
            ("Runtime", "dotnet10"),
            ("Handler", handler),
            ("Architectures", Arr("arm64")),
            ("MemorySize", memory),
            ("Timeout", timeout),
            ("TracingConfig", Obj(("Mode", "Active")))));
    }

    [Fact]
    public void Function_ByDefault_ShouldReserveNoConcurrencySoThatAnyAccountQuotaCanDeploy()
    {
        var functions = stack.OfType("AWS::Lambda::Function").ToList();

        Assert.Equal(3, functions.Count);
        Assert.All(functions, f => Assert.Null(f.Resource["Properties"]?["ReservedConcurrentExecutions"]));
    }

    [Theory]
    [InlineData("acme-neuro-upload-handler", CustomizedStackFixture.UploadReservedConcurrency)]
    [InlineData("acme-neuro-import-monitor", CustomizedStackFixture.MonitorReservedConcurrency)]
    public void Function_WhenReservedConcurrencyIsConfigured_ShouldReserveExactlyThat(string name, int reserved)
    {
        customized.Template.HasResourceProperties("AWS::Lambda::Function", Obj(
            ("FunctionName", name),
            ("ReservedConcurrentExecutions", reserved)));
    }

    [Theory]
    [InlineData("stroke-detection-ai-upload-handler")]
    [InlineData("stroke-detection-ai-import-monitor")]
    [InlineData("stroke-detection-ai-import-dispatcher")]
    public void Function_ShouldWriteItsJsonLinesUnformattedUnderTextLogging(string name)
    {
        // The managed runtime prefixes every Console line (Text) or wraps it in its own JSON
        // (JSON) unless AWS_LAMBDA_HANDLER_LOG_FORMAT says Unformatted: then no JSON metric
        // filter would ever match what the function writes.
        stack.Template.HasResourceProperties("AWS::Lambda::Function", Obj(
            ("FunctionName", name),
            ("LoggingConfig", Obj(("LogFormat", "Text"))),
            ("Environment", Obj(("Variables", Obj(("AWS_LAMBDA_HANDLER_LOG_FORMAT", "Unformatted")))))));
    }

    [Fact]
    public void Function_WhenArchitectureIsConfigured_ShouldUseItForBothFunctions()
    {
        foreach (var (_, function) in customized.OfType("AWS::Lambda::Function"))
        {
            Assert.Equal("[\"x86_64\"]", function["Properties"]?["Architectures"]?.ToJsonString());
        }
    }

    [Fact]
    public void UploadHandler_ShouldReceiveEveryEnvironmentVariableOfTheContract()
    {
        var id = stack.LogicalId(stack.Stack.UploadHandler.Function);

        var variables = Variables(id);

        Assert.Equal(
            new Dictionary<string, string>
            {
                ["ALLOWED_MODALITIES"] = "CT,MR",
                ["AWS_LAMBDA_HANDLER_LOG_FORMAT"] = "Unformatted",
                ["DATASTORE_ID"] = "{ImagingDatastore.DatastoreId}",
                ["IMPORT_INPUT_PREFIX"] = "imports/",
                ["IMPORT_OUTPUT_PREFIX"] = "import-output/",
                ["IMPORT_ROLE_ARN"] = "{" + stack.LogicalId(stack.Stack.Datastore.ImportRole) + ".Arn}",
                ["STATE_MACHINE_ARN"] = "{" + stack.LogicalId(stack.Stack.Workflow.StateMachine) + "}",
                ["STUDY_TABLE_NAME"] = "{StudyMetadataTable}",
                ["UPLOAD_BUCKET_NAME"] = "{DicomUploadBucket}",
                ["UPLOAD_PREFIX"] = "uploads/",
            }.With(QueueVariables()),
            variables);
    }

    [Fact]
    public void ImportDispatcher_ShouldReceiveTheUploadHandlersVariablesAndTheQueuesAndAdmissionLimits()
    {
        var dispatcher = Variables(stack.LogicalId(stack.Stack.ImportDispatcher.Function));
        var upload = Variables(stack.LogicalId(stack.Stack.UploadHandler.Function));

        // The dispatcher loads UploadSettings as the upload handler does, plus AdmissionSettings.
        Assert.Equal(upload, dispatcher);
        Assert.Equal("{" + stack.LogicalId(stack.Stack.Queues.Urgent) + "}", dispatcher["URGENT_QUEUE_URL"]);
        Assert.Equal("{" + stack.LogicalId(stack.Stack.Queues.Routine) + "}", dispatcher["ROUTINE_QUEUE_URL"]);
    }

    [Fact]
    public void AdmissionLimits_WhenConfigured_ShouldReachAllThreeFunctions()
    {
        foreach (var (_, function) in customized.OfType("AWS::Lambda::Function"))
        {
            var variables = function["Properties"]?["Environment"]?["Variables"];
            Assert.Equal("40", variables?["IMPORT_START_TPS"]?.GetValue<string>());
            Assert.Equal("2", variables?["IMPORT_START_BURST"]?.GetValue<string>());
            Assert.Equal("400", variables?["MAX_CONCURRENT_IMPORT_JOBS"]?.GetValue<string>());
            Assert.Equal("50", variables?["URGENT_RESERVED_JOBS"]?.GetValue<string>());
        }
    }

    [Fact]
    public void ImportMonitor_ShouldReceiveTheSharedEnvironmentVariablesAndTheAdmissionLimits()
    {
        var id = stack.LogicalId(stack.Stack.ImportMonitor.Function);

        var variables = Variables(id);

        Assert.Equal(
            new Dictionary<string, string>
            {
                ["AWS_LAMBDA_HANDLER_LOG_FORMAT"] = "Unformatted",
                ["DATASTORE_ID"] = "{ImagingDatastore.DatastoreId}",
                ["IMPORT_INPUT_PREFIX"] = "imports/",
                ["IMPORT_OUTPUT_PREFIX"] = "import-output/",
                ["STUDY_TABLE_NAME"] = "{StudyMetadataTable}",
                ["UPLOAD_BUCKET_NAME"] = "{DicomUploadBucket}",
                ["UPLOAD_PREFIX"] = "uploads/",
            }.With(AdmissionVariables),
            variables);
    }

    [Theory]
    [InlineData("stroke-detection-ai-upload-handler")]
    [InlineData("stroke-detection-ai-import-monitor")]
    [InlineData("stroke-detection-ai-import-dispatcher")]
    public void Function_ShouldLogToItsOwnRetainedLogGroupWithRetention(string name)
    {
        var (functionId, function) = stack.OfType("AWS::Lambda::Function")
            .Single(f => f.Resource["Properties"]?["FunctionName"]?.GetValue<string>() == name);

        var logGroupId = function["Properties"]?["LoggingConfig"]?["LogGroup"]?["Ref"]?.GetValue<string>();

        Assert.False(string.IsNullOrEmpty(logGroupId), functionId + " has no LoggingConfig.LogGroup reference");
        var logGroup = stack.Resources[logGroupId]?.AsObject();
        Assert.Equal($"/aws/lambda/{name}", logGroup?["Properties"]?["LogGroupName"]?.GetValue<string>());
        Assert.Equal(365, logGroup?["Properties"]?["RetentionInDays"]?.GetValue<int>());
        Assert.Equal("RetainExceptOnCreate", logGroup?["DeletionPolicy"]?.GetValue<string>());
    }

    [Fact]
    public void LogGroups_WhenRetentionIsConfigured_ShouldAllUseIt()
    {
        var retentions = customized.OfType("AWS::Logs::LogGroup")
            .Select(g => g.Resource["Properties"]?["RetentionInDays"]?.GetValue<int>())
            .ToList();

        Assert.Equal(5, retentions.Count);
        Assert.All(retentions, r => Assert.Equal(90, r));
    }

    [Fact]
    public void Roles_ShouldNotUseManagedPoliciesExceptAwsBackupsOwnServiceRole()
    {
        var managed = stack.OfType("AWS::IAM::Role")
            .Where(r => r.Resource["Properties"]?["ManagedPolicyArns"] is not null)
            .Select(r => (r.LogicalId, Policies: r.Resource["Properties"]?["ManagedPolicyArns"]?.AsArray().Select(stack.Placeholders.Render).ToList()))
            .ToList();

        var (roleId, policies) = Assert.Single(managed);
        Assert.Equal(["arn:{AWS::Partition}:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup"], policies);
        Assert.Contains(
            "backup.amazonaws.com",
            stack.Resources[roleId]?["Properties"]?["AssumeRolePolicyDocument"]?.ToJsonString() ?? string.Empty,
            StringComparison.Ordinal);
    }

    // cdk.json's defaults: HealthImaging's default quotas, a tenth of the slots kept for urgent studies.
    private static readonly Dictionary<string, string> AdmissionVariables = new()
    {
        ["IMPORT_START_TPS"] = "1",
        ["IMPORT_START_BURST"] = "2",
        ["MAX_CONCURRENT_IMPORT_JOBS"] = "100",
        ["URGENT_RESERVED_JOBS"] = "10",
    };

    private Dictionary<string, string> QueueVariables() => new Dictionary<string, string>
    {
        // Ref of a queue is its URL.
        ["URGENT_QUEUE_URL"] = "{" + stack.LogicalId(stack.Stack.Queues.Urgent) + "}",
        ["ROUTINE_QUEUE_URL"] = "{" + stack.LogicalId(stack.Stack.Queues.Routine) + "}",
    }.With(AdmissionVariables);

    private Dictionary<string, string> Variables(string functionId)
    {
        var variables = stack.Resources[functionId]?["Properties"]?["Environment"]?["Variables"]?.AsObject() ?? [];
        return variables.ToDictionary(v => v.Key, v => stack.Placeholders.Render(v.Value));
    }
}

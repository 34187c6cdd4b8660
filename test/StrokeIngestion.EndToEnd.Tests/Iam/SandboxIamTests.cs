using System.Net;
using System.Text.Json.Nodes;
using StrokeIngestion.Core.Upload;
using StrokeIngestion.EndToEnd.Tests.Sandbox;
using StrokeIngestion.Sandbox.Faults;

namespace StrokeIngestion.EndToEnd.Tests.Iam;

/// <summary>
/// The sandbox authorizes every call against the synthesized template's role statements: the
/// stack as synthesized runs without a refusal, and a statement taken out of it stops the
/// pipeline with AccessDenied at the call that needed it.
/// </summary>
[Collection(SharedSandbox.Name)]
public sealed class SandboxIamTests
{
    private readonly SandboxFixture _sandbox;

    public SandboxIamTests(SandboxFixture sandbox) => _sandbox = sandbox;

    [SkippableFact]
    public async Task PostUpload_WhenEveryStatementIsInPlace_ShouldReachReadyWithoutAnyRefusal()
    {
        // Arrange
        var folder = SandboxFixture.NewFolder("iam-clean");
        var study = SandboxFixture.NewStudy("CT", "IAM-PATIENT-0001", slicesPerSeries: 2);
        _sandbox.RecordPhi("IAM-PATIENT-0001", folder);
        await _sandbox.PutFolderAsync(folder, study.Files);
        var before = _sandbox.Host.IamDenials.All.Count;

        // Act
        var studyId = await _sandbox.PostAcceptedAsync("IAM-PATIENT-0001", folder);
        var record = await _sandbox.WaitForTerminalStudyAsync(studyId);

        // Assert
        Assert.Equal("READY_FOR_ANALYSIS", SandboxFixture.Text(record, "status"));
        var refused = _sandbox.Host.IamDenials.All.Skip(before).Where(d => !d.MissingKey).Select(d => d.Message).ToList();
        Assert.True(refused.Count == 0, string.Join('\n', refused));
    }

    [SkippableFact]
    public async Task PostUpload_WhenTheObjectDoesNotExist_ShouldBe404ThoughS3Answered403()
    {
        // Arrange: the handler may list uploads/ only under a prefix, so S3 hides a missing key behind 403.
        var key = SandboxFixture.NewFolder("iam-missing") + "never_uploaded.dcm";
        _sandbox.RecordPhi("IAM-PATIENT-0002", key);

        // Act
        var answer = await _sandbox.PostUploadAsync("IAM-PATIENT-0002", key);

        // Assert
        Assert.True(answer.Status == HttpStatusCode.NotFound, answer.Text);
        var denial = Assert.Single(_sandbox.Host.IamDenials.All, d => d.Request.Resource.EndsWith(key, StringComparison.Ordinal));
        Assert.True(denial.MissingKey);
        Assert.Equal(S3OperationNames.HeadObject, denial.Operation);
        Assert.Contains("upload-handler", denial.Caller, StringComparison.Ordinal);
    }
}

/// <summary>Each case runs its own sandbox on a template with one statement deleted.</summary>
public sealed class SandboxIamDeletionTests
{
    [SkippableTheory]
    [InlineData("ImportDispatcherRole", "StartMonitoring", FaultTarget.StepFunctions, "states:StartExecution", "import-dispatcher")]
    [InlineData("ImportDispatcherRole", "StartImport", FaultTarget.HealthImaging, "medical-imaging:StartDICOMImportJob", "import-dispatcher")]
    [InlineData("ImportDispatcherRole", "PassImportRole", FaultTarget.HealthImaging, "iam:PassRole", "import-dispatcher")]
    [InlineData("UploadHandlerRole", "WriteStudyRecords", FaultTarget.DynamoDb, "dynamodb:", "upload-handler")]
    [InlineData("ImportMonitorRole", "ReadImportReports", FaultTarget.S3, "s3:GetObject", "import-monitor")]
    [InlineData("ImportDatastoreImportRole", "ReadStudyCopies", FaultTarget.S3, "s3:GetObject", "medical-imaging")]
    [InlineData("ImportWorkflowStateMachineRole", "lambda:InvokeFunction", FaultTarget.Lambda, "lambda:InvokeFunction", "stroke-detection-ai-processing")]
    internal async Task Pipeline_WhenOneStatementIsDeleted_ShouldFailWithAccessDeniedAtTheCallThatNeedsIt(
        string rolePrefix, string sidOrAction, FaultTarget service, string action, string caller)
    {
        // Arrange
        var sandbox = new SandboxFixture("iam-deleted", template => DeleteStatement(template, rolePrefix, sidOrAction));
        await sandbox.InitializeAsync();
        try
        {
            // One file more than POST /upload starts at once: the dispatcher must start it.
            var folder = SandboxFixture.NewFolder("iam-deleted");
            var study = SandboxFixture.NewStudy("CT", "IAM-PATIENT-0003", slicesPerSeries: ImportQueueing.StartAtOnceMaxFiles + 1);
            await sandbox.PutFolderAsync(folder, study.Files);

            // Act
            var answer = await sandbox.PostUploadAsync("IAM-PATIENT-0003", folder);
            var status = answer.Status == HttpStatusCode.Accepted
                ? SandboxFixture.Text(await sandbox.WaitForTerminalStudyAsync(answer.Body.GetProperty("study_id").GetString() ?? string.Empty, uploadFailedEnds: true), "status")
                : $"HTTP {(int)answer.Status}";

            // Assert: the study does not get through, and IAM names the call that was refused.
            Assert.NotEqual("READY_FOR_ANALYSIS", status);
            var refused = sandbox.Host.IamDenials.All.Where(d => !d.MissingKey).ToList();
            Assert.NotEmpty(refused);
            Assert.All(refused, d =>
            {
                Assert.Equal(service, d.Service);
                // "service:" stands for any action of the deleted statement (the first call decides which).
                Assert.True(action.EndsWith(':') ? d.Request.Action.StartsWith(action, StringComparison.Ordinal) : d.Request.Action == action, d.Message);
                Assert.Contains(caller, d.Caller, StringComparison.Ordinal);
            });
        }
        finally
        {
            await sandbox.DisposeAsync();
            sandbox.Dispose();
        }
    }

    [SkippableTheory]
    [InlineData("StartMonitoring", FaultTarget.StepFunctions, "states:StartExecution")]
    [InlineData("StartImport", FaultTarget.HealthImaging, "medical-imaging:StartDICOMImportJob")]
    [InlineData("PassImportRole", FaultTarget.HealthImaging, "iam:PassRole")]
    internal async Task Upload_WhenTheUploadHandlerMayNotStartTheImport_ShouldBeRefusedThereAndTheDispatcherStillBringTheStudyToReady(
        string sid, FaultTarget service, string action)
    {
        // Arrange: the upload handler tries to start a small study at once and is refused.
        var sandbox = new SandboxFixture("iam-at-once", template => DeleteStatement(template, "UploadHandlerRole", sid));
        await sandbox.InitializeAsync();
        try
        {
            var folder = SandboxFixture.NewFolder("iam-at-once");
            await sandbox.PutFolderAsync(folder, SandboxFixture.NewStudy("CT", "IAM-PATIENT-0005").Files);

            // Act
            var answer = await sandbox.PostUploadAsync("IAM-PATIENT-0005", folder);
            var record = await sandbox.WaitForTerminalStudyAsync(answer.Body.GetProperty("study_id").GetString() ?? string.Empty);

            // Assert: never refused to the clinician; IAM names the upload handler's call; the queue finishes the study.
            Assert.Equal(HttpStatusCode.Accepted, answer.Status);
            Assert.Equal("READY_FOR_ANALYSIS", SandboxFixture.Text(record, "status"));
            var refused = sandbox.Host.IamDenials.All.Where(d => !d.MissingKey).ToList();
            Assert.NotEmpty(refused);
            Assert.All(refused, d =>
            {
                Assert.Equal(service, d.Service);
                Assert.Equal(action, d.Request.Action);
                Assert.Contains("upload-handler", d.Caller, StringComparison.Ordinal);
            });
        }
        finally
        {
            await sandbox.DisposeAsync();
            sandbox.Dispose();
        }
    }

    [SkippableFact]
    public async Task ImportEvents_WhenTheMonitorsPermissionForTheRuleIsDeleted_ShouldBeRefusedAndTheStudyStillEndThroughThePoll()
    {
        // Arrange: no AWS::Lambda::Permission lets EventBridge invoke the monitor for the import-ended rule.
        var sandbox = new SandboxFixture("iam-rule", template =>
            template["Resources"]?.AsObject().Remove(
                template["Resources"]?.AsObject().Single(r => r.Key.StartsWith("ImportWorkflowImportJobEndedRuleAllowEventRule", StringComparison.Ordinal)).Key ?? string.Empty));
        await sandbox.InitializeAsync();
        try
        {
            var key = SandboxFixture.NewFolder("iam-rule") + "head.dcm";
            await sandbox.PutObjectAsync(key, SandboxFixture.NewStudy("CT", "IAM-PATIENT-0004").Files[0]);

            // Act
            var studyId = await sandbox.PostAcceptedAsync("IAM-PATIENT-0004", key);
            var record = await sandbox.WaitForTerminalStudyAsync(studyId);

            // Assert
            Assert.Equal("READY_FOR_ANALYSIS", SandboxFixture.Text(record, "status"));
            // Every delivery attempt of the rule is refused (EventBridge retries, then dead-letters).
            var refused = sandbox.Host.IamDenials.All.Where(d => !d.MissingKey).ToList();
            Assert.NotEmpty(refused);
            Assert.All(refused, d =>
            {
                Assert.Equal("events.amazonaws.com", d.Caller);
                Assert.Equal(FaultTarget.Lambda, d.Service);
                Assert.Contains("no resource-based policy allows", d.Message, StringComparison.Ordinal);
                Assert.Equal("lambda:InvokeFunction", d.Request.Action);
                Assert.Equal("stroke-detection-ai-import-job-ended", d.Operation);
            });
        }
        finally
        {
            await sandbox.DisposeAsync();
            sandbox.Dispose();
        }
    }

    /// <summary>Deletes the statement of the role's policy with this Sid (or, for CDK's unnamed ones, this first action).</summary>
    private static void DeleteStatement(JsonObject template, string rolePrefix, string sidOrAction)
    {
        var resources = template["Resources"]?.AsObject() ?? [];
        var role = resources.Single(r => r.Key.StartsWith(rolePrefix, StringComparison.Ordinal) && r.Value?["Type"]?.GetValue<string>() == "AWS::IAM::Role").Key;
        var statements = resources
            .Where(r => r.Value?["Type"]?.GetValue<string>() == "AWS::IAM::Policy"
                && r.Value["Properties"]?["Roles"]?.AsArray().Any(x => x?["Ref"]?.GetValue<string>() == role) == true)
            .Select(r => r.Value?["Properties"]?["PolicyDocument"]?["Statement"]?.AsArray())
            .Single() ?? throw new InvalidOperationException($"{role} has no policy statements.");
        statements.Remove(statements.Single(s =>
            s?["Sid"]?.GetValue<string>() == sidOrAction
            || (s?["Action"] is JsonArray actions ? actions.FirstOrDefault()?.GetValue<string>() : s?["Action"]?.GetValue<string>()) == sidOrAction));
    }
}

using System.Text.Json.Nodes;
using StrokeIngestion.Infrastructure.Tests.Support;

namespace StrokeIngestion.Infrastructure.Tests;

[Collection(SynthesizedStacks.Name)]
public sealed class IngestionStackTests(DefaultStackFixture stack, CustomizedStackFixture customized, IsolatedStackFixture isolated)
{
    // Specific actions that have no resource-level permissions (IAM requires "*").
    private static readonly HashSet<string> ActionsThatNeedAnyResource =
    [
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
        "xray:GetSamplingRules",
        "xray:GetSamplingTargets",
        "logs:CreateLogDelivery",
        "logs:GetLogDelivery",
        "logs:UpdateLogDelivery",
        "logs:DeleteLogDelivery",
        "logs:ListLogDeliveries",
        "logs:PutResourcePolicy",
        "logs:DescribeResourcePolicies",
        "logs:DescribeLogGroups",

        // Lambda attaching a function to its subnets (vpc on): AWS documents the execution role's
        // network-interface actions on "*" (AWSLambdaVPCAccessExecutionRole).
        .. Infrastructure.Constructs.IngestionFunction.VpcNetworkInterfaceActions,
    ];

    [Fact]
    public void Outputs_ShouldNameEverythingAClientOrOperatorNeeds()
    {
        var outputs = stack.Json["Outputs"]?.AsObject() ?? [];

        Assert.Equal(
            [
                "ApiUrl",
                "DashboardName",
                "DatastoreId",
                "ImportRoleArn",
                "StateMachineArn",
                "StudyTableName",
                "UploadBucketName",
                "UploadRouteArn",
            ],
            outputs.Select(o => o.Key).Order(StringComparer.Ordinal));
        var api = stack.LogicalId(stack.Stack.Api.Api);
        Assert.Equal($"{{{api}.ApiEndpoint}}/prod/upload", Output("ApiUrl"));
        Assert.EndsWith($":{{{api}}}/prod/POST/upload", Output("UploadRouteArn"), StringComparison.Ordinal);
        Assert.Equal("{DicomUploadBucket}", Output("UploadBucketName"));
        Assert.Equal("{StudyMetadataTable}", Output("StudyTableName"));
        Assert.Equal("{ImagingDatastore.DatastoreId}", Output("DatastoreId"));
        Assert.Equal("{" + stack.LogicalId(stack.Stack.Workflow.StateMachine) + "}", Output("StateMachineArn"));
        Assert.Equal("{" + stack.LogicalId(stack.Stack.Datastore.ImportRole) + ".Arn}", Output("ImportRoleArn"));
        Assert.Equal("stroke-detection-ai-ingestion", Output("DashboardName"));
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void IdentityPolicies_ShouldGrantNoWildcardAction(bool customizedStack, bool isolatedStack)
    {
        var fixture = isolatedStack ? isolated : customizedStack ? (StackFixture)customized : stack;

        var actions = PolicyStatements.All(fixture).SelectMany(s => PolicyStatements.Strings(s["Action"])).ToList();

        Assert.NotEmpty(actions);
        Assert.All(actions, action => Assert.DoesNotContain("*", action, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void IdentityPolicies_ShouldUseAnyResourceOnlyForActionsWithoutResourceLevelPermissions(bool customizedStack, bool isolatedStack)
    {
        var fixture = isolatedStack ? isolated : customizedStack ? (StackFixture)customized : stack;

        var onAnyResource = PolicyStatements.All(fixture)
            .Where(s => PolicyStatements.Items(s["Resource"]).Any(r => r is JsonValue v && v.GetValue<string>() == "*"))
            .SelectMany(s => PolicyStatements.Strings(s["Action"]))
            .ToList();

        Assert.All(onAnyResource, action => Assert.Contains(action, ActionsThatNeedAnyResource));
        Assert.All(PolicyStatements.All(fixture), s => Assert.Equal("Allow", s["Effect"]?.GetValue<string>()));
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void ResourcePolicies_ShouldAllowNamedPrincipalsSpecificActionsOnly(bool customizedStack, bool isolatedStack)
    {
        var fixture = isolatedStack ? isolated : customizedStack ? (StackFixture)customized : stack;
        var documents = new (string Type, string Property)[]
        {
            ("AWS::S3::BucketPolicy", "PolicyDocument"),
            ("AWS::SQS::QueuePolicy", "PolicyDocument"),
            ("AWS::SNS::TopicPolicy", "PolicyDocument"),
            ("AWS::KMS::Key", "KeyPolicy"),
        };

        var allows = documents
            .SelectMany(d => fixture.OfType(d.Type).Select(r => (r.LogicalId, Document: r.Resource["Properties"]?[d.Property])))
            .SelectMany(d => PolicyStatements.Items(d.Document?["Statement"]).Select(s => (d.LogicalId, Statement: s)))
            .Where(s => s.Statement?["Effect"]?.GetValue<string>() == "Allow")
            .ToList();

        Assert.NotEmpty(allows);
        Assert.All(allows, allow =>
        {
            var principal = allow.Statement?["Principal"];
            var actions = PolicyStatements.Strings(allow.Statement?["Action"]).ToList();
            var where = $"{allow.LogicalId}: {allow.Statement?.ToJsonString()}";
            // "Principal": "*" or {"AWS": "*"}: anyone at all.
            Assert.False(principal is JsonValue, "Allows anyone: " + where);
            Assert.NotEqual("*", principal?["AWS"] is JsonValue value ? value.GetValue<string>() : null);
            // The key administration statement every KMS key needs (CDK's default): the account's
            // own IAM policies then decide who may use the key.
            var keyOwner = principal?["AWS"] is JsonObject
                && fixture.Placeholders.Render(principal["AWS"]) == "arn:{AWS::Partition}:iam::{AWS::AccountId}:root"
                && actions.SequenceEqual(["kms:*"]);
            Assert.True(keyOwner || actions.All(a => !a.Contains('*', StringComparison.Ordinal)), "Wildcard action: " + where);
        });
    }

    [Fact]
    public void UploadHandlerRole_ShouldGrantExactlyWhatTheHandlerCalls()
    {
        var role = stack.LogicalId(stack.Stack.UploadHandler.Role);
        var logs = stack.LogicalId(stack.Stack.UploadHandler.LogGroup);
        var importRole = stack.LogicalId(stack.Stack.Datastore.ImportRole);
        var machine = stack.LogicalId(stack.Stack.Workflow.StateMachine);
        var urgent = stack.LogicalId(stack.Stack.Queues.Urgent);
        var routine = stack.LogicalId(stack.Stack.Queues.Routine);

        var statements = PolicyStatements.Flatten(PolicyStatements.OfRole(stack, role), stack.Placeholders);

        Assert.Equal(
            Sorted(
                // Queues studies and reads the backlog of the two main queues, never their DLQs.
                $"Allow sqs:GetQueueAttributes {{{routine}.Arn}}",
                $"Allow sqs:GetQueueAttributes {{{urgent}.Arn}}",
                $"Allow sqs:SendMessage {{{routine}.Arn}}",
                $"Allow sqs:SendMessage {{{urgent}.Arn}}",
                "Allow dynamodb:GetItem {StudyMetadataTable.Arn}",
                "Allow dynamodb:PutItem {StudyMetadataTable.Arn}",
                "Allow dynamodb:UpdateItem {StudyMetadataTable.Arn}",
                "Allow iam:PassRole {" + importRole + """.Arn} if {"StringEquals":{"iam:PassedToService":"medical-imaging.amazonaws.com"}}""",
                $"Allow logs:CreateLogStream {{{logs}.Arn}}",
                $"Allow logs:PutLogEvents {{{logs}.Arn}}",
                "Allow medical-imaging:StartDICOMImportJob {ImagingDatastore.DatastoreArn}",
                "Allow s3:GetObject {DicomUploadBucket.Arn}/uploads/*",
                "Allow s3:GetObjectVersion {DicomUploadBucket.Arn}/uploads/*",
                """Allow s3:ListBucket {DicomUploadBucket.Arn} if {"StringLike":{"s3:prefix":"uploads/*"}}""",
                "Allow s3:PutObject {DicomUploadBucket.Arn}/imports/*",
                $"Allow states:StartExecution {{{machine}}}",
                "Allow xray:PutTelemetryRecords *",
                "Allow xray:PutTraceSegments *"),
            statements);
    }

    [Fact]
    public void ImportMonitorRole_ShouldGrantExactlyWhatTheMonitorCalls()
    {
        var role = stack.LogicalId(stack.Stack.ImportMonitor.Role);
        var logs = stack.LogicalId(stack.Stack.ImportMonitor.LogGroup);
        var queue = stack.LogicalId(stack.Stack.Workflow.BackstopDeadLetterQueue);

        var statements = PolicyStatements.Flatten(PolicyStatements.OfRole(stack, role), stack.Placeholders);

        Assert.Equal(
            Sorted(
                "Allow dynamodb:GetItem {StudyMetadataTable.Arn}",
                // Freeing a job slot rewrites the admission ledger item.
                "Allow dynamodb:PutItem {StudyMetadataTable.Arn}",
                "Allow dynamodb:UpdateItem {StudyMetadataTable.Arn}",
                $"Allow logs:CreateLogStream {{{logs}.Arn}}",
                $"Allow logs:PutLogEvents {{{logs}.Arn}}",
                "Allow medical-imaging:GetDICOMImportJob {ImagingDatastore.DatastoreArn}",
                "Allow s3:GetObject {DicomUploadBucket.Arn}/import-output/*",
                """Allow s3:ListBucket {DicomUploadBucket.Arn} if {"StringLike":{"s3:prefix":"import-output/*"}}""",
                // Failed asynchronous (EventBridge) invocations are parked in the backstop queue.
                $"Allow sqs:GetQueueAttributes {{{queue}.Arn}}",
                $"Allow sqs:GetQueueUrl {{{queue}.Arn}}",
                $"Allow sqs:SendMessage {{{queue}.Arn}}",
                // Resuming AwaitImportEnd; the ARN is built from the fixed name (a Ref would be a cycle).
                "Allow states:SendTaskSuccess arn:{AWS::Partition}:states:{AWS::Region}:{AWS::AccountId}:stateMachine:stroke-detection-ai-processing",
                "Allow xray:PutTelemetryRecords *",
                "Allow xray:PutTraceSegments *"),
            statements);
    }

    [Fact]
    public void ImportDispatcherRole_ShouldGrantExactlyWhatTheDispatcherAndItsEventSourceMappingsCall()
    {
        var role = stack.LogicalId(stack.Stack.ImportDispatcher.Role);
        var logs = stack.LogicalId(stack.Stack.ImportDispatcher.LogGroup);
        var importRole = stack.LogicalId(stack.Stack.Datastore.ImportRole);
        var machine = stack.LogicalId(stack.Stack.Workflow.StateMachine);
        var urgent = stack.LogicalId(stack.Stack.Queues.Urgent);
        var routine = stack.LogicalId(stack.Stack.Queues.Routine);

        var statements = PolicyStatements.Flatten(PolicyStatements.OfRole(stack, role), stack.Placeholders);

        Assert.Equal(
            Sorted(
                "Allow dynamodb:GetItem {StudyMetadataTable.Arn}",
                "Allow dynamodb:PutItem {StudyMetadataTable.Arn}",
                // The sweep finds studies stuck QUEUED through the keys-only status index.
                "Allow dynamodb:Query {StudyMetadataTable.Arn}/index/status-index",
                "Allow dynamodb:UpdateItem {StudyMetadataTable.Arn}",
                "Allow iam:PassRole {" + importRole + """.Arn} if {"StringEquals":{"iam:PassedToService":"medical-imaging.amazonaws.com"}}""",
                $"Allow logs:CreateLogStream {{{logs}.Arn}}",
                $"Allow logs:PutLogEvents {{{logs}.Arn}}",
                // The sweep asks about jobs holding a slot.
                "Allow medical-imaging:GetDICOMImportJob {ImagingDatastore.DatastoreArn}",
                "Allow medical-imaging:StartDICOMImportJob {ImagingDatastore.DatastoreArn}",
                "Allow s3:GetObject {DicomUploadBucket.Arn}/uploads/*",
                "Allow s3:GetObjectVersion {DicomUploadBucket.Arn}/uploads/*",
                """Allow s3:ListBucket {DicomUploadBucket.Arn} if {"StringLike":{"s3:prefix":"imports/*"}}""",
                """Allow s3:ListBucket {DicomUploadBucket.Arn} if {"StringLike":{"s3:prefix":"uploads/*"}}""",
                "Allow s3:PutObject {DicomUploadBucket.Arn}/imports/*",
                // Both main queues (not their DLQs): the mappings' polling and the dispatcher's postponement.
                $"Allow sqs:ChangeMessageVisibility {{{routine}.Arn}}",
                $"Allow sqs:ChangeMessageVisibility {{{urgent}.Arn}}",
                $"Allow sqs:DeleteMessage {{{routine}.Arn}}",
                $"Allow sqs:DeleteMessage {{{urgent}.Arn}}",
                $"Allow sqs:GetQueueAttributes {{{routine}.Arn}}",
                $"Allow sqs:GetQueueAttributes {{{urgent}.Arn}}",
                $"Allow sqs:ReceiveMessage {{{routine}.Arn}}",
                $"Allow sqs:ReceiveMessage {{{urgent}.Arn}}",
                // A study refused for capacity ten times, or stuck QUEUED, is sent again.
                $"Allow sqs:SendMessage {{{routine}.Arn}}",
                $"Allow sqs:SendMessage {{{urgent}.Arn}}",
                $"Allow states:StartExecution {{{machine}}}",
                "Allow xray:PutTelemetryRecords *",
                "Allow xray:PutTraceSegments *"),
            statements);
    }

    [Fact]
    public void ImportStartGrants_ShouldBeTheSameStatementsWithTheSameSidsOnTheUploadHandlerAndTheDispatcher()
    {
        static Dictionary<string, string> BySid(StackFixture fixture, string role) => PolicyStatements.OfRole(fixture, role)
            .Where(s => s["Sid"] is not null)
            .ToDictionary(s => s["Sid"]?.GetValue<string>() ?? string.Empty, s => s.ToJsonString());
        var upload = BySid(stack, stack.LogicalId(stack.Stack.UploadHandler.Role));
        var dispatcher = BySid(stack, stack.LogicalId(stack.Stack.ImportDispatcher.Role));

        foreach (var sid in new[] { "ReadUploadedFiles", "ListUploadedFiles", "CopyToImportFolder", "WriteStudyRecords", "StartImport", "PassImportRole", "StartMonitoring" })
        {
            Assert.Equal(upload[sid], dispatcher[sid]);
        }
    }

    [Fact]
    public void StateMachineRole_ShouldInvokeTheMonitorReadAndUpdateTheTableAndPublishReadyEvents()
    {
        var role = stack.LogicalId(stack.Stack.Workflow.StateMachine.Role);
        var monitor = stack.LogicalId(stack.Stack.ImportMonitor.Function);

        var statements = PolicyStatements.Flatten(PolicyStatements.OfRole(stack, role), stack.Placeholders)
            .Where(s => !s.EndsWith(" *", StringComparison.Ordinal));

        Assert.Equal(
            Sorted(
                // ReadStudyOutcome: a study already READY when MarkMonitorFailed runs is still announced.
                "Allow dynamodb:GetItem arn:{AWS::Partition}:dynamodb:{AWS::Region}:{AWS::AccountId}:table/{StudyMetadataTable}",
                "Allow dynamodb:UpdateItem arn:{AWS::Partition}:dynamodb:{AWS::Region}:{AWS::AccountId}:table/{StudyMetadataTable}",
                "Allow events:PutEvents arn:{AWS::Partition}:events:{AWS::Region}:{AWS::AccountId}:event-bus/default",
                $"Allow lambda:InvokeFunction {{{monitor}.Arn}}",
                $"Allow lambda:InvokeFunction {{{monitor}.Arn}}:*"),
            statements);
    }

    [Fact]
    public void ProjectName_WhenChanged_ShouldPrefixEveryNameAndLeaveNoTraceOfTheDefault()
    {
        var text = customized.Json.ToJsonString();

        Assert.DoesNotContain("stroke-detection", text, StringComparison.Ordinal);
        var names = new (string Type, string Property)[]
        {
            ("AWS::S3::Bucket", "BucketName"),
            ("AWS::DynamoDB::Table", "TableName"),
            ("AWS::HealthImaging::Datastore", "DatastoreName"),
            ("AWS::Lambda::Function", "FunctionName"),
            ("AWS::StepFunctions::StateMachine", "StateMachineName"),
            ("AWS::ApiGatewayV2::Api", "Name"),
            ("AWS::SNS::Topic", "TopicName"),
            ("AWS::SQS::Queue", "QueueName"),
            ("AWS::Events::Rule", "Name"),
            ("AWS::CloudWatch::Dashboard", "DashboardName"),
            ("AWS::CloudWatch::Alarm", "AlarmName"),
            ("AWS::Backup::BackupVault", "BackupVaultName"),
        };
        foreach (var (type, property) in names)
        {
            var resources = customized.OfType(type).ToList();
            Assert.NotEmpty(resources);
            Assert.All(resources, r => Assert.StartsWith(
                "acme-neuro-",
                customized.Placeholders.Render(r.Resource["Properties"]?[property]),
                StringComparison.Ordinal));
        }

        Assert.All(customized.OfType("AWS::Logs::LogGroup"), g => Assert.Contains(
            "/acme-neuro-",
            g.Resource["Properties"]?["LogGroupName"]?.GetValue<string>() ?? string.Empty,
            StringComparison.Ordinal));
    }

    private static List<string> Sorted(params string[] lines) => [.. lines.Order(StringComparer.Ordinal)];

    private string Output(string name) => stack.Placeholders.Render(stack.Json["Outputs"]?[name]?["Value"]);
}

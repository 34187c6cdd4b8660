using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using StrokeIngestion.Sandbox.Faults;

namespace StrokeIngestion.Sandbox.Iam;

/// <summary>Where the sandbox runs: the region and account ARNs are built in.</summary>
/// <param name="TaskTokenStateMachine">The state machine a task token belongs to, or null when it is unknown.</param>
internal sealed record IamScope(string Region, string AccountId, Func<string, string?> TaskTokenStateMachine);

/// <summary>One service call as IAM sees it: the operation, and every permission it needs.</summary>
internal sealed record IamCall(string Operation, IReadOnlyList<AccessRequest> Requests)
{
    /// <summary>The object a GET or HEAD reads, when the call is an S3 object read (S3 then decides 403 or 404 for a missing key).</summary>
    public string? ReadsObjectOfBucket { get; init; }
}

/// <summary>
/// What each request of the four services the pipeline calls needs from IAM, as the
/// Service Authorization Reference lists it: the action, the resource ARN and the condition
/// keys the stack's statements test (<c>s3:prefix</c>, <c>iam:PassedToService</c>).
/// </summary>
internal static class ServiceAccess
{
    public const string HealthImagingPrincipal = "medical-imaging.amazonaws.com";

    /// <param name="body">The request body (JSON services); empty for S3.</param>
    public static IamCall For(FaultTarget target, HttpRequest request, string body, IamScope scope) => target switch
    {
        FaultTarget.S3 => S3(request),
        FaultTarget.DynamoDb => DynamoDb(request, Json(body), scope),
        FaultTarget.HealthImaging => HealthImaging(request, Json(body), scope),
        FaultTarget.StepFunctions => StepFunctions(request, Json(body), scope),
        FaultTarget.Sqs => Sqs(request, Json(body), scope),
        _ => throw new ArgumentOutOfRangeException(nameof(target), target, null),
    };

    public static string DatastoreArn(IamScope scope, string datastoreId) =>
        $"arn:aws:medical-imaging:{scope.Region}:{scope.AccountId}:datastore/{datastoreId}";

    /// <summary>SQS: <c>sqs:&lt;Operation&gt;</c> (a batch operation as its single one) on the queue its <c>QueueUrl</c> names (<c>…/account/name</c>).</summary>
    private static IamCall Sqs(HttpRequest request, JsonObject? body, IamScope scope)
    {
        var operation = FaultOperations.Classify(FaultTarget.Sqs, request);
        var url = body?["QueueUrl"]?.GetValue<string>() ?? string.Empty;
        var parts = url.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var name = parts.Length > 0 ? parts[^1] : body?["QueueName"]?.GetValue<string>() ?? "*";
        var account = parts.Length > 1 ? parts[^2] : scope.AccountId;
        // The batch operations have no actions of their own: IAM authorizes SendMessageBatch as
        // sqs:SendMessage, DeleteMessageBatch as sqs:DeleteMessage, and so on.
        var action = operation.EndsWith("Batch", StringComparison.Ordinal) ? operation[..^"Batch".Length] : operation;
        return new IamCall(operation, [new AccessRequest("sqs:" + action, $"arn:aws:sqs:{scope.Region}:{account}:{name}")]);
    }

    private static IamCall S3(HttpRequest request)
    {
        var operation = FaultOperations.Classify(FaultTarget.S3, request);
        var path = (request.Path.Value ?? string.Empty).TrimStart('/');
        var slash = path.IndexOf('/', StringComparison.Ordinal);
        var bucket = slash < 0 ? path : path[..slash];
        var bucketArn = $"arn:aws:s3:::{bucket}";
        var objectArn = slash < 0 ? bucketArn : $"{bucketArn}/{path[(slash + 1)..]}";
        var versioned = request.Query.ContainsKey("versionId");
        var read = versioned ? "s3:GetObjectVersion" : "s3:GetObject";
        return operation switch
        {
            S3OperationNames.GetObject or S3OperationNames.GetObjectRange or S3OperationNames.HeadObject =>
                new IamCall(operation, [new AccessRequest(read, objectArn)]) { ReadsObjectOfBucket = bucketArn },
            S3OperationNames.PutObject or S3OperationNames.CreateMultipartUpload or S3OperationNames.UploadPart
                or S3OperationNames.CompleteMultipartUpload => new IamCall(operation, [new AccessRequest("s3:PutObject", objectArn)]),
            S3OperationNames.CopyObject or S3OperationNames.UploadPartCopy => new IamCall(operation, [CopySource(request), new AccessRequest("s3:PutObject", objectArn)]),
            S3OperationNames.ListObjects or S3OperationNames.ListObjectsV2 or S3OperationNames.HeadBucket => new IamCall(
                operation,
                [new AccessRequest("s3:ListBucket", bucketArn, ListContext(request))]),
            S3OperationNames.ListObjectVersions => new IamCall(operation, [new AccessRequest("s3:ListBucketVersions", bucketArn, ListContext(request))]),
            S3OperationNames.DeleteObject => new IamCall(operation, [new AccessRequest("s3:DeleteObject", objectArn)]),
            _ when request.Query.ContainsKey("encryption") => new IamCall("GetBucketEncryption", [new AccessRequest("s3:GetEncryptionConfiguration", bucketArn)]),
            _ => new IamCall(operation, [new AccessRequest("s3:" + operation.Replace(" ", string.Empty, StringComparison.Ordinal), objectArn)]),
        };
    }

    private static AccessRequest CopySource(HttpRequest request)
    {
        var source = request.Headers["x-amz-copy-source"].ToString();
        var query = source.IndexOf('?', StringComparison.Ordinal);
        var versioned = query >= 0 && source[query..].Contains("versionId=", StringComparison.Ordinal);
        var path = Uri.UnescapeDataString(query >= 0 ? source[..query] : source).TrimStart('/');
        return new AccessRequest(versioned ? "s3:GetObjectVersion" : "s3:GetObject", $"arn:aws:s3:::{path}");
    }

    private static Dictionary<string, string> ListContext(HttpRequest request)
    {
        // A listing always carries s3:prefix (empty without a prefix parameter); an object
        // read never does, which is why a prefix-conditioned grant cannot make its 404.
        var context = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["s3:prefix"] = request.Query["prefix"].ToString() };
        if (request.Query.TryGetValue("delimiter", out var delimiter))
        {
            context["s3:delimiter"] = delimiter.ToString();
        }

        return context;
    }

    private static IamCall DynamoDb(HttpRequest request, JsonObject body, IamScope scope)
    {
        var operation = FaultOperations.Classify(FaultTarget.DynamoDb, request);
        string Table(string name) => $"arn:aws:dynamodb:{scope.Region}:{scope.AccountId}:table/{name}";
        var requests = new List<AccessRequest>();
        if (body["TableName"]?.GetValue<string>() is { } table)
        {
            var resource = body["IndexName"]?.GetValue<string>() is { } index ? $"{Table(table)}/index/{index}" : Table(table);
            requests.Add(new AccessRequest("dynamodb:" + operation, resource));
        }

        foreach (var (name, _) in body["RequestItems"] as JsonObject ?? [])
        {
            requests.Add(new AccessRequest("dynamodb:" + operation, Table(name)));
        }

        foreach (var item in body["TransactItems"] as JsonArray ?? [])
        {
            foreach (var (kind, member) in item as JsonObject ?? [])
            {
                var action = kind switch { "Put" => "PutItem", "Update" => "UpdateItem", "Delete" => "DeleteItem", "Get" => "GetItem", _ => "ConditionCheckItem" };
                requests.Add(new AccessRequest("dynamodb:" + action, Table(member?["TableName"]?.GetValue<string>() ?? string.Empty)));
            }
        }

        return new IamCall(operation, requests.Count > 0 ? requests : [new AccessRequest("dynamodb:" + operation, "*")]);
    }

    private static IamCall HealthImaging(HttpRequest request, JsonObject body, IamScope scope)
    {
        // /startDICOMImportJob/datastore/{id}, /getDICOMImportJob/datastore/{id}/job/{jobId}, /listDICOMImportJobs/datastore/{id}
        var segments = (request.Path.Value ?? string.Empty).Split('/', StringSplitOptions.RemoveEmptyEntries);
        var operation = segments.Length > 0 ? char.ToUpperInvariant(segments[0][0]) + segments[0][1..] : "Unknown";
        var datastore = segments.Length > 2 && segments[1] == "datastore" ? DatastoreArn(scope, segments[2]) : "*";
        var requests = new List<AccessRequest> { new("medical-imaging:" + operation, datastore) };
        if (operation == "StartDICOMImportJob" && body["dataAccessRoleArn"]?.GetValue<string>() is { } role)
        {
            requests.Add(new AccessRequest(
                "iam:PassRole",
                role,
                new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["iam:PassedToService"] = HealthImagingPrincipal }));
        }

        return new IamCall(operation, requests);
    }

    private static IamCall StepFunctions(HttpRequest request, JsonObject body, IamScope scope)
    {
        var operation = FaultOperations.Classify(FaultTarget.StepFunctions, request);
        string? resource = operation switch
        {
            "StartExecution" or "StartSyncExecution" or "ListExecutions" or "DescribeStateMachine" => body["stateMachineArn"]?.GetValue<string>(),
            "DescribeExecution" or "StopExecution" or "GetExecutionHistory" => body["executionArn"]?.GetValue<string>(),
            "SendTaskSuccess" or "SendTaskFailure" or "SendTaskHeartbeat" => body["taskToken"]?.GetValue<string>() is { } token ? scope.TaskTokenStateMachine(token) : null,
            _ => "*",
        };

        // A token the service does not know is answered by the service (InvalidToken), not by IAM.
        return new IamCall(operation, resource is null ? [] : [new AccessRequest("states:" + operation, resource)]);
    }

    private static JsonObject Json(string body)
    {
        try
        {
            return JsonNode.Parse(body) as JsonObject ?? [];
        }
        catch (System.Text.Json.JsonException)
        {
            // The service answers a malformed body itself.
            return [];
        }
    }
}

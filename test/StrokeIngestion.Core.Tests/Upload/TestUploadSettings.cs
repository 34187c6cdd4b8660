using StrokeIngestion.Core.Settings;

namespace StrokeIngestion.Core.Tests.Upload;

/// <summary>The upload settings the admission tests run with (the stack's names, CT and MR).</summary>
internal static class TestUploadSettings
{
    public const string DatastoreId = "0123456789abcdef0123456789abcdef";
    public const string StateMachineArn = "arn:aws:states:us-east-1:111122223333:stateMachine:stroke-detection-ai-processing";

    public static UploadSettings Create() => new()
    {
        Region = "us-east-1",
        StudyTableName = "stroke-detection-ai-study-metadata",
        UploadBucketName = "stroke-detection-ai-dicom-uploads-111122223333",
        DatastoreId = DatastoreId,
        ImportRoleArn = "arn:aws:iam::111122223333:role/stroke-detection-ai-import",
        StateMachineArn = StateMachineArn,
        UploadPrefix = "uploads/",
        ImportInputPrefix = "imports/",
        ImportOutputPrefix = "import-output/",
        AllowedModalities = new HashSet<string>(["CT", "MR"], StringComparer.Ordinal),
        Endpoints = new AwsEndpoints(null, null, null, null),
    };
}

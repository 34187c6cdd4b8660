using Microsoft.AspNetCore.Http;
using StrokeIngestion.Sandbox.Faults;

namespace StrokeIngestion.EndToEnd.Tests.Faults;

public sealed class FaultOperationsTests
{
    [Theory]
    [InlineData("GET", "/", "", null, S3OperationNames.ListBuckets)]
    [InlineData("GET", "/bucket", "?list-type=2&prefix=uploads%2F", null, S3OperationNames.ListObjectsV2)]
    [InlineData("GET", "/bucket", "?prefix=", null, S3OperationNames.ListObjects)]
    [InlineData("GET", "/bucket", "?versions", null, S3OperationNames.ListObjectVersions)]
    [InlineData("GET", "/bucket", "?acl", null, "GET bucket")]
    [InlineData("HEAD", "/bucket", "", null, S3OperationNames.HeadBucket)]
    [InlineData("PUT", "/bucket", "", null, S3OperationNames.CreateBucket)]
    [InlineData("GET", "/bucket/uploads/a.dcm", "", null, S3OperationNames.GetObject)]
    [InlineData("GET", "/bucket/uploads/a.dcm", "", "Range", S3OperationNames.GetObjectRange)]
    [InlineData("HEAD", "/bucket/uploads/a.dcm", "", null, S3OperationNames.HeadObject)]
    [InlineData("PUT", "/bucket/uploads/a.dcm", "?x-id=PutObject", null, S3OperationNames.PutObject)]
    [InlineData("PUT", "/bucket/imports/a.dcm", "", "x-amz-copy-source", S3OperationNames.CopyObject)]
    [InlineData("PUT", "/bucket/a.dcm", "?partNumber=1&uploadId=u", null, S3OperationNames.UploadPart)]
    [InlineData("PUT", "/bucket/a.dcm", "?partNumber=1&uploadId=u", "x-amz-copy-source", S3OperationNames.UploadPartCopy)]
    [InlineData("POST", "/bucket/a.dcm", "?uploads", null, S3OperationNames.CreateMultipartUpload)]
    [InlineData("POST", "/bucket/a.dcm", "?uploadId=u", null, S3OperationNames.CompleteMultipartUpload)]
    [InlineData("DELETE", "/bucket/a.dcm", "", null, S3OperationNames.DeleteObject)]
    [InlineData("PUT", "/bucket/a.dcm", "?tagging", null, "PUT object")]
    public void Classify_WhenS3Request_ShouldNameItsOperation(string method, string path, string query, string? header, string expected)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Request.Path = path;
        context.Request.QueryString = new QueryString(query);
        if (header is not null)
        {
            context.Request.Headers[header] = header == "Range" ? "bytes=0-9" : "bucket/uploads/a.dcm";
        }

        Assert.Equal(expected, FaultOperations.Classify(FaultTarget.S3, context.Request));
    }

    [Theory]
    [InlineData("DynamoDB_20120810.PutItem", "PutItem")]
    [InlineData("DynamoDB_20120810.Query", "Query")]
    [InlineData("", FaultOperations.Unknown)]
    [InlineData("DynamoDB_20120810.", FaultOperations.Unknown)]
    public void Classify_WhenDynamoDbRequest_ShouldNameTheTargetAction(string target, string expected)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "POST";
        context.Request.Path = "/";
        context.Request.Headers["X-Amz-Target"] = target;

        Assert.Equal(expected, FaultOperations.Classify(FaultTarget.DynamoDb, context.Request));
    }
}

using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace StrokeIngestion.Sandbox.Faults;

/// <summary>An error answer as the real service sends it.</summary>
internal sealed record FaultResponse(int StatusCode, string ContentType, byte[] Body, IReadOnlyList<KeyValuePair<string, string>> Headers);

/// <summary>
/// The bodies and headers S3 and DynamoDB send with throttling and server errors, so that
/// AWS SDKs parse the error code and classify the answer exactly as they would in AWS.
/// </summary>
internal static class FaultResponses
{
    private const string S3ContentType = "application/xml";
    private const string DynamoDbContentType = "application/x-amz-json-1.0";
    private const string DynamoDbErrorPrefix = "com.amazonaws.dynamodb.v20120810#";
    private const string RequestIdAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

    public static FaultResponse Throttle(FaultTarget target, DynamoDbThrottleError dynamoDbThrottle) => target switch
    {
        FaultTarget.S3 => S3Error(503, "SlowDown", "Please reduce your request rate."),
        FaultTarget.DynamoDb => dynamoDbThrottle switch
        {
            DynamoDbThrottleError.ProvisionedThroughputExceeded => DynamoDbError(
                400,
                DynamoDbErrorPrefix + "ProvisionedThroughputExceededException",
                "The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API."),

            // DynamoDB names this one from its shared availability layer, not its own API namespace.
            DynamoDbThrottleError.Throttling => DynamoDbError(
                400,
                "com.amazon.coral.availability#ThrottlingException",
                "Rate of requests exceeds the allowed throughput."),
            _ => throw new ArgumentOutOfRangeException(nameof(dynamoDbThrottle), dynamoDbThrottle, null),
        },
        FaultTarget.Sqs => SqsError(400, "com.amazonaws.sqs#RequestThrottled", "AWS.SimpleQueueService.RequestThrottled", "Request is throttled."),
        _ => throw new ArgumentOutOfRangeException(nameof(target), target, null),
    };

    public static FaultResponse ServerError(FaultTarget target) => target switch
    {
        FaultTarget.S3 => S3Error(500, "InternalError", "We encountered an internal error. Please try again."),
        FaultTarget.DynamoDb => DynamoDbError(500, DynamoDbErrorPrefix + "InternalServerError", "Internal server error"),
        FaultTarget.Sqs => SqsError(500, "com.amazonaws.sqs#InternalError", "InternalError", "We encountered an internal error. Please try again."),
        _ => throw new ArgumentOutOfRangeException(nameof(target), target, null),
    };

    internal static FaultResponse S3Error(int status, string code, string message)
    {
        var requestId = RandomNumberGenerator.GetHexString(16);
        var hostId = Convert.ToBase64String(RandomNumberGenerator.GetBytes(48));
        var xml =
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            + $"<Error><Code>{code}</Code><Message>{message}</Message><RequestId>{requestId}</RequestId><HostId>{hostId}</HostId></Error>";
        return new FaultResponse(
            status,
            S3ContentType,
            Encoding.UTF8.GetBytes(xml),
            [new("x-amz-request-id", requestId), new("x-amz-id-2", hostId)]);
    }

    internal static FaultResponse DynamoDbError(int status, string type, string message)
    {
        var body = Encoding.UTF8.GetBytes($"{{\"__type\":\"{type}\",\"message\":\"{message}\"}}");
        return new FaultResponse(
            status,
            DynamoDbContentType,
            body,
            [
                new("x-amzn-RequestId", RandomNumberGenerator.GetString(RequestIdAlphabet, 52)),

                // DynamoDB checksums every body it sends; SDKs that verify it would reject a wrong one.
                new("x-amz-crc32", Crc32.Compute(body).ToString(CultureInfo.InvariantCulture)),
            ]);
    }

    /// <summary>
    /// SQS's JSON protocol error: <c>__type</c> plus the query-compatible code in
    /// <c>x-amzn-query-error</c>, which the SDK prefers when it is present.
    /// </summary>
    internal static FaultResponse SqsError(int status, string type, string queryCode, string message) => new(
        status,
        DynamoDbContentType,
        Encoding.UTF8.GetBytes($"{{\"__type\":\"{type}\",\"message\":\"{message}\"}}"),
        [
            new("x-amzn-RequestId", Guid.NewGuid().ToString()),
            new("x-amzn-query-error", $"{queryCode};{(status >= 500 ? "Receiver" : "Sender")}"),
        ]);

    /// <summary>CRC-32 (IEEE 802.3, as zlib), the checksum DynamoDB puts in <c>x-amz-crc32</c>.</summary>
    internal static class Crc32
    {
        private static readonly uint[] Table = BuildTable();

        public static uint Compute(ReadOnlySpan<byte> data)
        {
            var crc = 0xFFFFFFFFu;
            foreach (var b in data)
            {
                crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
            }

            return ~crc;
        }

        private static uint[] BuildTable()
        {
            var table = new uint[256];
            for (var n = 0u; n < table.Length; n++)
            {
                var c = n;
                for (var k = 0; k < 8; k++)
                {
                    c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
                }

                table[n] = c;
            }

            return table;
        }
    }
}

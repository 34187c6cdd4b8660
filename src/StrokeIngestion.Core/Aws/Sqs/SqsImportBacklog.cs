using System.Globalization;
using Amazon.SQS;
using Amazon.SQS.Model;
using StrokeIngestion.Core.Admission;
using StrokeIngestion.Core.Domain;
using StrokeIngestion.Core.Errors;
using StrokeIngestion.Core.Ports;

namespace StrokeIngestion.Core.Aws.Sqs;

/// <summary>
/// <see cref="IImportBacklog"/> over two SQS queues, one per priority. The backlog is
/// ApproximateNumberOfMessages plus ApproximateNumberOfMessagesNotVisible (in flight or
/// waiting out a retry delay): both are studies not started yet.
/// </summary>
internal sealed class SqsImportBacklog : IImportBacklog
{
    internal static readonly SdkErrorTranslator ErrorTranslator = new(
        Dependency.Sqs,
        "SQS",
        throttlingStatuses: [],
        throttlingCodes: ["RequestThrottled", "ThrottlingException", "KmsThrottled", "KmsThrottledException"],
        transientCodes: ["ServiceUnavailable", "InternalError", "KmsUnavailable"]);

    private static readonly List<string> BacklogAttributes = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"];

    private readonly IAmazonSQS _sqs;
    private readonly string _urgentQueueUrl;
    private readonly string _routineQueueUrl;

    public SqsImportBacklog(IAmazonSQS sqs, string urgentQueueUrl, string routineQueueUrl)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(urgentQueueUrl);
        ArgumentException.ThrowIfNullOrWhiteSpace(routineQueueUrl);
        _sqs = sqs;
        _urgentQueueUrl = urgentQueueUrl;
        _routineQueueUrl = routineQueueUrl;
    }

    public async Task EnqueueAsync(StudyId id, StudyPriority priority, CancellationToken cancellationToken)
    {
        var request = new SendMessageRequest
        {
            QueueUrl = priority == StudyPriority.Urgent ? _urgentQueueUrl : _routineQueueUrl,
            MessageBody = new ImportQueueMessage(id, priority).ToJson(),
        };
        try
        {
            await _sqs.SendMessageAsync(request, cancellationToken);
        }
        catch (Exception error) when (SdkErrorTranslator.ShouldTranslate(error, cancellationToken))
        {
            throw ErrorTranslator.Translate("SendMessage", error);
        }
    }

    public async Task<QueueBacklog> GetBacklogAsync(CancellationToken cancellationToken)
    {
        var urgent = CountAsync(_urgentQueueUrl, cancellationToken);
        var routine = CountAsync(_routineQueueUrl, cancellationToken);
        return new QueueBacklog(await urgent, await routine);
    }

    private async Task<int> CountAsync(string queueUrl, CancellationToken cancellationToken)
    {
        GetQueueAttributesResponse response;
        try
        {
            response = await _sqs.GetQueueAttributesAsync(new GetQueueAttributesRequest { QueueUrl = queueUrl, AttributeNames = BacklogAttributes }, cancellationToken);
        }
        catch (Exception error) when (SdkErrorTranslator.ShouldTranslate(error, cancellationToken))
        {
            throw ErrorTranslator.Translate("GetQueueAttributes", error);
        }

        var total = 0;
        foreach (var name in BacklogAttributes)
        {
            if (response.Attributes?.TryGetValue(name, out var text) == true && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var count))
            {
                total += count;
            }
        }

        return total;
    }
}

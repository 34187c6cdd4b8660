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

    /// <summary>SQS's ceiling for a message's visibility timeout: 12 hours.</summary>
    private const int MaxVisibilitySeconds = 43200;

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

    public async Task PostponeAsync(QueueDelivery delivery, TimeSpan delay, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        var request = new ChangeMessageVisibilityRequest
        {
            QueueUrl = QueueUrlFor(delivery.QueueArn),
            ReceiptHandle = delivery.ReceiptHandle,
            VisibilityTimeout = (int)Math.Clamp(Math.Ceiling(delay.TotalSeconds), 0, MaxVisibilitySeconds),
        };
        try
        {
            await _sqs.ChangeMessageVisibilityAsync(request, cancellationToken);
        }
        catch (Exception error) when (SdkErrorTranslator.ShouldTranslate(error, cancellationToken))
        {
            throw ErrorTranslator.Translate("ChangeMessageVisibility", error);
        }
    }

    public async Task<QueueBacklog> GetBacklogAsync(CancellationToken cancellationToken)
    {
        var urgent = CountAsync(_urgentQueueUrl, cancellationToken);
        var routine = CountAsync(_routineQueueUrl, cancellationToken);
        return new QueueBacklog(await urgent, await routine);
    }

    /// <summary>The configured queue whose name ends the ARN (<c>arn:aws:sqs:region:account:name</c>).</summary>
    private string QueueUrlFor(string queueArn)
    {
        var name = queueArn[(queueArn.LastIndexOf(':') + 1)..];
        foreach (var url in new[] { _urgentQueueUrl, _routineQueueUrl })
        {
            if (url.TrimEnd('/').EndsWith("/" + name, StringComparison.Ordinal))
            {
                return url;
            }
        }

        throw new DependencyException(Dependency.Sqs, "UnknownQueue", "The message came from a queue that is neither import queue.");
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

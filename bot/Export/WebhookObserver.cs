using System.Text.Json;
using Microsoft.Extensions.Options;
using SupportBot.Interests;

namespace SupportBot.Export;

/// <summary>
/// Queues a webhook event for each configured receiver when the interest log stores a new record or a record changes
/// (taken, assigned, processed, reopened). The event's body is fixed here, so every retry sends the same bytes.
/// </summary>
internal sealed class WebhookObserver(WebhookQueue queue, IOptions<ExportOptions> options, TimeProvider time) : IInterestObserver
{
    public Task RecordAddedAsync(InterestRecord record) => EnqueueAsync(WebhookEvent.Created, record, record.Date, null);

    public Task RecordChangedAsync(InterestRecord before, InterestRecord after) =>
        EnqueueAsync(WebhookEvent.Changed, after, time.GetUtcNow(), WebhookEvent.ChangedFields(before, after));

    private async Task EnqueueAsync(string type, InterestRecord record, DateTimeOffset occurredAt, IReadOnlyList<string>? changes)
    {
        foreach (var webhook in options.Value.Webhooks.Where(w => w.Wants(type)))
        {
            var id = WebhookQueue.NewId();
            var body = JsonSerializer.Serialize(
                new WebhookEvent { Id = id, Type = type, OccurredAt = occurredAt, Webhook = webhook.Name, Record = record, Changes = changes },
                ExportJson.Relaxed.WebhookEvent);
            await queue.EnqueueAsync(id, webhook.Name, type, record.Id, body);
        }
    }
}

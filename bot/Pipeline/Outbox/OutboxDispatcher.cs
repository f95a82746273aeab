using System.Text.Json;
using Microsoft.Extensions.Options;
using SupportBot.Channels;
using SupportBot.Handoff;
using SupportBot.Interests;
using StackExchange.Redis;

namespace SupportBot.Pipeline.Outbox;

/// <summary>
/// Sends a conversation's queued replies in order through the channel's sender. A failed send is
/// retried with growing delays; one that keeps failing, or cannot succeed, moves to the
/// dead-letter list. Nothing is dropped silently.
/// </summary>
internal sealed class OutboxDispatcher(
    IConnectionMultiplexer redis,
    IServiceProvider services,
    InterestLog interests,
    IOptions<OutboxOptions> options,
    TimeProvider time,
    ILogger<OutboxDispatcher> logger)
{
    private readonly Random _jitter = new();

    /// <summary>Sends due items from the head of the outbox.</summary>
    /// <returns>Null when the outbox is empty; otherwise when its head may be tried again.</returns>
    public async Task<DateTimeOffset?> DrainAsync(ConversationLease lease, CancellationToken cancellationToken)
    {
        var db = redis.GetDatabase();
        var key = RedisKeys.Outbox(lease.ConversationId);
        while (true)
        {
            // Replies that each wait their turn under a channel's rate limits can add up to more than the lease: keep
            // it, or the pop after a send would be refused and that reply sent again by the next worker.
            if (!await lease.RenewIfDueAsync())
            {
                throw new LeaseLostException(lease.ConversationId);
            }

            var head = await db.ListGetByIndexAsync(key, 0);
            if (head.IsNull)
            {
                return null;
            }

            var raw = (string)head!;
            var item = JsonSerializer.Deserialize(raw, BotJson.Default.OutboxItem)!;
            var now = time.GetUtcNow();
            if (item.NextAttemptAt > now)
            {
                return item.NextAttemptAt;
            }

            var sender = services.GetKeyedService<IChannelSender>(item.Channel);
            if (sender is null)
            {
                await DeadLetterAsync(db, lease, raw, item, $"No sender is registered for channel '{item.Channel}'.");
                continue;
            }

            ChannelSendResult sent;
            try
            {
                sent = await sender.SendAsync(item, cancellationToken);
            }
            catch (ChannelSendException e) when (e.Permanent)
            {
                await DeadLetterAsync(db, lease, raw, item with { Attempts = item.Attempts + 1, LastError = e.Message }, e.Message);
                continue;
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                var attempts = item.Attempts + 1;
                if (attempts >= options.Value.MaxAttempts)
                {
                    await DeadLetterAsync(db, lease, raw, item with { Attempts = attempts, LastError = e.Message }, e.Message);
                    continue;
                }

                var delay = options.Value.Backoff(attempts, _jitter);
                if (e is ChannelSendException { RetryAfter: { } asked } && asked > delay)
                {
                    delay = asked;
                }

                var retryAt = now + delay;
                Log.SendFailed(logger, item.Channel, lease.ConversationId, attempts, delay.TotalSeconds, e.Message);
                var retry = JsonSerializer.Serialize(item with { Attempts = attempts, NextAttemptAt = retryAt, LastError = e.Message }, BotJson.Default.OutboxItem);
                await ExpectOk(lease, db.ScriptEvaluateAsync(PipelineScripts.ReplaceHead, [lease.Key, key], [lease.Token, raw, retry]));
                return retryAt;
            }

            await interests.AppendAsync(OutboundRecord(item, sent, time.GetUtcNow()));
            await ExpectOk(lease, db.ScriptEvaluateAsync(PipelineScripts.PopHead, [lease.Key, key], [lease.Token, raw]));
        }
    }

    private async Task DeadLetterAsync(IDatabase db, ConversationLease lease, string raw, OutboxItem item, string reason)
    {
        Log.SendDeadLettered(logger, item.Channel, lease.ConversationId, item.Attempts, reason);
        var letter = JsonSerializer.Serialize(new DeadLetter(item, reason, time.GetUtcNow()), BotJson.Default.DeadLetter);
        // Into the dead-letter list first, then off the outbox: a crash between leaves a copy, never a loss.
        await db.ListRightPushAsync(RedisKeys.DeadLetters, letter);
        await ExpectOk(lease, db.ScriptEvaluateAsync(PipelineScripts.PopHead, [lease.Key, RedisKeys.Outbox(lease.ConversationId)], [lease.Token, raw]));
    }

    private static async Task ExpectOk(ConversationLease lease, Task<RedisResult> script)
    {
        if ((long)await script != 1)
        {
            throw new LeaseLostException(lease.ConversationId);
        }
    }

    private static InterestRecord OutboundRecord(OutboxItem item, ChannelSendResult sent, DateTimeOffset now) => new()
    {
        Id = InterestLog.RecordId("out", item.ConversationId, item.Id),
        Date = now,
        SourceType = item.Channel,
        SourceLink = sent.Link,
        Author = new InterestAuthor(item.Author, item.Author == "bot" ? "Bot" : item.Author, null, null),
        Action = "message",
        Direction = "out",
        Text = item.Message.Text,
        ConversationId = item.ConversationId,
        ChannelAccount = item.ChannelAccount,
        Language = item.Language,
        Responsible = item.Author,
        Processed = true,
        ProcessedAt = now,
        ProcessedBy = item.Author,
        ReplyAction = sent.Link ?? "conversation:" + item.ConversationId,
        ChannelMessageId = sent.ChannelMessageId,
        EventId = item.Id,
    };
}

/// <summary>Reads the dead-letter list for the API.</summary>
public sealed class DeadLetterStore(IConnectionMultiplexer redis)
{
    public async Task<(IReadOnlyList<DeadLetter> Items, long Total)> ListAsync(int offset, int limit)
    {
        var db = redis.GetDatabase();
        var total = await db.ListLengthAsync(RedisKeys.DeadLetters);
        var values = await db.ListRangeAsync(RedisKeys.DeadLetters, offset, offset + limit - 1);
        return ([.. values.Select(v => JsonSerializer.Deserialize((string)v!, BotJson.Default.DeadLetter)!)], total);
    }
}

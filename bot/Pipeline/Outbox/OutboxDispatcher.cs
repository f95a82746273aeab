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
    HandoffService handoff,
    IOptions<OutboxOptions> options,
    TimeProvider time,
    Observability.BotMetrics metrics,
    ILogger<OutboxDispatcher> logger)
{
    private readonly Random _jitter = new();

    /// <summary>Sends due items from the head of the outbox (as the lease's snapshot knows it; each pop says what is next).</summary>
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

            if (lease.Snapshot.OutboxHead is not { } raw)
            {
                return null;
            }

            if (ReadItem(raw) is not { } item)
            {
                // Unreadable (e.g. written by an incompatible version): set it aside, else the conversation stalls on it for good.
                Log.OutboxItemUnreadable(logger, lease.ConversationId);
                await db.ListRightPushAsync(RedisKeys.UnreadableActivities, raw);
                await lease.PopAsync(key, raw);
                continue;
            }

            var now = time.GetUtcNow();
            if (item.NextAttemptAt > now)
            {
                return item.NextAttemptAt;
            }

            var sender = services.GetKeyedService<IChannelSender>(item.Channel);
            if (sender is null)
            {
                await DeadLetterAsync(db, lease, raw, item, $"No sender is registered for channel '{item.Channel}'.", "no_sender");
                continue;
            }

            ChannelSendResult sent;
            try
            {
                sent = await sender.SendAsync(item, cancellationToken);
            }
            catch (ChannelSendException e) when (e.Permanent)
            {
                metrics.SendFailed(item.Channel, e);
                await DeadLetterAsync(db, lease, raw, item with { Attempts = item.Attempts + 1, LastError = e.Message }, e.Message, "permanent", e.RecipientRefuses);
                continue;
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                var attempts = item.Attempts + 1;
                metrics.SendFailed(item.Channel, e);
                if (attempts >= options.Value.MaxAttempts)
                {
                    await DeadLetterAsync(db, lease, raw, item with { Attempts = attempts, LastError = e.Message }, e.Message, "attempts_exhausted");
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

            metrics.MessageOut(item.Channel, byAgent: item.Author != "bot");
            await interests.AppendAsync(OutboundRecord(item, sent, time.GetUtcNow()));
            await lease.PopAsync(key, raw);
        }
    }

    private static OutboxItem? ReadItem(string raw)
    {
        try
        {
            return JsonSerializer.Deserialize(raw, BotJson.Default.OutboxItem) is { Channel: not null, Message: not null } item ? item : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <param name="why">The metric's reason word: permanent, attempts_exhausted, no_sender.</param>
    /// <param name="refused">The customer does not accept messages on this channel (the console says so).</param>
    private async Task DeadLetterAsync(IDatabase db, ConversationLease lease, string raw, OutboxItem item, string reason, string why, bool refused = false)
    {
        Log.SendDeadLettered(logger, item.Channel, lease.ConversationId, item.Attempts, reason);
        metrics.DeadLettered(item.Channel, why);
        var now = time.GetUtcNow();
        var letter = JsonSerializer.Serialize(new DeadLetter(item, reason, now), BotJson.Default.DeadLetter);
        // Into the dead-letter list first, then off the outbox: a crash between leaves a copy, never a loss.
        await db.ListRightPushAsync(RedisKeys.DeadLetters, letter);
        await lease.PopAsync(RedisKeys.Outbox(lease.ConversationId), raw);

        // The console shows it where the reply was written: a line in the transcript (only while the transcript lives),
        // which also marks the reply as not delivered, and a notice so an open chat page updates at once.
        var agentId = ConversationOwner.Parse(item.Author).AgentId;
        var failure = new TranscriptEntry
        {
            AtUnixMs = now.ToUnixTimeMilliseconds(),
            From = TranscriptEntry.System,
            Kind = refused ? TranscriptEntry.Refused : TranscriptEntry.Undelivered,
            AgentId = agentId,
            Text = reason,
            OutboxId = item.Id,
        };
        await db.ListRightPushAsync(RedisKeys.Transcript(lease.ConversationId), JsonSerializer.Serialize(failure, ConversationJson.Default.TranscriptEntry), When.Exists);
        await handoff.NotifyAsync(new HandoffNotice("undelivered", lease.ConversationId, agentId, Reason: failure.Kind));
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

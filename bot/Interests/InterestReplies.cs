using Microsoft.Extensions.Options;
using SupportBot.Handoff;
using SupportBot.Pipeline;
using StackExchange.Redis;

namespace SupportBot.Interests;

/// <summary>
/// An agent answers a record from the feed, on the record's own conversation and channel, through
/// the conversation's outbox. The record is marked processed when the reply has gone out (the
/// outbound record authored <c>agent:&lt;id&gt;</c> does that), not when it is queued.
/// </summary>
public sealed class InterestReplies(
    InterestLog log,
    HandoffService handoff,
    IConnectionMultiplexer redis,
    IOptions<PipelineOptions> pipeline,
    TimeProvider time)
{
    public async Task<InterestChange> ReplyAsync(string id, string agentId, string text)
    {
        if (await log.GetAsync(id) is not { } record)
        {
            return InterestChange.NotFound;
        }

        if (record.Direction != "in")
        {
            return InterestChange.Conflict(record, "This is one of our replies; answer the customer's record instead.");
        }

        if (record.Processed)
        {
            return InterestChange.Conflict(record, $"Already processed by {record.ProcessedBy}.");
        }

        if (record.SourceType == Intake.FormIntake.SourceType)
        {
            return InterestChange.Conflict(record, "A web form has no chat to answer in: write or call back (the record's reply action), then mark it processed.");
        }

        var conversationId = record.ConversationId;
        var owner = await handoff.Store.OwnerAsync(conversationId);
        if (owner.IsAgent && owner.AgentId != agentId)
        {
            return InterestChange.Conflict(record, $"{owner.Value} holds this conversation in a live chat.");
        }

        if (owner.IsAgent)
        {
            // The agent's own live chat: the handoff's path keeps its figures (first response) right.
            var sent = await handoff.SendAsync(conversationId, agentId, text);
            return sent.Succeeded ? new InterestChange(InterestChangeStatus.Done, record) : InterestChange.Conflict(record, sent.Detail ?? "The chat changed meanwhile.");
        }

        // Amid the bot's lines (or its queue notices) on Telegram and VK the customer would take a person's reply for the bot's: it is introduced each time.
        if (await handoff.AgentMessageAsync(conversationId, agentId, text, record.EventId, introduce: true) is not { } message)
        {
            return InterestChange.Conflict(record, "The conversation has expired; it can no longer be answered here.");
        }

        var db = redis.GetDatabase();
        await db.ScriptEvaluateAsync(
            InterestScripts.QueueReply,
            [RedisKeys.Outbox(conversationId), RedisKeys.Transcript(conversationId)],
            [message.OutboxItem, message.TranscriptEntry, (long)TimeSpan.FromDays(pipeline.Value.ConversationTtlDays).TotalMilliseconds]);
        // Announced once the reply is queued (the pending set is in another slot): a worker that looks finds it.
        await db.SortedSetAddAsync(RedisKeys.PendingConversations, conversationId, time.GetUtcNow().ToUnixTimeMilliseconds());
        await handoff.WakePipelineAsync();
        return new InterestChange(InterestChangeStatus.Done, record);
    }
}

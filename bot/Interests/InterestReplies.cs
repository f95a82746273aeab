using System.Text.Json;
using Microsoft.Extensions.Options;
using SupportBot.Contracts;
using SupportBot.Handoff;
using SupportBot.Pipeline;
using SupportBot.Pipeline.Outbox;
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
    WakeSignal pipelineWake,
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

        var profileTask = handoff.Store.GetProfileAsync(conversationId);
        var agentTask = handoff.Store.GetAgentAsync(agentId);
        if (await profileTask is not { } profile)
        {
            return InterestChange.Conflict(record, "The conversation has expired; it can no longer be answered here.");
        }

        var agent = await agentTask;
        var now = time.GetUtcNow();
        var item = new OutboxItem
        {
            Id = $"{conversationId}:agent:{Guid.NewGuid():N}",
            Channel = profile.Channel,
            ConversationId = conversationId,
            ChannelAccount = profile.ChannelAccount,
            RecipientId = profile.UserId,
            Message = new OutgoingMessage(text),
            Author = ConversationOwner.Agent(agentId).Value,
            AuthorName = agent?.Name ?? agentId,
            InReplyToEventId = record.EventId,
            Language = profile.Language,
            CreatedAt = now,
        };
        var entry = new TranscriptEntry { AtUnixMs = now.ToUnixTimeMilliseconds(), From = "agent", AgentId = agentId, Text = text };
        await redis.GetDatabase().ScriptEvaluateAsync(
            InterestScripts.QueueReply,
            [RedisKeys.Outbox(conversationId), RedisKeys.Transcript(conversationId), RedisKeys.PendingConversations],
            [conversationId, now.ToUnixTimeMilliseconds(), JsonSerializer.Serialize(item, BotJson.Default.OutboxItem),
             JsonSerializer.Serialize(entry, ConversationJson.Default.TranscriptEntry), (long)TimeSpan.FromDays(pipeline.Value.ConversationTtlDays).TotalMilliseconds]);

        // Due now: wake the pipeline here and on every instance.
        pipelineWake.Pulse();
        await redis.GetSubscriber().PublishAsync(RedisKeys.PipelineWake, PipelineIngress.InstanceId, CommandFlags.FireAndForget);
        return new InterestChange(InterestChangeStatus.Done, record);
    }
}

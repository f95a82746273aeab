using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using SupportBot.Contracts;
using SupportBot.Handoff;
using StackExchange.Redis;

namespace SupportBot.Pipeline;

/// <param name="Accepted">False when the channel delivered an event we already had.</param>
/// <param name="Sequence">The arrival number in the conversation (0 for a duplicate).</param>
public sealed record IngressResult(bool Accepted, long Sequence);

/// <summary>
/// The front door of the pipeline: every channel adapter hands its normalised activity here and
/// acknowledges the channel as soon as this returns. One atomic script deduplicates by the
/// channel's event id and appends to the conversation's inbox; processing happens later, in order.
/// </summary>
public sealed class PipelineIngress(
    IConnectionMultiplexer redis,
    IOptions<PipelineOptions> options,
    WakeSignal wake,
    TimeProvider time,
    Observability.BotMetrics metrics)
{
    /// <summary>Tags this instance's wake-ups so it does not wake itself twice (it pulses locally at once).</summary>
    internal static readonly string InstanceId = Guid.NewGuid().ToString("N");

    public async Task<IngressResult> AcceptAsync(ChannelActivity activity)
    {
        ConversationIds.Validate(activity.ConversationId);
        ArgumentException.ThrowIfNullOrEmpty(activity.EventId);
        if (activity.ReceivedAt == default)
        {
            activity = activity with { ReceivedAt = time.GetUtcNow() };
        }

        var db = redis.GetDatabase();
        var conversationId = activity.ConversationId;
        var json = JsonSerializer.Serialize(activity, BotJson.Default.ChannelActivity);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var dedupeMs = (long)TimeSpan.FromHours(options.Value.DedupeHours).TotalMilliseconds;
        var sequence = (long)await db.ScriptEvaluateAsync(
            PipelineScripts.Accept,
            [RedisKeys.SeenEvents(conversationId), RedisKeys.Inbox(conversationId), RedisKeys.ArrivalSequence(conversationId)],
            [json, dedupeMs, SeenMember(activity.EventId), now, now - dedupeMs]);

        // Announce only once the push is done: the pending set is not in the conversation's slot (on a Redis Cluster it
        // may live on another node, where nothing orders it behind the push), and a worker that saw the announcement
        // first could find the inbox empty and finish. Also for a duplicate: if an earlier delivery died before its
        // announcement, the channel's retry still gets the conversation scheduled.
        await db.SortedSetAddAsync(RedisKeys.PendingConversations, conversationId, now, SortedSetWhen.NotExists);
        wake.Pulse();
        await redis.GetSubscriber().PublishAsync(RedisKeys.PipelineWake, InstanceId, CommandFlags.FireAndForget);
        if (sequence > 0 && activity.Kind.IsCustomerAction())
        {
            // Each customer activity once: not a chat being opened, nor the model's later call for a person on a message already counted.
            metrics.MessageIn(activity.Channel, activity.Kind);
        }

        return new IngressResult(sequence > 0, sequence);
    }

    /// <summary>
    /// How an event id is remembered: short ids (Telegram's update_id, VK's event_id) as they are, longer ones
    /// (Direct Line's conversation-prefixed activity ids) as 72 bits of their SHA-256, so a conversation's
    /// dedupe set stays small.
    /// </summary>
    internal static string SeenMember(string eventId) =>
        eventId.Length <= 16 ? eventId : Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(eventId)).AsSpan(0, 9));
}

public static class ConversationIds
{
    /// <summary>Our ids go inside a Redis hash tag, so braces are not allowed; channels build them from their own ids.</summary>
    public static void Validate(string conversationId)
    {
        if (string.IsNullOrWhiteSpace(conversationId) || conversationId.Length > 200 || conversationId.AsSpan().IndexOfAny('{', '}') >= 0)
        {
            throw new ArgumentException($"'{conversationId}' is not a valid conversation id.", nameof(conversationId));
        }
    }
}

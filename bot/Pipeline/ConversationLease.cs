using StackExchange.Redis;
using SupportBot.Handoff;

namespace SupportBot.Pipeline;

/// <summary>
/// The right to process one conversation, held by one worker on one instance. It expires by
/// itself, so a crashed instance's conversations are picked up by others after the lease time.
/// </summary>
internal sealed class ConversationLease
{
    private readonly IDatabase _db;
    private readonly TimeSpan _duration;
    private readonly TimeProvider _time;
    private DateTimeOffset _renewedAt;

    private ConversationLease(IDatabase db, string conversationId, string token, TimeSpan duration, TimeProvider time)
    {
        _db = db;
        ConversationId = conversationId;
        Token = token;
        _duration = duration;
        _time = time;
        _renewedAt = time.GetUtcNow();
    }

    public string ConversationId { get; }

    public string Token { get; }

    public RedisKey Key => RedisKeys.Lease(ConversationId);

    public static async Task<ConversationLease?> TryAcquireAsync(IDatabase db, string conversationId, TimeSpan duration, TimeProvider time)
    {
        var token = Guid.NewGuid().ToString("N");
        var acquired = await db.StringSetAsync(RedisKeys.Lease(conversationId), token, duration, When.NotExists);
        return acquired ? new ConversationLease(db, conversationId, token, duration, time) : null;
    }

    /// <summary>Extends the lease once a third of it has passed. False: it was lost (expired and taken by another worker).</summary>
    public async Task<bool> RenewIfDueAsync()
    {
        var now = _time.GetUtcNow();
        if (now - _renewedAt < _duration / 3)
        {
            return true;
        }

        var renewed = (long)await _db.ScriptEvaluateAsync(PipelineScripts.RenewLease, [Key], [Token, (long)_duration.TotalMilliseconds]) == 1;
        _renewedAt = now;
        return renewed;
    }

    public Task ReleaseAsync() => _db.ScriptEvaluateAsync(PipelineScripts.ReleaseLease, [Key], [Token]);
}

/// <summary>Another worker holds the conversation now; stop touching it.</summary>
internal sealed class LeaseLostException(string conversationId)
    : Exception($"The lease on conversation {conversationId} was lost.");

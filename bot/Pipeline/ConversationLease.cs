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

    /// <summary>What the worker knows of the conversation between round trips; kept up to date by every script it runs.</summary>
    public ConversationSnapshot Snapshot { get; } = new();

    /// <summary>Takes the lease if it is free and reads the first turn's inputs with it (one round trip).</summary>
    public static async Task<ConversationLease?> TryBeginAsync(IDatabase db, string conversationId, TimeSpan duration, TimeProvider time)
    {
        var token = Guid.NewGuid().ToString("N");
        var result = await db.ScriptEvaluateAsync(
            PipelineScripts.Begin,
            [RedisKeys.Lease(conversationId), RedisKeys.Inbox(conversationId), RedisKeys.Outbox(conversationId),
             RedisKeys.Owner(conversationId), RedisKeys.State(conversationId), RedisKeys.LastAgent(conversationId)],
            [token, (long)duration.TotalMilliseconds]);
        if (result.IsNull || result.Resp2Type != ResultType.Array)
        {
            return null;
        }

        var values = (RedisResult[])result!;
        var lease = new ConversationLease(db, conversationId, token, duration, time);
        lease.Snapshot.SetHeads(values[0], values[1]);
        lease.Snapshot.SetTurnInputs((string?)values[2], (string?)values[3], (string?)values[4]);
        return lease;
    }

    /// <summary>Reads the turn's inputs again (the owner or the state changed under a turn, or a handoff wrote them).</summary>
    public async Task RereadTurnInputsAsync()
    {
        var owner = _db.StringGetAsync(RedisKeys.Owner(ConversationId));
        var state = _db.StringGetAsync(RedisKeys.State(ConversationId));
        var lastAgent = _db.StringGetAsync(RedisKeys.LastAgent(ConversationId));
        await Task.WhenAll(owner, state, lastAgent);
        Snapshot.SetTurnInputs(owner.Result, state.Result, lastAgent.Result);
    }

    /// <summary>
    /// Runs a script that answers <c>{1, outbox head, inbox head}</c> or <c>{negative}</c>, and keeps the snapshot's heads.
    /// </summary>
    /// <returns>1, or the script's refusal (-1 lease lost, -2 head changed, -3 owner changed, -4 state changed).</returns>
    public async Task<long> RunWithHeadsAsync(string script, RedisKey[] keys, RedisValue[] args)
    {
        var values = (RedisResult[])(await _db.ScriptEvaluateAsync(script, keys, args))!;
        var code = (long)values[0];
        if (code == 1)
        {
            Snapshot.SetHeads(values[1], values[2]);
        }

        return code;
    }

    /// <summary>Removes the head of the inbox or the outbox if it is still <paramref name="expected"/>; else the lease is gone.</summary>
    public async Task PopAsync(RedisKey list, string expected)
    {
        if (await RunWithHeadsAsync(PipelineScripts.PopHead, [Key, list, RedisKeys.Inbox(ConversationId), RedisKeys.Outbox(ConversationId)], [Token, expected]) != 1)
        {
            throw new LeaseLostException(ConversationId);
        }
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

    /// <summary>
    /// Gives up the lease, and takes the conversation off the pending set unless work came in meanwhile. The
    /// removal is done (awaited) before the release script runs: an activity pushed after the removal announces
    /// itself again, and one pushed before it is counted by the release script, so nothing is left unannounced.
    /// The two keys are in different slots (on a Redis Cluster, maybe on different nodes), so only awaiting orders them.
    /// </summary>
    public async Task FinishAsync(DateTimeOffset now)
    {
        await _db.SortedSetRemoveAsync(RedisKeys.PendingConversations, ConversationId);
        var left = (long)await _db.ScriptEvaluateAsync(PipelineScripts.Finish, [Key, RedisKeys.Inbox(ConversationId), RedisKeys.Outbox(ConversationId)], [Token]);
        if (left > 0)
        {
            await _db.SortedSetAddAsync(RedisKeys.PendingConversations, ConversationId, now.ToUnixTimeMilliseconds(), SortedSetWhen.NotExists);
        }
    }
}

/// <summary>
/// What a worker knows of its conversation between round trips. Every script the worker runs answers with
/// the heads of the outbox and the inbox, so the next step needs no read of its own; the turn's inputs
/// (owner, state, last agent) are carried from one turn to the next: only the worker holding the lease
/// writes the state, and the commit refuses when the owner or the state is not what the turn started from
/// (then they are read again and the turn runs again).
/// </summary>
internal sealed class ConversationSnapshot
{
    public string? OutboxHead { get; private set; }

    public string? InboxHead { get; private set; }

    public ConversationOwner Owner { get; set; } = ConversationOwner.Bot;

    /// <summary>The saved state's JSON; null when there is none.</summary>
    public string? StateJson { get; set; }

    public string? LastAgent { get; private set; }

    public void SetHeads(RedisResult outbox, RedisResult inbox)
    {
        OutboxHead = NullIfEmpty((string?)outbox);
        InboxHead = NullIfEmpty((string?)inbox);
    }

    public void SetTurnInputs(string? owner, string? state, string? lastAgent)
    {
        Owner = ConversationOwner.Parse(NullIfEmpty(owner));
        StateJson = NullIfEmpty(state);
        LastAgent = NullIfEmpty(lastAgent);
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}

/// <summary>Another worker holds the conversation now; stop touching it.</summary>
internal sealed class LeaseLostException(string conversationId)
    : Exception($"The lease on conversation {conversationId} was lost.");

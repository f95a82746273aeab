using Microsoft.Extensions.Options;
using SupportBot.Handoff;
using StackExchange.Redis;

namespace SupportBot.Pipeline;

/// <summary>
/// Runs <see cref="PipelineOptions.Workers"/> loops that pick due conversations from the shared
/// pending set, take the conversation's lease and process it. Several host instances on one Redis
/// share the work; the lease keeps each conversation on one worker at a time.
/// </summary>
internal sealed class PipelineWorker(
    IConnectionMultiplexer redis,
    ConversationProcessor processor,
    WakeSignal wake,
    IOptions<PipelineOptions> options,
    TimeProvider time,
    ILogger<PipelineWorker> logger) : BackgroundService
{
    private const int CandidatesPerLook = 32;
    private static readonly TimeSpan OutageLogInterval = TimeSpan.FromSeconds(10);
    private readonly HashSet<string> _busyHere = new(StringComparer.Ordinal);
    private long _outageLoggedAt;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var subscriber = redis.GetSubscriber();
        await subscriber.SubscribeAsync(RedisKeys.PipelineWake, (_, _) => wake.Pulse());
        try
        {
            await Task.WhenAll(Enumerable.Range(0, options.Value.Workers).Select(_ => Task.Run(() => LoopAsync(stoppingToken), CancellationToken.None)));
        }
        finally
        {
            await subscriber.UnsubscribeAsync(RedisKeys.PipelineWake);
        }
    }

    private async Task LoopAsync(CancellationToken stoppingToken)
    {
        var poll = TimeSpan.FromMilliseconds(options.Value.PollMilliseconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            var pulse = wake.NextPulse;
            bool worked;
            try
            {
                worked = await RunOneConversationAsync(stoppingToken);
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                // Redis is away (restart, failover): wait and try again; nothing is lost, the inbox is in Redis.
                LogOutage(e);
                worked = false;
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                Log.PipelineLoopFailed(logger, e);
                worked = false;
            }

            if (!worked && !stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await WakeSignal.WaitAsync(pulse, poll, time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <returns>True when a conversation was processed (look again at once).</returns>
    private async Task<bool> RunOneConversationAsync(CancellationToken stoppingToken)
    {
        var db = redis.GetDatabase();
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var due = await db.SortedSetRangeByScoreAsync(RedisKeys.PendingConversations, double.NegativeInfinity, now, take: CandidatesPerLook);
        if (due.Length == 0)
        {
            return false;
        }

        // Start at a random place so the loops of several instances spread over the candidates.
        var start = Random.Shared.Next(due.Length);
        for (var i = 0; i < due.Length; i++)
        {
            var conversationId = (string)due[(start + i) % due.Length]!;
            if (!TryMarkBusy(conversationId))
            {
                continue;
            }

            try
            {
                var lease = await ConversationLease.TryAcquireAsync(db, conversationId, TimeSpan.FromSeconds(options.Value.LeaseSeconds), time);
                if (lease is null)
                {
                    continue; // another instance has it
                }

                await RunWithLeaseAsync(db, lease, stoppingToken);
                return true;
            }
            finally
            {
                lock (_busyHere)
                {
                    _busyHere.Remove(conversationId);
                }
            }
        }

        return false;
    }

    private async Task RunWithLeaseAsync(IDatabase db, ConversationLease lease, CancellationToken stoppingToken)
    {
        var conversationId = lease.ConversationId;
        DateTimeOffset? retryAt;
        try
        {
            retryAt = await processor.RunAsync(lease, stoppingToken);
        }
        catch (LeaseLostException)
        {
            // Whoever holds it now also owns the scheduling; touching the pending set could drop their signal.
            Log.LeaseLost(logger, conversationId);
            return;
        }
        catch
        {
            await lease.ReleaseAsync();
            throw;
        }

        if (retryAt is not null)
        {
            await db.SortedSetAddAsync(RedisKeys.PendingConversations, conversationId, retryAt.Value.ToUnixTimeMilliseconds());
            await lease.ReleaseAsync();
            return;
        }

        await lease.ReleaseAsync();
        // Remove, then look again: an activity pushed meanwhile is either seen here or re-announces itself after this removal.
        await db.SortedSetRemoveAsync(RedisKeys.PendingConversations, conversationId);
        var inbox = db.ListLengthAsync(RedisKeys.Inbox(conversationId));
        var outbox = db.ListLengthAsync(RedisKeys.Outbox(conversationId));
        if (await inbox + await outbox > 0)
        {
            await db.SortedSetAddAsync(RedisKeys.PendingConversations, conversationId, time.GetUtcNow().ToUnixTimeMilliseconds(), SortedSetWhen.NotExists);
            wake.Pulse();
        }
    }

    /// <summary>One line per outage interval, not one per worker loop and poll.</summary>
    private void LogOutage(Exception e)
    {
        var now = time.GetTimestamp();
        var last = Interlocked.Read(ref _outageLoggedAt);
        if ((last == 0 || time.GetElapsedTime(last, now) > OutageLogInterval) && Interlocked.CompareExchange(ref _outageLoggedAt, now, last) == last)
        {
            var message = e.Message;
            var cut = message.IndexOf(" - ", StringComparison.Ordinal);
            Log.PipelineStoreUnavailable(logger, cut > 0 ? message[..cut] : message);
        }
    }

    private bool TryMarkBusy(string conversationId)
    {
        lock (_busyHere)
        {
            return _busyHere.Add(conversationId);
        }
    }
}

using System.Threading.Channels;
using Microsoft.Extensions.Options;
using SupportBot.Handoff;
using StackExchange.Redis;

namespace SupportBot.Pipeline;

/// <summary>
/// Processes due conversations from the shared pending set. One dispatcher loop per instance
/// reads the set (when woken, or every poll interval for due retries) and hands conversations to
/// <see cref="PipelineOptions.Workers"/> worker loops, which take the conversation's lease and
/// process it. Several host instances on one Redis share the work; the lease keeps each
/// conversation on one worker at a time.
/// </summary>
internal sealed class PipelineWorker(
    IConnectionMultiplexer redis,
    ConversationProcessor processor,
    WakeSignal wake,
    IOptions<PipelineOptions> options,
    TimeProvider time,
    ILogger<PipelineWorker> logger) : BackgroundService
{
    private static readonly TimeSpan OutageLogInterval = TimeSpan.FromSeconds(10);

    // How long a conversation found leased by another instance is passed over before it is tried again.
    private static readonly TimeSpan HeldElsewhereRecheck = TimeSpan.FromSeconds(1);

    // At most this many held conversations are read past in one look (a bound on one read of the pending set).
    private const int MaxHeldElsewhereReadPast = 1000;

    private readonly HashSet<string> _busyHere = new(StringComparer.Ordinal);

    // Due conversations another instance holds (busy there, or left leased by one that crashed), with when to try
    // them again. They keep their place at the front of the pending set, so the dispatcher reads past them: else as
    // many of them as it looks at would hide everything behind them until their leases end.
    private readonly Dictionary<string, long> _heldElsewhere = new(StringComparer.Ordinal);
    private long _outageLoggedAt;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var workers = options.Value.Workers;
        var handOff = Channel.CreateBounded<string>(new BoundedChannelOptions(workers) { SingleWriter = true });
        var subscriber = redis.GetSubscriber();
        // Other instances' ingress wakes this one; our own publishes are already pulsed locally.
        await subscriber.SubscribeAsync(RedisKeys.PipelineWake, (_, from) =>
        {
            if (from != PipelineIngress.InstanceId)
            {
                wake.Pulse();
            }
        });
        try
        {
            var workerLoops = Enumerable.Range(0, workers)
                .Select(_ => Task.Run(() => WorkAsync(handOff.Reader, stoppingToken), CancellationToken.None))
                .ToList();
            await DispatchAsync(handOff.Writer, workers, stoppingToken);
            handOff.Writer.Complete();
            await Task.WhenAll(workerLoops); // in-flight turns finish before the host stops
        }
        finally
        {
            await subscriber.UnsubscribeAsync(RedisKeys.PipelineWake);
        }
    }

    /// <summary>Finds due conversations that no local worker has and hands them out, as many as there are free workers.</summary>
    private async Task DispatchAsync(ChannelWriter<string> handOff, int workers, CancellationToken stoppingToken)
    {
        var poll = TimeSpan.FromMilliseconds(options.Value.PollMilliseconds);
        var db = redis.GetDatabase();
        while (!stoppingToken.IsCancellationRequested)
        {
            var pulse = wake.NextPulse;
            try
            {
                int busy;
                int held;
                lock (_busyHere)
                {
                    busy = _busyHere.Count;
                    held = ForgetHeldElsewhereDue();
                }

                var free = workers - busy;
                if (free > 0)
                {
                    var now = time.GetUtcNow().ToUnixTimeMilliseconds();
                    var due = await db.SortedSetRangeByScoreAsync(
                        RedisKeys.PendingConversations, double.NegativeInfinity, now, take: busy + Math.Min(held, MaxHeldElsewhereReadPast) + (2 * free));
                    // Start at a random place so several instances spread over the same candidates.
                    var start = due.Length == 0 ? 0 : Random.Shared.Next(due.Length);
                    for (var i = 0; i < due.Length && free > 0; i++)
                    {
                        var conversationId = (string)due[(start + i) % due.Length]!;
                        if (TryMarkBusy(conversationId))
                        {
                            await handOff.WriteAsync(conversationId, stoppingToken);
                            free--;
                        }
                    }
                }
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                // Redis is away (restart, failover): wait and look again; nothing is lost, the inbox is in Redis.
                LogOutage(e);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }

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

    private async Task WorkAsync(ChannelReader<string> handOff, CancellationToken stoppingToken)
    {
        var db = redis.GetDatabase();
        await foreach (var conversationId in handOff.ReadAllAsync(CancellationToken.None))
        {
            var processed = false;
            try
            {
                var lease = await ConversationLease.TryBeginAsync(db, conversationId, TimeSpan.FromSeconds(options.Value.LeaseSeconds), time);
                if (lease is not null)
                {
                    await RunWithLeaseAsync(db, lease, stoppingToken);
                    processed = true;
                }
                else
                {
                    lock (_busyHere)
                    {
                        _heldElsewhere[conversationId] = time.GetTimestamp() + (long)(HeldElsewhereRecheck.TotalSeconds * time.TimestampFrequency);
                    }
                }
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                LogOutage(e);
            }
            catch (Exception e)
            {
                Log.PipelineLoopFailed(logger, e);
            }
            finally
            {
                lock (_busyHere)
                {
                    _busyHere.Remove(conversationId);
                }
            }

            if (processed)
            {
                wake.Pulse(); // a worker is free again: let the dispatcher look for more
            }
        }
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
            // Both in one round trip, in this order: the retry is scheduled before the lease goes.
            await Task.WhenAll(
                db.SortedSetAddAsync(RedisKeys.PendingConversations, conversationId, retryAt.Value.ToUnixTimeMilliseconds()),
                lease.ReleaseAsync());
            return;
        }

        await lease.FinishAsync(time.GetUtcNow());
    }

    /// <summary>One line per outage interval, not one per loop and poll.</summary>
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

    /// <summary>Marks the conversation as taken by a local worker; false when a local worker has it or it is held elsewhere.</summary>
    private bool TryMarkBusy(string conversationId)
    {
        lock (_busyHere)
        {
            return !_heldElsewhere.ContainsKey(conversationId) && _busyHere.Add(conversationId);
        }
    }

    /// <summary>Drops the held-elsewhere marks whose time to try again has come; returns how many are left. Call under the lock.</summary>
    private int ForgetHeldElsewhereDue()
    {
        if (_heldElsewhere.Count > 0)
        {
            var now = time.GetTimestamp();
            foreach (var (conversationId, retryAt) in _heldElsewhere)
            {
                if (retryAt <= now)
                {
                    _heldElsewhere.Remove(conversationId);
                }
            }
        }

        return _heldElsewhere.Count;
    }
}

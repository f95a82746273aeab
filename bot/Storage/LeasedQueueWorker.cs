using StackExchange.Redis;
using SupportBot.Pipeline;

namespace SupportBot.Storage;

/// <summary>
/// The sending half of a <see cref="LeasedQueue"/>: claims as many due items as it handles at once, handles them, and
/// goes on until none is due; then waits for a wake on this instance or the poll interval. A failed round (the store
/// away, or a bug) is logged and the loop goes on: what was claimed comes back when its lease ends.
/// </summary>
internal abstract class LeasedQueueWorker<T>(WakeSignal wake, TimeProvider time, ILogger logger) : BackgroundService
{
    protected TimeProvider Time { get; } = time;

    protected ILogger Logger { get; } = logger;

    /// <summary>What the worker does, for its log lines ("Webhook delivery").</summary>
    protected abstract string Name { get; }

    /// <summary>False when there is nothing to send with (then nothing is queued either): the worker ends at once.</summary>
    protected virtual bool Enabled => true;

    /// <summary>Items handled at the same time; also how many are claimed at once, so each starts within its lease.</summary>
    protected abstract int Concurrency { get; }

    /// <summary>How often to look for due items when not woken (other instances' items, retries that came due).</summary>
    protected abstract TimeSpan Poll { get; }

    protected abstract Task<IReadOnlyList<T>> ClaimAsync(int max);

    /// <summary>One claimed item: finish, reschedule or release it. Should not throw for the far side's failures.</summary>
    protected abstract Task HandleAsync(T item, CancellationToken stoppingToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Enabled)
        {
            return;
        }

        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Concurrency };
        while (!stoppingToken.IsCancellationRequested)
        {
            var pulse = wake.NextPulse;
            try
            {
                var batch = await ClaimAsync(Concurrency);
                if (batch.Count > 0)
                {
                    await Parallel.ForEachAsync(batch, parallel, (item, _) => new ValueTask(HandleAsync(item, stoppingToken)));
                    continue; // there may be more due already
                }
            }
            catch (Exception e) when (e is RedisException or TimeoutException && !stoppingToken.IsCancellationRequested)
            {
                Log.QueueRoundFailed(Logger, Name, e.Message);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // Never stop the host over one item: what was claimed is handled again when its lease ends.
                Log.QueueLoopFailed(Logger, e, Name);
            }

            try
            {
                await WakeSignal.WaitAsync(pulse, Poll, Time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }
}

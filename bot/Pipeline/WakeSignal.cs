namespace SupportBot.Pipeline;

/// <summary>Wakes every idle worker at once when new work may be there (a broadcast, not a queue).</summary>
public sealed class WakeSignal
{
    private TaskCompletionSource _next = NewSource();

    public void Pulse() => Interlocked.Exchange(ref _next, NewSource()).TrySetResult();

    /// <summary>
    /// Completes at the next pulse. Take it <em>before</em> looking for work, then wait on it, so a
    /// pulse that comes while looking is not missed.
    /// </summary>
    public Task NextPulse => Volatile.Read(ref _next).Task;

    /// <summary>Returns when <paramref name="pulse"/> completes or after <paramref name="timeout"/>, whichever is first.</summary>
    public static async Task WaitAsync(Task pulse, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!pulse.IsCompleted)
        {
            // One timer and no linked token source per wait: this runs for every reply a Direct Line stream pushes.
            await pulse.WaitAsync(timeout, time, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        cancellationToken.ThrowIfCancellationRequested();
    }

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}

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
        using var timeoutCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var delay = Task.Delay(timeout, time, timeoutCancellation.Token);
        await Task.WhenAny(pulse, delay);
        await timeoutCancellation.CancelAsync();
        cancellationToken.ThrowIfCancellationRequested();
    }

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}

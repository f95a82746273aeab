namespace SupportBot.Channels.Vk;

/// <summary>
/// Keeps one community token's API calls at no more than N in any one second, as VK counts them; a call over
/// the limit waits for its turn (first come, first served) instead of being refused.
/// </summary>
/// <remarks>
/// Not System.Threading.RateLimiting's token bucket: it refills on a timer tick, and a tick that runs late
/// (a busy thread pool) followed by one on time lets two full bursts out well under a second apart, which VK
/// answers with error 6. Remembering when the last N calls started makes "N per second" hold over every window.
/// </remarks>
internal sealed class VkCallPacer(int callsPerSecond, TimeProvider time)
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(1);

    // Never disposed: it holds no wait handle, and a call still waiting at shutdown should end by its token, not by ObjectDisposedException.
    private readonly SemaphoreSlim _turn = new(1, 1);
    private readonly Queue<long> _recentStarts = new(callsPerSecond);

    public async Task WaitForTurnAsync(CancellationToken cancellationToken)
    {
        await _turn.WaitAsync(cancellationToken);
        try
        {
            if (_recentStarts.Count == callsPerSecond)
            {
                // A timer may fire a hair early: wait until the oldest of the last N calls is a full second old.
                TimeSpan left;
                while ((left = Window - time.GetElapsedTime(_recentStarts.Peek())) > TimeSpan.Zero)
                {
                    await Task.Delay(left, time, cancellationToken);
                }

                _recentStarts.Dequeue();
            }

            _recentStarts.Enqueue(time.GetTimestamp());
        }
        finally
        {
            _turn.Release();
        }
    }
}

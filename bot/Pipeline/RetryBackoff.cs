namespace SupportBot.Pipeline;

/// <summary>Exponential backoff with jitter, shared by the outbox, the CRM webhooks and the form confirmation mails.</summary>
internal static class RetryBackoff
{
    /// <summary>
    /// The wait before try <paramref name="attempts"/> + 1: <paramref name="firstSeconds"/> after the first failure, doubling
    /// with each further one up to <paramref name="maxSeconds"/>, jittered by ±20 % so a burst of failures does not retry in lockstep.
    /// </summary>
    public static TimeSpan Next(int attempts, double firstSeconds, double maxSeconds, Random random)
    {
        var seconds = Math.Min(maxSeconds, firstSeconds * Math.Pow(2, Math.Max(0, attempts - 1)));
        return TimeSpan.FromSeconds(seconds * (0.8 + (random.NextDouble() * 0.4)));
    }
}

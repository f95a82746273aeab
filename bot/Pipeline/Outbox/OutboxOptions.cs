using System.ComponentModel.DataAnnotations;

namespace SupportBot.Pipeline.Outbox;

/// <summary><c>Outbox:*</c> — retries of channel sends.</summary>
public sealed class OutboxOptions
{
    public const string Section = "Outbox";

    /// <summary>Attempts before a send goes to the dead-letter list.</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 8;

    /// <summary>Wait after the first failure; doubles with each further one (with jitter).</summary>
    [Range(0.01, 3600)]
    public double FirstRetrySeconds { get; set; } = 1;

    [Range(0.01, 86400)]
    public double MaxRetrySeconds { get; set; } = 300;

    /// <summary>Backoff before attempt <paramref name="attempts"/> + 1, jittered by ±20 % so a burst of failures does not retry in lockstep.</summary>
    public TimeSpan Backoff(int attempts, Random random) => RetryBackoff.Next(attempts, FirstRetrySeconds, MaxRetrySeconds, random);
}

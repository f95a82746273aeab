using System.ComponentModel.DataAnnotations;

namespace SupportBot.Pipeline;

/// <summary><c>Pipeline:*</c> — how inbound activities are deduplicated, ordered and processed.</summary>
public sealed class PipelineOptions
{
    public const string Section = "Pipeline";

    /// <summary>Conversations this instance processes at the same time.</summary>
    [Range(1, 1024)]
    public int Workers { get; set; } = 16;

    /// <summary>How long a worker holds a conversation without renewing; a crashed instance's conversations move on after this.</summary>
    [Range(2, 3600)]
    public int LeaseSeconds { get; set; } = 30;

    /// <summary>How long a channel event id is remembered for deduplication.</summary>
    [Range(1, 24 * 30)]
    public int DedupeHours { get; set; } = 24;

    /// <summary>How often idle workers look for due work (retries) when nothing wakes them.</summary>
    [Range(10, 60000)]
    public int PollMilliseconds { get; set; } = 500;

    /// <summary>Activities one worker handles in a conversation before giving others a turn.</summary>
    [Range(1, 10000)]
    public int MaxActivitiesPerLease { get; set; } = 100;

    /// <summary>Days a quiet conversation's state is kept.</summary>
    [Range(1, 3650)]
    public int ConversationTtlDays { get; set; } = 90;
}

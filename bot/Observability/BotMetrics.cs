using System.Diagnostics.Metrics;
using SupportBot.Channels;
using SupportBot.Contracts;

namespace SupportBot.Observability;

/// <summary>
/// The host's own instruments (meter <c>SupportBot</c>), exported on <c>/metrics</c>. Every tag has
/// few values (channel names, outcome and reason words), never ids, so series stay bounded.
/// </summary>
public sealed class BotMetrics
{
    private readonly Counter<long> _messagesIn;
    private readonly Counter<long> _messagesOut;
    private readonly Counter<long> _turns;
    private readonly Counter<long> _sendFailures;
    private readonly Counter<long> _deadLetters;
    private readonly Histogram<double> _handoffWait;
    private readonly Counter<long> _ratings;

    public BotMetrics(IMeterFactory meters, HandoffQueueLengths queues)
    {
        var meter = meters.Create(BotTelemetry.Name);
        _messagesIn = meter.CreateCounter<long>("supportbot.messages.in", "{message}",
            "Customer activities accepted from a channel (a channel's duplicate delivery is not counted).");
        _messagesOut = meter.CreateCounter<long>("supportbot.messages.out", "{message}",
            "Replies delivered on a channel (the bot's and agents').");
        _turns = meter.CreateCounter<long>("supportbot.turns", "{turn}",
            "Turns the bot ran, by outcome: answered, silent, handoff, failed.");
        _sendFailures = meter.CreateCounter<long>("supportbot.send.failures", "{attempt}",
            "Failed send attempts, by channel and reason (retried unless dead-lettered).");
        _deadLetters = meter.CreateCounter<long>("supportbot.dead_letters", "{message}",
            "Replies moved to the dead-letter list, by channel and reason.");
        _handoffWait = meter.CreateHistogram<double>("supportbot.handoff.wait", "s",
            "How long a chat waited in a department's queue before it was offered to or taken by an agent.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200] });
        _ratings = meter.CreateCounter<long>("supportbot.satisfaction.ratings", "{rating}",
            "Customers' ratings of resolved chats (the survey after the close), by channel and rating 1–5.");
        meter.CreateObservableGauge("supportbot.handoff.queue.length", queues.Observe, "{conversation}",
            "Chats waiting in each department's queue (sampled every Metrics:QueueSampleSeconds).");
    }

    public void MessageIn(string channel, ActivityKind kind) =>
        _messagesIn.Add(1, new KeyValuePair<string, object?>("channel", channel), new KeyValuePair<string, object?>("kind", BotTelemetry.ActivityKindTag(kind)));

    /// <param name="byAgent">An agent wrote it (else the bot).</param>
    public void MessageOut(string channel, bool byAgent) =>
        _messagesOut.Add(1, new KeyValuePair<string, object?>("channel", channel), new KeyValuePair<string, object?>("author", byAgent ? "agent" : "bot"));

    public void Turn(string channel, TurnOutcome outcome) =>
        _turns.Add(1, new KeyValuePair<string, object?>("channel", channel), new KeyValuePair<string, object?>("outcome", OutcomeName(outcome)));

    public void SendFailed(string channel, Exception error) =>
        _sendFailures.Add(1, new KeyValuePair<string, object?>("channel", channel), new KeyValuePair<string, object?>("reason", FailureReason(error)));

    /// <param name="reason"><c>permanent</c>, <c>attempts_exhausted</c> or <c>no_sender</c>.</param>
    public void DeadLettered(string channel, string reason) =>
        _deadLetters.Add(1, new KeyValuePair<string, object?>("channel", channel), new KeyValuePair<string, object?>("reason", reason));

    public void HandoffWait(string department, TimeSpan wait) =>
        _handoffWait.Record(Math.Max(0, wait.TotalSeconds), new KeyValuePair<string, object?>("department", department));

    public void SatisfactionRating(string channel, int rating) =>
        _ratings.Add(1, new KeyValuePair<string, object?>("channel", channel), new KeyValuePair<string, object?>("rating", rating.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>A word for why a send failed, from the kind of error (never its message, which may hold ids).</summary>
    internal static string FailureReason(Exception error) => error switch
    {
        ChannelSendException { Permanent: true } => "permanent",
        ChannelSendException { RetryAfter: not null } => "rate_limited",
        ChannelSendException { InnerException: HttpRequestException } or HttpRequestException => "network",
        ChannelSendException { InnerException: TimeoutException or TaskCanceledException } or TimeoutException or TaskCanceledException => "timeout",
        ChannelSendException => "channel_error",
        _ => "error",
    };

    private static string OutcomeName(TurnOutcome outcome) => outcome switch
    {
        TurnOutcome.Answered => "answered",
        TurnOutcome.Handoff => "handoff",
        TurnOutcome.Failed => "failed",
        _ => "silent",
    };
}

/// <summary>How a bot turn ended.</summary>
public enum TurnOutcome
{
    /// <summary>The bot replied.</summary>
    Answered,

    /// <summary>No reply (e.g. a signal the bot only records).</summary>
    Silent,

    /// <summary>The turn brought in a person.</summary>
    Handoff,

    /// <summary>The bot threw; the customer got an apology and a person.</summary>
    Failed,
}

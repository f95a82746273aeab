using System.Diagnostics;
using SupportBot.Contracts;
using ActivityKind = SupportBot.Contracts.ActivityKind;

namespace SupportBot.Observability;

/// <summary>The names our own metrics and traces are published under, and the span of one turn.</summary>
public static class BotTelemetry
{
    /// <summary>The meter (messages, turns, sends, handoff) and the activity source (turns).</summary>
    public const string Name = "SupportBot";

    public static readonly ActivitySource Source = new(Name);

    /// <summary>
    /// A span around one inbound activity's turn, tagged with its conversation and channel; null when
    /// nobody listens. Log lines written inside it carry its trace id next to the conversation scope.
    /// </summary>
    public static Activity? StartTurn(ChannelActivity activity)
    {
        var span = Source.StartActivity("turn");
        if (span is { IsAllDataRequested: true })
        {
            span.SetTag("conversation.id", activity.ConversationId);
            span.SetTag("channel", activity.Channel);
            span.SetTag("activity.kind", ActivityKindTag(activity.Kind));
            span.SetTag("activity.sequence", activity.Sequence);
        }

        return span;
    }

    /// <summary>Lower-case kind names, made once: the tag is set on the hot path.</summary>
    private static readonly string[] KindNames = [.. Enum.GetValues<ActivityKind>().Select(k => k == ActivityKind.ConversationStart ? "conversation_start" : k.ToString().ToLowerInvariant())];

    internal static string ActivityKindTag(ActivityKind kind) => (uint)kind < (uint)KindNames.Length ? KindNames[(int)kind] : "other";
}

using System.Collections.Concurrent;
using SupportBot.Contracts;
using SupportBot.Dialogs;

namespace SupportBot.FunctionalTests.Pipeline;

/// <summary>What a bot turn saw, in the order turns ran, across every host of a test.</summary>
public sealed record RecordedTurn(string ConversationId, long Sequence, string? Text, string Host, DateTimeOffset FinishedAt);

public sealed class TurnRecorder
{
    private readonly ConcurrentDictionary<string, int> _inFlight = new();
    private readonly ConcurrentQueue<RecordedTurn> _turns = new();
    private int _maxOverlap;

    /// <summary>Slow turns in one conversation (to show others are not held up behind it).</summary>
    public ConcurrentDictionary<string, TimeSpan> DelayByConversation { get; } = new();

    /// <summary>The most turns of one conversation that ever ran at the same time (must stay 1).</summary>
    public int MaxOverlap => Volatile.Read(ref _maxOverlap);

    public IReadOnlyList<RecordedTurn> For(string conversationId) => [.. _turns.Where(t => t.ConversationId == conversationId)];

    public async Task<BotTurnResult> RunAsync(BotTurn turn, string host)
    {
        var activity = turn.Activity;
        if (activity.Kind == ActivityKind.ConversationStart)
        {
            return BotTurnResult.Say();
        }

        var overlap = _inFlight.AddOrUpdate(activity.ConversationId, 1, (_, n) => n + 1);
        InterlockedMax(ref _maxOverlap, overlap);
        try
        {
            if (DelayByConversation.TryGetValue(activity.ConversationId, out var delay))
            {
                await Task.Delay(delay);
            }

            _turns.Enqueue(new RecordedTurn(activity.ConversationId, activity.Sequence, activity.Text, host, DateTimeOffset.UtcNow));
            return BotTurnResult.Say(new OutgoingMessage("ack " + activity.Text));
        }
        finally
        {
            _inFlight.AddOrUpdate(activity.ConversationId, 0, (_, n) => n - 1);
        }
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while (value > (current = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}

/// <summary>A bot that records its turns and answers "ack &lt;text&gt;".</summary>
public sealed class RecordingBot(TurnRecorder recorder, string host) : IConversationBot
{
    public Task<BotTurnResult> OnTurnAsync(BotTurn turn, CancellationToken cancellationToken) => recorder.RunAsync(turn, host);
}

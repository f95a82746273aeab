using Microsoft.Extensions.Time.Testing;
using SupportBot.Contracts;
using SupportBot.Dialogs.Engine;

namespace SupportBot.Dialogs.Tests.Infrastructure;

/// <summary>
/// Bot Framework's TestFlow for our engine: queue <see cref="Send"/> and <see cref="AssertReply(string)"/>
/// steps, then <see cref="StartTestAsync"/> runs them in order against a <see cref="DialogRunner"/> and
/// a store (in memory unless given), with a <see cref="FakeTimeProvider"/> for "now".
/// </summary>
public sealed class ConversationFlow
{
    private readonly List<Func<Task>> _steps = [];
    private readonly Queue<OutgoingMessage> _replies = new();
    private int _sequence;

    public ConversationFlow(
        DialogSet dialogs,
        string rootDialogId,
        IDialogStateStore? store = null,
        string? locale = null,
        FakeTimeProvider? time = null,
        TimeZoneInfo? timeZone = null,
        string conversationId = "test:1")
    {
        Time = time ?? new FakeTimeProvider(new DateTimeOffset(2026, 11, 24, 10, 0, 0, TimeSpan.Zero)); // a Tuesday
        Store = store ?? new InMemoryDialogStateStore();
        Runner = new DialogRunner(dialogs, rootDialogId, new DialogRunnerOptions { Time = Time, TimeZone = timeZone ?? TimeZoneInfo.Utc });
        Locale = locale;
        ConversationId = conversationId;
    }

    public FakeTimeProvider Time { get; }

    public IDialogStateStore Store { get; }

    public DialogRunner Runner { get; private set; }

    public string? Locale { get; }

    public string ConversationId { get; }

    /// <summary>The last turn's result.</summary>
    public DialogRunResult? Last { get; private set; }

    public ConversationFlow Send(string text, ActivityKind kind = ActivityKind.Message)
    {
        _steps.Add(async () =>
        {
            if (_replies.Count > 0)
            {
                Assert.Fail($"Before sending '{text}': {_replies.Count} unchecked repl{(_replies.Count == 1 ? "y" : "ies")}, first '{_replies.Peek().Text}'.");
            }

            _sequence++;
            var activity = new ChannelActivity
            {
                Channel = "test",
                ConversationId = ConversationId,
                EventId = "e" + _sequence,
                From = new ChannelUser("customer"),
                Kind = kind,
                Text = text,
                Locale = Locale,
                ReceivedAt = Time.GetUtcNow(),
                Sequence = _sequence,
            };
            Last = await Runner.RunAsync(activity, Store, TestCancellation.Ct);
            foreach (var reply in Last.Replies)
            {
                _replies.Enqueue(reply);
            }
        });
        return this;
    }

    public ConversationFlow AssertReply(string expected) => AssertReply(reply => Assert.Equal(expected, reply.Text), expected);

    public ConversationFlow AssertReply(Action<OutgoingMessage> check, string description = "a reply")
    {
        _steps.Add(() =>
        {
            if (_replies.Count == 0)
            {
                Assert.Fail($"Expected {description} but there was none (last status {Last?.Status}).");
            }

            check(_replies.Dequeue());
            return Task.CompletedTask;
        });
        return this;
    }

    public ConversationFlow AssertNoReply()
    {
        _steps.Add(() =>
        {
            Assert.True(_replies.Count == 0, _replies.Count == 0 ? "" : $"Unexpected reply '{_replies.Peek().Text}'.");
            return Task.CompletedTask;
        });
        return this;
    }

    public ConversationFlow AssertStatus(DialogTurnStatus status)
    {
        _steps.Add(() =>
        {
            Assert.Equal(status, Last?.Status);
            return Task.CompletedTask;
        });
        return this;
    }

    public ConversationFlow Check(Action<ConversationFlow> check)
    {
        _steps.Add(() =>
        {
            check(this);
            return Task.CompletedTask;
        });
        return this;
    }

    /// <summary>As after a host restart: new dialog instances, same store.</summary>
    public ConversationFlow Restart(DialogSet dialogs, string rootDialogId)
    {
        _steps.Add(() =>
        {
            Runner = new DialogRunner(dialogs, rootDialogId, Runner.Options);
            return Task.CompletedTask;
        });
        return this;
    }

    public async Task StartTestAsync()
    {
        foreach (var step in _steps)
        {
            await step();
        }

        if (_replies.Count > 0)
        {
            Assert.Fail($"{_replies.Count} unchecked repl{(_replies.Count == 1 ? "y" : "ies")}, first '{_replies.Peek().Text}'.");
        }
    }
}

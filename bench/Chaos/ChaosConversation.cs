using System.Collections.Concurrent;

namespace SupportBot.Chaos;

internal enum ChaosChannel
{
    WebChat,
    Telegram,
}

/// <summary>One message a customer sent and the host acknowledged.</summary>
internal sealed class SentMessage(string text, string key)
{
    public string Text { get; } = text;

    /// <summary>What makes a resend the same message: the clientActivityID, or the update_id.</summary>
    public string Key { get; } = key;

    /// <summary>Direct Line: the activity id the host gave it (bot answers carry it as replyToId).</summary>
    public string? ActivityId { get; set; }

    public bool IsHumanRequest { get; init; }
}

/// <summary>A bot or agent message as the customer saw it.</summary>
internal sealed record SeenReply(string Text, string? ReplyToId, DateTimeOffset At);

/// <summary>One customer's script and what happened to it.</summary>
internal sealed class ChaosConversation
{
    public const string HumanRequest = "I want to talk to a human, please";

    public required int Number { get; init; }

    public required ChaosChannel Channel { get; init; }

    /// <summary>FAQ questions, all different, asked in this order.</summary>
    public required IReadOnlyList<string> Questions { get; init; }

    /// <summary>After the questions the customer asks for a person (and then waits for one).</summary>
    public bool AsksForHuman { get; init; }

    /// <summary>The agent who gets the chat resolves it after answering (else keeps it).</summary>
    public bool AgentResolves { get; init; }

    /// <summary>Telegram: the private chat's id (= the customer's user id).</summary>
    public long ChatId { get; init; }

    /// <summary>Our conversation id (<c>webchat:…</c>, <c>telegram:shop:…</c>), known once the conversation has started.</summary>
    public string ConversationId { get; set; } = "";

    public string? DirectLineId { get; set; }

    public string? Token { get; set; }

    public ConcurrentQueue<SentMessage> Sent { get; } = new();

    /// <summary>Direct Line: every bot activity read from the conversation so far.</summary>
    public List<SeenReply> WebChatReplies { get; } = [];

    public int MessageCount => Questions.Count + (AsksForHuman ? 1 : 0);

    /// <summary>What the agent says; unique, so the customer's copy can be counted.</summary>
    public string AgentText => $"Hello, this is your agent for request {Number}. I'm on it.";

    public volatile bool AgentMessageSent;

    public volatile bool AgentResolved;

    /// <summary>Every message was sent and answered (or given up on).</summary>
    public volatile bool Finished;

    /// <summary>The agent's part is done (or there is none).</summary>
    public bool HandledByAgent => !AsksForHuman || (AgentMessageSent && (!AgentResolves || AgentResolved));

    /// <summary>Conversations of about <paramref name="messages"/> messages in all: 3–12 each, a share of them ending with a request for a person.</summary>
    public static List<ChaosConversation> Plan(int messages, double handoffShare, IReadOnlyList<string> questions, int seed)
    {
        var random = new Random(seed);
        var chatBase = 5_000_000_000L + (random.Next(1, 1_000_000) * 1000L);
        var plans = new List<ChaosConversation>();
        var remaining = messages;
        while (remaining > 0)
        {
            var length = Math.Min(remaining, Math.Min(random.Next(3, 13), questions.Count + 1));
            var human = length >= 2 && random.NextDouble() < handoffShare;
            var asked = questions.OrderBy(_ => random.Next()).Take(human ? length - 1 : length).ToList();
            var number = plans.Count;
            plans.Add(new ChaosConversation
            {
                Number = number,
                Channel = number % 2 == 0 ? ChaosChannel.WebChat : ChaosChannel.Telegram,
                Questions = asked,
                AsksForHuman = human,
                AgentResolves = human && random.Next(3) > 0,
                ChatId = chatBase + number,
            });
            remaining -= asked.Count + (human ? 1 : 0);
        }

        return plans;
    }
}

using System.Globalization;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SupportBot.AgentConsole;
using SupportBot.AgentConsole.Chats;
using SupportBot.Handoff;

namespace SupportBot.Tests.Console;

/// <summary>The handoff's events as the chat page writes them between the messages.</summary>
public sealed class ChatEventLinesTests : IDisposable
{
    private readonly CultureInfo _culture = CultureInfo.CurrentUICulture;

    private static readonly Dictionary<string, string> Names = new() { ["sam"] = "Sam Support", ["ann"] = "Ann", ["sue"] = "Sue Supervisor" };

    private static IStringLocalizer<ConsoleText> Texts() =>
        new StringLocalizer<ConsoleText>(new ResourceManagerStringLocalizerFactory(Options.Create(new LocalizationOptions()), NullLoggerFactory.Instance));

    private static string Name(string id) => Names.GetValueOrDefault(id) ?? id;

    private static HandoffEvent Event(string type, long at = 1, string? agent = null, string? from = null, string? by = null, string? department = null, string? note = null) =>
        new() { Type = type, AtUnixMs = at, AgentId = agent, FromAgentId = from, By = by, Department = department, Note = note };

    private static string?[] Lines(params HandoffEvent[] events)
    {
        var texts = Texts();
        return [.. events.Select((e, i) => ChatEventLines.Describe(e, i > 0 ? events[i - 1] : null, texts, Name))];
    }

    public void Dispose() => CultureInfo.CurrentUICulture = _culture;

    [Fact]
    public void TakenThenPassedToAnAgent_OneLineEach_TheTransfersOwnAssignmentSaysNothingMore()
    {
        CultureInfo.CurrentUICulture = CultureInfo.InvariantCulture;

        var lines = Lines(Event("escalated"), Event("queued", department: "support"), Event("assigned", agent: "sam"),
            Event("agent_message", agent: "sam"), Event("transferred", from: "sam", agent: "ann", note: "Refund"), Event("assigned", agent: "ann"));

        Assert.Equal([null, null, "Sam Support took the chat", null, "Sam Support passed the chat to Ann", null], lines);
    }

    [Fact]
    public void ASupervisorsReassignment_ToADepartment_AndBackToTheQueue_SayWhoAndWhy()
    {
        CultureInfo.CurrentUICulture = CultureInfo.InvariantCulture;

        var lines = Lines(Event("transferred", from: "sam", agent: "ann", by: "sue"), Event("transferred", from: "ann", department: "billing"),
            Event("queued", department: "billing"), Event("offered", agent: "ann"), Event("lease_expired", agent: "ann"), Event("offered", agent: "gone-agent"),
            Event("assigned", agent: "gone-agent"), Event("agent_gone", agent: "gone-agent"), Event("abandoned"));

        Assert.Equal(
            ["Sue Supervisor moved the chat from Sam Support to Ann", "Ann passed the chat to the billing queue", null,
             "The chat was offered to Ann", "Ann did not answer in time; the chat went back to the queue",
             "The chat was offered to gone-agent", null, "gone-agent went offline; the chat went back to the queue", "The customer stopped waiting"],
            lines);
    }

    [Fact]
    public void ResolvedByItself_SaysTheCustomerDidNotAnswer_WithoutTheReasonWordAsANote()
    {
        CultureInfo.CurrentUICulture = CultureInfo.InvariantCulture;

        var merged = ChatEventLines.Merge([], [Event("resolved", agent: "ann") with { Reason = HandoffStore.IdleReason }], Texts(), Name);

        var line = Assert.Single(merged);
        Assert.Equal(("Resolved by itself: the customer did not answer Ann's last message", null), (line.Event, line.Note));
    }

    [Fact]
    public void InRussian()
    {
        CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo("ru");

        var lines = Lines(Event("assigned", agent: "sam"), Event("transferred", from: "sam", department: "billing"), Event("returned", agent: "ann"),
            Event("rated", agent: "ann") with { Rating = 4 });

        Assert.Equal(["Чат взят агентом: Sam Support", "Чат передан: Sam Support → очередь отдела billing", "Чат возвращён боту: Ann", "Клиент оценил разговор на 4 из 5"], lines);
    }

    [Fact]
    public void Merge_EventsBetweenTheMessages_TheTranscriptKeepsItsOwnOrder_AtATieTheEventFollows_WithTheirNotes()
    {
        CultureInfo.CurrentUICulture = CultureInfo.InvariantCulture;
        TranscriptEntry Said(long at, string from, string text) => new() { AtUnixMs = at, From = from, Text = text };

        // Two quick messages: the second arrived before the bot's answer to the first was written. The page shows the
        // lines as the transcript has them, not re-sorted by their clocks.
        var merged = ChatEventLines.Merge(
            [Said(10, "customer", "Delivery to Spain?"), Said(11, "customer", "I want a human"), Said(10, "bot", "2–4 days"), Said(30, "agent", "Hello"), Said(50, "customer", "Thanks")],
            [Event("assigned", at: 30, agent: "sam"), Event("transferred", at: 40, from: "sam", agent: "ann", note: "Card charged twice"), Event("assigned", at: 40, agent: "ann"),
             Event("resolved", at: 60, agent: "ann") with { Reason = "refunded" }, Event("rated", at: 70, agent: "ann") with { Rating = 5 }],
            Texts(),
            Name);

        Assert.Equal(
            ["Delivery to Spain?", "I want a human", "2–4 days", "Hello", "Sam Support took the chat", "Sam Support passed the chat to Ann", "Thanks", "Ann marked the chat resolved",
             "The customer rated the chat 5 of 5"],
            merged.Select(l => l.Entry?.Text ?? l.Event));
        Assert.Equal([null, null, null, null, null, "Card charged twice", null, "refunded", null], merged.Select(l => l.Note));
    }
}

using SupportBot.Contracts;
using SupportBot.Dialogs.Content;
using SupportBot.Dialogs.Demo;

namespace SupportBot.Dialogs.Tests.Demo;

public sealed class ShopDemoBotTests
{
    private static readonly ContentCatalog Shipped = ContentCatalog.Load(
        Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../content")));

    // Three entries about a card and one about something else: "my card" alone could be any of the three.
    private static readonly ContentCatalog Cards = new(
    [
        Entry("card-lost", ["I lost my card", "my card is lost, what now"], ["Я потерял карту", "моя карта потерялась"]),
        Entry("card-stolen", ["my card was stolen", "someone stole my card"], ["у меня украли карту", "моя карта украдена"]),
        Entry("card-arrival", ["my card has not arrived yet", "when will my new card arrive"], ["моя карта еще не пришла", "когда придет моя новая карта"]),
        Entry("hours", ["what are your opening hours", "when are you open"], ["когда вы работаете", "часы работы"]),
    ], Shipped.Messages);

    [Fact]
    public async Task Turn_ConfidentQuestion_Answers()
    {
        var bot = new ShopDemoBot(Shipped);
        var state = new BotConversationState { Greeted = true };

        var result = await bot.OnTurnAsync(Turn("how long does the delivery take", state), CancellationToken.None);

        var reply = Assert.Single(result.Replies);
        Assert.Equal(Shipped.Faq.Single(e => e.Id == "delivery-time").Answer["en"], reply.Text);
        Assert.Equal("delivery-time", state.Values["lastFaq"]);
    }

    [Fact]
    public async Task Turn_Ambiguous_OffersTheTopThreeQuestionsInTheCustomersLanguage()
    {
        var bot = new ShopDemoBot(Cards);

        var english = Assert.Single((await bot.OnTurnAsync(Turn("my card", new() { Greeted = true }), CancellationToken.None)).Replies);
        var russian = Assert.Single((await bot.OnTurnAsync(Turn("моя карта", new() { Greeted = true }), CancellationToken.None)).Replies);

        Assert.Equal(Shipped.Messages.Clarify["en"], english.Text);
        Assert.Equal(
            ["I lost my card", "my card has not arrived yet", "my card was stolen"],
            english.Choices!.Select(c => c.Title).Order(StringComparer.Ordinal));
        Assert.All(english.Choices!, c => Assert.Equal(c.Title, c.Value));
        Assert.Equal(Shipped.Messages.Clarify["ru"], russian.Text);
        Assert.Equal(
            ["Я потерял карту", "моя карта еще не пришла", "у меня украли карту"],
            russian.Choices!.Select(c => c.Title).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Turn_Unrelated_FallsBackAndOffersAPerson()
    {
        var bot = new ShopDemoBot(Shipped);

        var result = await bot.OnTurnAsync(Turn("qwerty zxcv", new() { Greeted = true }), CancellationToken.None);

        var reply = Assert.Single(result.Replies);
        Assert.Equal(Shipped.Messages.Fallback["en"], reply.Text);
        Assert.Equal(Shipped.Messages.HumanRequest["en"][0], Assert.Single(reply.Choices!).Value);
        Assert.Null(result.HandoffReason);
    }

    private static FaqEntry Entry(string id, List<string> english, List<string> russian) => new()
    {
        Id = id,
        Questions = new() { ["en"] = english, ["ru"] = russian },
        Answer = new() { ["en"] = "Answer " + id, ["ru"] = "Ответ " + id },
    };

    private static BotTurn Turn(string text, BotConversationState state) => new(
        new ChannelActivity
        {
            Channel = "webchat",
            ConversationId = "webchat:test",
            EventId = Guid.NewGuid().ToString("N"),
            From = new ChannelUser("u1"),
            Text = text,
        },
        state);
}

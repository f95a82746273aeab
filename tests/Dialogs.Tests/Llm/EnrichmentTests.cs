using SupportBot.Dialogs.Content;
using SupportBot.Dialogs.Demo;
using SupportBot.Dialogs.Enrichment;
using SupportBot.Dialogs.Tests.Infrastructure;

namespace SupportBot.Dialogs.Tests.Llm;

/// <summary>Intent and sentiment on every inbound record, from the recognizer and the en/ru/de lexicon.</summary>
public sealed class EnrichmentTests
{
    private static readonly ContentCatalog Shipped = ContentCatalog.Load(
        Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../content")));

    [Theory]
    [InlineData("Thank you, that was really helpful!", "positive")]
    [InlineData("This is terrible, the worst shop ever", "negative")]
    [InlineData("the parcel was not good", "negative")]
    [InlineData("not bad at all", "neutral")]
    [InlineData("how long does the delivery take", "neutral")]
    [InlineData("Спасибо большое, всё отлично", "positive")]
    [InlineData("Это ужасно, меня обманули", "negative")]
    [InlineData("Сколько стоит доставка?", "neutral")]
    [InlineData("Danke, super Service", "positive")]
    [InlineData("Das ist unverschämt, ich bin sehr enttäuscht", "negative")]
    [InlineData("Guten Tag, wie lange dauert die Lieferung?", "neutral")]
    [InlineData("", "neutral")]
    public void Lexicon(string text, string expected) => Assert.Equal(expected, SentimentLexicon.Classify(text));

    [Fact]
    public async Task Turn_RecordFields_CarryIntentAndSentiment()
    {
        var bot = new ShopBot(Shipped);

        var known = await bot.OnTurnAsync(new BotTurn(TestActivities.Message("how long does the delivery take, thanks"), new() { Greeted = true }), TestCancellation.Ct);
        var unknown = await bot.OnTurnAsync(new BotTurn(TestActivities.Message("qwerty zxcv"), new() { Greeted = true }), TestCancellation.Ct);
        var human = await bot.OnTurnAsync(new BotTurn(TestActivities.Message(Shipped.Messages.HumanRequest["en"][0]), new() { Greeted = true }), TestCancellation.Ct);

        Assert.Equal("delivery-time", known.RecordFields![ShopBot.IntentField]);
        Assert.Equal("positive", known.RecordFields[ShopBot.SentimentField]);
        Assert.Equal("unknown", unknown.RecordFields![ShopBot.IntentField]);
        Assert.Equal("neutral", unknown.RecordFields[ShopBot.SentimentField]);
        Assert.Equal("human", human.RecordFields![ShopBot.IntentField]);
    }

    [Fact]
    public async Task NegativeSentiment_HandsOver_OnlyWhenConfigured()
    {
        var off = new ShopBot(Shipped);
        var on = new ShopBot(Shipped) { NegativeSentimentHandoff = true };
        const string angry = "This is unacceptable, where is my delivery?!";

        var quiet = await off.OnTurnAsync(new BotTurn(TestActivities.Message(angry), new() { Greeted = true }), TestCancellation.Ct);
        var handed = await on.OnTurnAsync(new BotTurn(TestActivities.Message(angry), new() { Greeted = true }), TestCancellation.Ct);

        Assert.Null(quiet.HandoffReason);
        Assert.Equal(ShopBot.NegativeSentimentReason, handed.HandoffReason);
        Assert.Equal(Shipped.Messages.HandoffAcknowledged["en"], handed.Replies[^1].Text);
        Assert.Equal("negative", handed.RecordFields![ShopBot.SentimentField]);
    }
}

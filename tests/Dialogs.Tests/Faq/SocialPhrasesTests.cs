using SupportBot.Dialogs.Content;
using SupportBot.Dialogs.Faq;

namespace SupportBot.Dialogs.Tests.Faq;

public sealed class SocialPhrasesTests
{
    private static readonly SocialPhrases Phrases = SocialPhrases.From(
    [
        Entry("hello", SocialPhrases.Tag, ["hi", "hi there", "hello", "good morning"], ["здравствуйте", "добрый день"], ["hallo", "guten Tag"]),
        Entry("thanks", "SmallTalk", ["thanks", "thank you", "👍", "❤️"], ["спасибо"], ["danke", "vielen Dank"]),
        Entry("order-status", "orders", ["Where is my order?"], ["Где мой заказ?"], ["Wo ist meine Bestellung?"]),
    ])!;

    [Theory]
    [InlineData("Добрый день, где мой заказ?", "где мой заказ?")]
    [InlineData("Hi there, returns?", "returns?")]
    [InlineData("hi there!!! my parcel is late", "my parcel is late")]
    [InlineData("Wie funktioniert die Rücksendung? Danke!", "Wie funktioniert die Rücksendung?")]
    [InlineData("Guten Tag, hallo, meine Bestellung fehlt. Vielen Dank", "meine Bestellung fehlt.")]
    [InlineData("can I pay by card thank you", "can I pay by card")]
    [InlineData("HELLO - can I pay by card, thanks", "can I pay by card")]
    public void Strip_GreetingOrThanksAroundAQuestion_LeavesTheQuestion(string text, string question) =>
        Assert.Equal(question, Phrases.Strip(text));

    [Theory]
    [InlineData("where is my order?")]          // nothing to cut
    [InlineData("hello")]                       // nothing but the greeting: it is what wants answering
    [InlineData("Hi, thanks!")]
    [InlineData("hiking boots in stock?")]      // "hi" inside a word is not a greeting
    [InlineData("is it good, morning delivery")] // the words of a phrase, not at an end, in another order
    [InlineData("")]
    public void Strip_NoPhraseAtAnEnd_OrNothingElse_GivesNull(string text) =>
        Assert.Null(Phrases.Strip(text));

    [Theory]
    [InlineData("👍", "thanks")]
    [InlineData(" 👍🏽 ", "thanks")]   // a skin tone
    [InlineData("👍👍👍", "thanks")]
    [InlineData("❤", "thanks")]        // without the emoji presentation selector the FAQ wrote
    [InlineData("👎", null)]
    [InlineData("👍👎", null)]
    [InlineData("👍 thanks", null)]    // has words: the recognizer's
    [InlineData("?", null)]
    public void SymbolsEntry_EmojiMatchedAsWritten_NotLookalikes(string text, string? entry) =>
        Assert.Equal(entry, Phrases.SymbolsEntry(text));

    [Fact]
    public void From_FaqWithoutSmallTalk_GivesNull_AndKnowsWhichEntriesAreSmallTalk()
    {
        Assert.Null(SocialPhrases.From([Entry("order-status", "orders", ["Where is my order?"], [], [])]));
        Assert.True(Phrases.IsSocial("thanks"));
        Assert.False(Phrases.IsSocial("order-status"));
    }

    private static FaqEntry Entry(string id, string tag, List<string> en, List<string> ru, List<string> de) => new()
    {
        Id = id,
        Tags = [tag],
        Questions = new() { ["en"] = en, ["ru"] = ru, ["de"] = de },
        Answer = new() { ["en"] = id },
    };
}

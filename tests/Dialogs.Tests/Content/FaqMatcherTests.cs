using SupportBot.Dialogs.Content;

namespace SupportBot.Dialogs.Tests.Content;

public sealed class FaqMatcherTests
{
    private static readonly FaqMatcher Matcher = new(ContentCatalog.Load(
        Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../content"))).Faq);

    [Theory]
    [InlineData("how long does the delivery take", "delivery-time")]
    [InlineData("Сколько стоит доставка?", "delivery-cost")]
    [InlineData("Wie kann ich einen Artikel zurückgeben", "returns")]
    [InlineData("do you take PayPal", "payment-methods")]
    public void Match_KnownQuestionInAnyLanguage_FindsTheEntry(string question, string expectedId) =>
        Assert.Equal(expectedId, Matcher.Match(question)?.Entry.Id);

    [Theory]
    [InlineData("qwerty zxcv")]
    [InlineData("")]
    [InlineData("?!")]
    public void Match_Unrelated_NoAnswer(string text) => Assert.Null(Matcher.Match(text));
}

namespace SupportBot.Dialogs.Tests;

public sealed class LanguageDetectorTests
{
    [Theory]
    [InlineData("ru-RU", "ru")]
    [InlineData("de", "de")]
    [InlineData("en-GB", "en")]
    [InlineData("fr-FR", null)]
    [InlineData(null, null)]
    public void FromLocale(string? locale, string? expected) => Assert.Equal(expected, LanguageDetector.FromLocale(locale));

    [Theory]
    [InlineData("Где мой заказ?", "ru")]
    [InlineData("Wo ist meine Bestellung bitte", "de")]
    [InlineData("Rückgabe", "de")]
    [InlineData("where is my order", "en")]
    public void FromText(string text, string expected) => Assert.Equal(expected, LanguageDetector.FromText(text));

    [Fact]
    public void FromText_NoClue_KeepsTheConversationsLanguage() => Assert.Equal("ru", LanguageDetector.FromText("ok 123", fallback: "ru"));
}

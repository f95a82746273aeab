using SupportBot.Dialogs.Faq;

namespace SupportBot.Dialogs.Tests.Faq;

public sealed class FaqStemmerTests
{
    // Each pair: two texts whose last two words are other forms of the same two words. German plurals in -ungen only
    // meet their singular with the German stemmer, so the German pair also checks the text is taken for German.
    [Theory]
    [InlineData("Have my cards arrived?", "when the card arrives")]
    [InlineData("Wo sind meine Bestellungen?", "Wann kommt meiner Bestellung")]
    [InlineData("Сколько стоимость доставки", "какая стоимости доставку?")]
    [InlineData("my orders доставка", "the order, доставки")]
    public void Stem_OtherFormsOfTheSameWords_SameStems(string one, string other)
    {
        var stemmer = new FaqStemmer();

        Assert.Equal(LastTwo(stemmer.Stem(one)), LastTwo(stemmer.Stem(other)));
    }

    [Fact]
    public void Stem_DropsPunctuationAndCase() =>
        Assert.Equal("where is my card", new FaqStemmer().Stem("  Where IS my card?!"));

    private static string[] LastTwo(string stems) => stems.Split(' ')[^2..];
}

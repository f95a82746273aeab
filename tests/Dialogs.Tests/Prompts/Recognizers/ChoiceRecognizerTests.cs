using SupportBot.Dialogs.Prompts;
using SupportBot.Dialogs.Prompts.Recognizers;

namespace SupportBot.Dialogs.Tests.Prompts.Recognizers;

public sealed class ChoiceRecognizerTests
{
    private static readonly List<Choice> Topics =
    [
        new("Delivery", "доставка", "Lieferung"),
        new("Returns", "refund", "возврат", "Rückgabe"),
        new("Talk to an agent"),
    ];

    [Theory]
    // by number and ordinal
    [InlineData("2", 1)]
    [InlineData(" 3 ", 2)]
    [InlineData("2nd", 1)]
    [InlineData("second", 1)]
    [InlineData("второй", 1)]
    [InlineData("zweite", 1)]
    [InlineData("первый", 0)]
    // exact, any case
    [InlineData("Returns", 1)]
    [InlineData("returns", 1)]
    [InlineData("RETURNS!", 1)]
    [InlineData("talk to an agent", 2)]
    // synonyms in three languages
    [InlineData("refund", 1)]
    [InlineData("Возврат", 1)]
    [InlineData("rückgabe", 1)]
    [InlineData("доставка", 0)]
    [InlineData("Lieferung", 0)]
    // typos, scaled by length
    [InlineData("retruns", 1)]
    [InlineData("Delivry", 0)]
    [InlineData("deliveyr", 0)]
    [InlineData("возрат", 1)]
    [InlineData("Liferung", 0)]
    // inside a phrase
    [InlineData("I have a question about delivery", 0)]
    [InlineData("i want to return it", 1)]
    [InlineData("по поводу возврата", 1)]
    // nothing
    [InlineData("4", -1)]
    [InlineData("0", -1)]
    [InlineData("pizza", -1)]
    [InlineData("", -1)]
    public void Recognizes(string text, int expected) => Assert.Equal(expected, ChoiceRecognizer.Recognize(text, Topics));

    [Fact]
    public void Ambiguous_IsNoMatch() =>
        Assert.Equal(-1, ChoiceRecognizer.Recognize("colour", [new Choice("Colours"), new Choice("Colour2")]));

    [Fact]
    public void ShortWords_NeedExactMatch() =>
        Assert.Equal(-1, ChoiceRecognizer.Recognize("cap", [new Choice("Car"), new Choice("Bus")]));
}

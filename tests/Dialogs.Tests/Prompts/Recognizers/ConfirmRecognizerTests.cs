using SupportBot.Dialogs.Prompts.Recognizers;

namespace SupportBot.Dialogs.Tests.Prompts.Recognizers;

public sealed class ConfirmRecognizerTests
{
    [Theory]
    // en
    [InlineData("yes", true)]
    [InlineData("Yes!", true)]
    [InlineData("yes please", true)]
    [InlineData("Yes, please", true)]
    [InlineData("ok", true)]
    [InlineData("OK", true)]
    [InlineData("yeah sure", true)]
    [InlineData("y", true)]
    [InlineData("yess", true)]
    [InlineData("👍", true)]
    [InlineData("👍🏻", true)]
    [InlineData("no", false)]
    [InlineData("No.", false)]
    [InlineData("nope", false)]
    [InlineData("no thanks", false)]
    [InlineData("no, not now", false)]
    [InlineData("👎", false)]
    // ru
    [InlineData("да", true)]
    [InlineData("Да, конечно", true)]
    [InlineData("конечно", true)]
    [InlineData("ага", true)]
    [InlineData("ок", true)]
    [InlineData("нет", false)]
    [InlineData("Нет, спасибо", false)]
    [InlineData("не надо", false)]
    // de
    [InlineData("ja", true)]
    [InlineData("Ja bitte", true)]
    [InlineData("klar", true)]
    [InlineData("gerne", true)]
    [InlineData("nein", false)]
    [InlineData("Nein danke", false)]
    [InlineData("nee", false)]
    [InlineData("nien", false)]
    // idioms whose first word says the opposite
    [InlineData("No problem!", true)]
    [InlineData("no worries, go ahead", true)]
    [InlineData("why not", true)]
    [InlineData("Не вопрос", true)]
    [InlineData("Да нет, не надо", false)]
    [InlineData("kein Problem", true)]
    public void Recognizes(string text, bool expected) => Assert.Equal(expected, ConfirmRecognizer.Recognize(text));

    [Theory]
    [InlineData("maybe")]
    [InlineData("может быть")]
    [InlineData("vielleicht")]
    [InlineData("what do you mean")]
    [InlineData("")]
    public void Unclear_IsNull(string text) => Assert.Null(ConfirmRecognizer.Recognize(text));
}

using SupportBot.Dialogs.Prompts.Recognizers;

namespace SupportBot.Dialogs.Tests.Prompts.Recognizers;

public sealed class EmailRecognizerTests
{
    [Theory]
    [InlineData("anna@example.com", "anna@example.com")]
    [InlineData("My email is Anna.K@Example.DE.", "Anna.K@example.de")]
    [InlineData("почта: ivan.petrov@mail.ru", "ivan.petrov@mail.ru")]
    [InlineData("E-Mail: max.mustermann@web.de bitte", "max.mustermann@web.de")]
    [InlineData("first+tag@sub.example.co.uk", "first+tag@sub.example.co.uk")]
    public void Recognizes(string text, string expected) => Assert.Equal(expected, EmailRecognizer.Recognize(text));

    [Theory]
    [InlineData("anna@")]
    [InlineData("anna.example.com")]
    [InlineData("a@b")]
    [InlineData("a..b@example.com")]
    [InlineData("anna@-example.com")]
    [InlineData("нет почты")]
    public void Invalid_IsNull(string text) => Assert.Null(EmailRecognizer.Recognize(text));
}

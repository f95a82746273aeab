using SupportBot.Dialogs.Prompts.Recognizers;

namespace SupportBot.Dialogs.Tests.Prompts.Recognizers;

public sealed class NameRecognizerTests
{
    [Theory]
    [InlineData("Anna", "Anna")]
    [InlineData("My name is Anna Schmidt.", "Anna Schmidt")]
    [InlineData("I’m Tom", "Tom")]                       // the apostrophe phones type
    [InlineData("this is mary-jane o'brien", "Mary-jane O'brien")]
    [InlineData("Name: Dr. Julia van Dijk", "Dr. Julia van Dijk")]
    [InlineData("меня зовут анна", "Анна")]
    [InlineData("Я Яна", "Яна")]                         // "я" is cut as a word, not from "Яна"
    [InlineData("Яна", "Яна")]
    [InlineData("Ich heiße Jürgen Müller!", "Jürgen Müller")]
    [InlineData("mein Name ist Özdemir", "Özdemir")]
    public void Recognizes(string text, string expected) => Assert.Equal(expected, NameRecognizer.Recognize(text));

    [Theory]
    [InlineData("Hallo")]                                // a greeting where the name was asked for: asked again
    [InlineData("hi there!")]
    [InlineData("добрый день")]
    [InlineData("ok")]
    [InlineData("нет")]
    [InlineData("why do you need my name?")]
    [InlineData("anna@example.com")]
    [InlineData("+49 30 1234567")]
    [InlineData("I ordered a kettle last week and it still has not arrived at all")]
    [InlineData("my name is")]
    [InlineData("👍")]
    [InlineData("")]
    public void NotAName_IsNull(string text) => Assert.Null(NameRecognizer.Recognize(text));
}

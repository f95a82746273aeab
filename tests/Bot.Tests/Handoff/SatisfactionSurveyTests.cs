using SupportBot.Handoff;

namespace SupportBot.Tests.Handoff;

public sealed class SatisfactionSurveyTests
{
    [Theory]
    [InlineData("5", 5)]
    [InlineData("1", 1)]
    [InlineData(" 4 ", 4)]
    [InlineData("3.", 3)]
    [InlineData("5!", 5)]
    [InlineData("5/5", 5)]
    [InlineData("4 / 5", 4)]
    [InlineData("3 of 5", 3)]
    [InlineData("4 out of 5", 4)]
    [InlineData("4 из 5", 4)]
    [InlineData("2 ИЗ 5", 2)]
    [InlineData("5 von 5", 5)]
    [InlineData("😀", 5)]
    [InlineData("😞", 1)]
    [InlineData("😊\uFE0F", 4)] // with the emoji presentation selector some keyboards add
    [InlineData("🙂", 4)] // the usual faces typed alone
    [InlineData("🙁", 2)]
    [InlineData("☹️", 1)]
    [InlineData("😍", 5)]
    [InlineData("5 😀", 5)] // a button's title typed out
    [InlineData("2😕", 2)]
    [InlineData("⭐⭐⭐⭐", 4)]
    [InlineData("⭐ ⭐ ⭐", 3)]
    public void Parse_ARating_InAnyOfItsUsualForms(string text, int rating) => Assert.Equal(rating, SatisfactionSurvey.Parse(text));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("0")]
    [InlineData("6")]
    [InlineData("10")]
    [InlineData("5/10")]
    [InlineData("1 2")]
    [InlineData("5 items are missing from my order")]
    [InlineData("4 из 10")]
    [InlineData("2 😊")] // number and face disagree: no guessing
    [InlineData("😊😞")]
    [InlineData("⭐⭐⭐⭐⭐⭐")]
    [InlineData("thanks")]
    [InlineData("Which payment methods do you accept?")]
    public void Parse_SomethingElse_IsNoRating(string? text) => Assert.Null(SatisfactionSurvey.Parse(text));

    [Fact]
    public void Choices_OneToFiveFromLeftToRight_EachButtonsWordsAndValueReadAsItsRating()
    {
        var choices = SatisfactionSurvey.Choices;

        Assert.Equal(["1", "2", "3", "4", "5"], choices.Select(c => c.Value));
        for (var i = 0; i < choices.Count; i++)
        {
            Assert.Equal(i + 1, SatisfactionSurvey.Parse(choices[i].Value));
            Assert.Equal(i + 1, SatisfactionSurvey.Parse(choices[i].Title));
        }
    }
}

using SupportBot.Contracts;
using SupportBot.Interests;

namespace SupportBot.Tests.Interests;

/// <summary>Text a customer can send that string.Normalize refuses: the record is still indexed (this once stalled a conversation's turn for good).</summary>
public sealed class InterestWordsTests
{
    [Theory]
    [InlineData("Café \uFFFE order", new[] { "cafe", "order" })]
    [InlineData("lone \uD800 high and \uDC00 low surrogate", new[] { "lone", "high", "and", "low", "surrogate" })]
    [InlineData("emoji \uD83D\uDE00 stays whole", new[] { "emoji", "stays", "whole" })]
    public void Of_TextWithNoncharactersOrLoneSurrogates_IndexesTheWords(string text, string[] words) =>
        Assert.Equal(words, InterestWords.Of(text));

    [Fact]
    public void Normalizable_ReplacesOnlyWhatNormalizeRefuses()
    {
        Assert.Equal("a\uFFFDb\uFFFDc\uFFFD", UnicodeText.Normalizable("a\uFFFEb\uD800c\uFFFF"));
        const string fine = "Привет \uD83D\uDE00 e\u0301";
        Assert.Same(fine, UnicodeText.Normalizable(fine));
        _ = UnicodeText.Normalizable("x\uDBFF").Normalize(System.Text.NormalizationForm.FormD); // does not throw
    }
}

using SupportBot.Dialogs.Prompts.Recognizers;

namespace SupportBot.Dialogs.Tests.Prompts.Recognizers;

public sealed class NumberRecognizerTests
{
    [Theory]
    [InlineData("en", "42", "42")]
    [InlineData("en", "3.5", "3.5")]
    [InlineData("en", "1,000", "1000")]
    [InlineData("en", "1,000.50", "1000.50")]
    [InlineData("en", "about 12 items", "12")]
    [InlineData("en", "-5", "-5")]
    [InlineData("en", "twelve", "12")]
    [InlineData("en", "Three", "3")]
    [InlineData("ru", "3,5", "3.5")]
    [InlineData("ru", "1 000", "1000")]
    [InlineData("ru", "штук 7", "7")]
    [InlineData("ru", "три", "3")]
    [InlineData("ru", "двадцать", "20")]
    [InlineData("de", "3,5", "3.5")]
    [InlineData("de", "1.000", "1000")]
    [InlineData("de", "1.000,25", "1000.25")]
    [InlineData("de", "zwölf", "12")]
    [InlineData("de", "fünf Stück", "5")]
    // a space (or an apostrophe) groups thousands only before exactly three digits
    [InlineData("ru", "1 000 000", "1000000")]
    [InlineData("de", "12 345,6", "12345.6")]
    [InlineData("de", "1'000", "1000")]
    [InlineData("ru", "нужно 2 25-литровые канистры", "2")]
    [InlineData("en", "5 10kg bags", "5")]
    // tens and units
    [InlineData("en", "twenty five", "25")]
    [InlineData("en", "Twenty-one please", "21")]
    [InlineData("en", "ninety", "90")]
    [InlineData("ru", "двадцать пять", "25")]
    [InlineData("ru", "семьдесят два", "72")]
    [InlineData("de", "fünfundzwanzig", "25")]
    [InlineData("de", "einundzwanzig Stück", "21")]
    public void Recognizes(string language, string text, string expected) =>
        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), NumberRecognizer.Recognize(text, language));

    [Theory]
    [InlineData("en", "no idea")]
    [InlineData("ru", "не знаю")]
    [InlineData("de", "keine Ahnung")]
    public void NoNumber_IsNull(string language, string text) => Assert.Null(NumberRecognizer.Recognize(text, language));
}

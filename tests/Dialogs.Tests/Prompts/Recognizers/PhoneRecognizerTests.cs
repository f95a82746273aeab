using SupportBot.Dialogs.Prompts.Recognizers;

namespace SupportBot.Dialogs.Tests.Prompts.Recognizers;

public sealed class PhoneRecognizerTests
{
    [Theory]
    [InlineData("en", "+49 30 1234567", "+49301234567")]
    [InlineData("en", "0049 (30) 123-45-67", "+49301234567")]
    [InlineData("en", "+1 555 123 4567", "+15551234567")]
    [InlineData("en", "call me on +44 20 7946 0958 please", "+442079460958")]
    [InlineData("de", "030 1234567", "+49301234567")]
    [InlineData("de", "0151/12345678", "+4915112345678")]
    [InlineData("de", "+49 (0)30 1234567", "+49301234567")]
    [InlineData("de", "+49(0)151 12345678", "+4915112345678")]
    [InlineData("de", "0049 (0) 30 1234567", "+49301234567")]
    [InlineData("en", "+44 (0)20 7946 0958", "+442079460958")]
    [InlineData("ru", "8 (912) 345-67-89", "+79123456789")]
    [InlineData("ru", "+7 912 345 67 89", "+79123456789")]
    [InlineData("ru", "912 345 67 89", "+79123456789")]
    [InlineData("ru", "мой номер 89123456789", "+79123456789")]
    public void Normalises(string language, string text, string expected) =>
        Assert.Equal(expected, PhoneRecognizer.Recognize(text, PhoneRecognizer.CountryCodeFor(language)));

    [Theory]
    [InlineData("en", "(555) 123-4567")] // national, and English has no default country
    [InlineData("en", "123")]
    [InlineData("ru", "позвоните мне")]
    [InlineData("de", "+49 12")]
    [InlineData("en", "+1234567890123456")] // longer than E.164 allows
    public void Invalid_IsNull(string language, string text) =>
        Assert.Null(PhoneRecognizer.Recognize(text, PhoneRecognizer.CountryCodeFor(language)));

    [Fact]
    public void PromptCountryCode_AppliesToNationalNumbers() =>
        Assert.Equal("+15551234567", PhoneRecognizer.Recognize("(555) 123-4567", "1"));
}

using SupportBot.Channels.Email;
using SupportBot.Dialogs.Content;

namespace SupportBot.Tests.Channels.Email;

public sealed class FormConfirmationMailTests
{
    private static readonly BotMessages Messages = new()
    {
        FormConfirmationSubject = new() { ["en"] = "Received", ["de"] = "Erhalten" },
        FormConfirmation = new() { ["en"] = "Thanks[, {name}]. About[ {product}]: noted.", ["de"] = "Danke[, {name}]![ Zu {product}.]" },
    };

    [Theory]
    [InlineData("Anna", "Grill", "Thanks, Anna. About Grill: noted.")]
    [InlineData(null, "Grill", "Thanks. About Grill: noted.")]
    [InlineData("  ", null, "Thanks. About: noted.")]
    [InlineData("{product}", "Grill", "Thanks, {product}. About Grill: noted.")]
    [InlineData("[x] Anna", null, "Thanks, [x] Anna. About: noted.")]
    public void Fill_OptionalPartsNeedTheirValue_ValuesPutInAsTheyAre(string? name, string? product, string expected) =>
        Assert.Equal(expected, FormConfirmationMail.Fill(Messages.FormConfirmation["en"], new Dictionary<string, string?> { ["name"] = name, ["product"] = product }));

    [Fact]
    public void Compose_InTheAuthorsLanguage_HtmlEscaped()
    {
        var mail = FormConfirmationMail.Compose("anna@example.com", "<i>Anna</i>", "Grill & Co", "de", Messages);

        Assert.Equal("Erhalten", mail.Subject);
        Assert.Equal("Danke, <i>Anna</i>! Zu Grill & Co.", mail.Text);
        Assert.Equal("<p>Danke, &lt;i&gt;Anna&lt;/i&gt;! Zu Grill &amp; Co.</p>", mail.Html);
        Assert.Equal("<i>Anna</i>", mail.ToName);
        Assert.Equal("anna@example.com", mail.To);
    }

    [Theory]
    [InlineData("fr")]
    [InlineData(null)]
    public void Compose_OtherOrNoLanguage_English(string? language) =>
        Assert.Equal("Received", FormConfirmationMail.Compose("a@example.com", null, null, language, Messages).Subject);

    [Fact]
    public void Compose_ContentWithoutTheseLines_BuiltInEnglishRatherThanAnEmptyMail()
    {
        var mail = FormConfirmationMail.Compose("a@example.com", "Anna", null, "ru", new BotMessages());

        Assert.Equal("We received your message", mail.Subject);
        Assert.Equal("Thank you, Anna. We received your message and will get back to you soon.", mail.Text);
    }
}

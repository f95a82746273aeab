using SupportBot.Dialogs.Llm;

namespace SupportBot.Dialogs.Tests.Llm;

public sealed class PiiMaskerTests
{
    [Theory]
    [InlineData("write to anna.k+shop@example.co.uk now", "write to [email-1] now")]
    [InlineData("call +7 (916) 123-45-67", "call [phone-1]")]
    [InlineData("ruf 0151 23456789 an", "ruf [phone-1] an")]
    [InlineData("card 4111 1111 1111 1111 please", "card [card-1] please")]
    [InlineData("card 4111-1111-1111-1111", "card [card-1]")]
    [InlineData("order A-10023 of 12 items for 1500 rub", "order A-10023 of 12 items for 1500 rub")]
    [InlineData("on 2026-11-24", "on 2026-11-24")]
    [InlineData("", "")]
    public void Masks(string text, string expected) => Assert.Equal(expected, PiiMasker.Mask(text));

    [Fact]
    public void SameValueTwice_SamePlaceholder_AndUnmaskRestores()
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        var masked = PiiMasker.Mask("a@b.de or a@b.de, c@d.de, +49 30 1234567", map);

        Assert.Equal("[email-1] or [email-1], [email-2], [phone-1]", masked);
        Assert.Equal("a@b.de or a@b.de, c@d.de, +49 30 1234567", PiiMasker.Unmask(masked, map));
    }
}

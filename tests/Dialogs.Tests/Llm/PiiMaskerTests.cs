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

    [Theory]
    // en
    [InlineData("call (555) 123-4567 or 555.123.4567", "call [phone-1] or [phone-2]")]
    [InlineData("UK: +44 20 7946 0958.", "UK: [phone-1].")]
    [InlineData("Mail ANNA@EXAMPLE.COM today", "Mail [email-1] today")]
    [InlineData("card 5500 0000 0000 0004, amex 3782 822463 10005", "card [card-1], amex [card-2]")]
    [InlineData("my card 4111 1111 1111 1112 (typo?)", "my card [card-1] (typo?)")]
    [InlineData("4111111111111111", "[card-1]")]
    // ru
    [InlineData("мой телефон +7 916 123-45-67, почта ivan@mail.ru", "мой телефон [phone-1], почта [email-1]")]
    [InlineData("звоните 8 (916) 123-45-67 или 8-916-123-45-68", "звоните [phone-1] или [phone-2]")]
    [InlineData("пишите на иван.петров@почта.рф", "пишите на [email-1]")]
    [InlineData("карта 2200 1234 5678 9010", "карта [card-1]")]
    // de
    [InlineData("Meine Nummer: 0151 2345 6789, E-Mail: max@web.de", "Meine Nummer: [phone-1], E-Mail: [email-1]")]
    [InlineData("Tel. +49 (0)30 12345678 oder 030/1234567", "Tel. [phone-1] oder [phone-2]")]
    [InlineData("Handy 0171/1234567", "Handy [phone-1]")]
    [InlineData("an jürgen.müller@beispiel.de", "an [email-1]")]
    // not personal data: order numbers, prices, dates and times stay
    [InlineData("Bestellung 123456 vom 24.11.2026 um 14:30", "Bestellung 123456 vom 24.11.2026 um 14:30")]
    [InlineData("заказ A-10023 на 2 500 ₽", "заказ A-10023 на 2 500 ₽")]
    [InlineData("version 1.2.3, 3 items", "version 1.2.3, 3 items")]
    public void Masks_PhoneEmailCard_InEnRuDeFormats(string text, string expected) => Assert.Equal(expected, PiiMasker.Mask(text));

    [Fact]
    public void SameValueTwice_SamePlaceholder_AndUnmaskRestores()
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        var masked = PiiMasker.Mask("a@b.de or a@b.de, c@d.de, +49 30 1234567", map);

        Assert.Equal("[email-1] or [email-1], [email-2], [phone-1]", masked);
        Assert.Equal("a@b.de or a@b.de, c@d.de, +49 30 1234567", PiiMasker.Unmask(masked, map));
    }
}

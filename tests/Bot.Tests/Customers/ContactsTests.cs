using SupportBot.Customers;

namespace SupportBot.Tests.Customers;

/// <summary>The reply link the console offers for a contact a customer typed: a mail or a call, never anything else.</summary>
public sealed class ContactsTests
{
    [Theory]
    [InlineData("anna@example.com", "mailto:anna@example.com")]
    [InlineData(" Anna.Schmidt@Example.COM ", "mailto:anna.schmidt@example.com")]
    [InlineData("+49 170 1234567", "tel:+491701234567")]
    [InlineData("8 (912) 000-11-22", "tel:+89120001122")]
    [InlineData("anna@example.com?subject=hi&body=x", null)]
    [InlineData("\"x\"@example.com", null)]
    [InlineData("javascript:alert(1)", null)]
    [InlineData("tomorrow after 5", null)]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void ReplyLink(string? contact, string? expected) => Assert.Equal(expected, Contacts.ReplyLink(contact));
}

using SupportBot.Channels.Email;

namespace SupportBot.Tests.Channels.Email;

/// <summary>Replies as real clients write them (Gmail, Outlook, Apple Mail, Thunderbird, Yandex, Mail.ru; en, ru, de): only the new part stays.</summary>
public sealed class EmailTextTests
{
    public static TheoryData<string, string, string> Replies => new()
    {
        {
            "Gmail, en",
            """
            Thanks, that helps! One more question: do you ship to Austria?

            On Mon, 4 Mar 2024 at 10:15, Northwind Support <support@northwind.test> wrote:
            > Delivery takes 2–4 working days.
            >
            > Best regards
            """,
            "Thanks, that helps! One more question: do you ship to Austria?"
        },
        {
            "Gmail, attribution wrapped over two lines",
            """
            Yes please.

            On Mon, Mar 4, 2024 at 10:15 AM Northwind Support <
            support@northwind.test> wrote:

            > Shall I open a request?
            """,
            "Yes please."
        },
        {
            "Outlook, en, underline and header block",
            """
            Order 12345 has not arrived yet.

            Kind regards,
            John

            ________________________________
            From: Northwind Support <support@northwind.test>
            Sent: Monday, March 4, 2024 10:15 AM
            To: John Smith <john@example.com>
            Subject: Re: Delivery

            Delivery takes 2–4 working days.
            """,
            "Order 12345 has not arrived yet.\n\nKind regards,\nJohn"
        },
        {
            "Outlook, Original Message",
            """
            Please call me back tomorrow.

            -----Original Message-----
            From: Northwind Support [mailto:support@northwind.test]
            Sent: Monday, March 4, 2024 10:15
            To: john@example.com
            Subject: Delivery

            Delivery takes 2–4 working days.
            """,
            "Please call me back tomorrow."
        },
        {
            "Thunderbird / Gmail, de",
            """
            Vielen Dank! Wann kommt die Lieferung?

            Am 04.03.2024 um 10:15 schrieb Northwind Support <support@northwind.test>:
            > Die Lieferung dauert 2–4 Werktage.
            """,
            "Vielen Dank! Wann kommt die Lieferung?"
        },
        {
            "Outlook, de",
            """
            Bitte rufen Sie mich an.

            Mit freundlichen Grüßen
            Hans Müller

            Von: Northwind Support <support@northwind.test>
            Gesendet: Montag, 4. März 2024 10:15
            An: Hans Müller <hans@example.de>
            Betreff: AW: Lieferung

            Die Lieferung dauert 2–4 Werktage.
            """,
            "Bitte rufen Sie mich an.\n\nMit freundlichen Grüßen\nHans Müller"
        },
        {
            "Outlook, de, Ursprüngliche Nachricht",
            """
            Danke.

            -----Ursprüngliche Nachricht-----
            Von: Northwind Support
            Gesendet: Montag, 4. März 2024 10:15
            """,
            "Danke."
        },
        {
            "Yandex, ru, date and address line",
            """
            Спасибо, жду.

            04.03.2024, 10:15, "Northwind Support" <support@northwind.test>:
            > Доставка занимает 2–4 рабочих дня.
            """,
            "Спасибо, жду."
        },
        {
            "Mail.ru, ru",
            """
            А в Казань доставляете?


            Понедельник, 4 марта 2024, 10:15 +03:00 от Northwind Support <support@northwind.test>:

            >Доставка занимает 2–4 рабочих дня.
            """,
            "А в Казань доставляете?"
        },
        {
            "Thunderbird, ru, пишет",
            """
            Добрый день!
            Когда будет доставка заказа 777?

            04.03.2024 10:15, Northwind Support пишет:
            > Здравствуйте!
            """,
            "Добрый день!\nКогда будет доставка заказа 777?"
        },
        {
            "Outlook, ru",
            """
            Перезвоните, пожалуйста.

            От: Northwind Support <support@northwind.test>
            Отправлено: 4 марта 2024 г. 10:15
            Кому: Иван Петров <ivan@example.ru>
            Тема: RE: Доставка
            """,
            "Перезвоните, пожалуйста."
        },
        {
            "Apple Mail on iPhone: a choice number, the mobile line and the quote",
            """
            2

            Sent from my iPhone

            On 4 Mar 2024, at 10:15, Northwind Support <support@northwind.test> wrote:

            > What can I help with?
            > 1. Delivery
            > 2. Returns
            """,
            "2"
        },
        {
            "Russian iPhone",
            """
            1

            Отправлено с iPhone

            > 4 марта 2024 г., в 10:15, Northwind Support <support@northwind.test> написал(а):
            """,
            "1"
        },
        {
            "signature after '-- '",
            "Where is my order 555?\n\n-- \nHans Müller\nMüller GmbH, Tel. +49 30 1234567",
            "Where is my order 555?"
        },
        {
            "interleaved answers between quotes",
            """
            > What is your order number?
            12345
            > And your postcode?
            10115
            """,
            "12345\n10115"
        },
        {
            "no quote at all",
            "Hello,\n\ndo you have the kettle in red?\n\nAnna",
            "Hello,\n\ndo you have the kettle in red?\n\nAnna"
        },
        {
            "a sentence that mentions 'wrote' is not an attribution",
            "My friend wrote to you yesterday: did you get it?\nOn Monday I am away.",
            "My friend wrote to you yesterday: did you get it?\nOn Monday I am away."
        },
    };

    [Theory]
    [MemberData(nameof(Replies))]
    public void StripQuoted_RealReplies_KeepsOnlyTheNewPart(string client, string mail, string expected)
    {
        Assert.True(expected == EmailText.StripQuoted(mail), $"{client}: got «{EmailText.StripQuoted(mail)}»");
    }

    [Fact]
    public void StripQuoted_BareForward_KeepsTheForwardedText()
    {
        var mail = "---------- Forwarded message ---------\nFrom: Shop <noreply@othershop.test>\nDate: Mon, 4 Mar 2024\nSubject: Your order\n\nYour order 999 was shipped.";

        var text = EmailText.StripQuoted(mail);

        Assert.Contains("Your order 999 was shipped.", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Body_GmailHtmlOnly_TextWithoutTheQuoteAndItsLinks()
    {
        const string html = """
            <div dir="ltr">Where is my order? I ordered <a href="https://shop.test/p/42?utm=x">the kettle</a>.<br><br>Thanks, Anna</div><br>
            <div class="gmail_quote"><div dir="ltr" class="gmail_attr">On Mon, 4 Mar 2024 at 10:15, Northwind Support &lt;support@northwind.test&gt; wrote:<br></div>
            <blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex">Delivery takes <a href="https://shop.test/delivery">2–4 days</a>.</blockquote></div>
            """;

        var (text, links) = EmailText.Body(null, html);

        Assert.Equal("Where is my order? I ordered the kettle.\n\nThanks, Anna", text);
        Assert.Equal(["https://shop.test/p/42?utm=x"], links);
    }

    [Fact]
    public void Body_OutlookHtmlOnly_HistoryAfterTheReplyMarkerGoes()
    {
        const string html = """
            <html><head><style>p { color: red }</style></head><body>
            <div>Please call me back.</div><div>+49 30 1234567</div>
            <hr style="display:inline-block;width:98%">
            <div id="divRplyFwdMsg" dir="ltr"><b>From:</b> Northwind Support<br><b>Sent:</b> Monday</div>
            <div>Delivery takes 2–4 working days.</div>
            </body></html>
            """;

        var (text, _) = EmailText.Body(null, html);

        Assert.Equal("Please call me back.\n+49 30 1234567", text);
    }

    [Fact]
    public void Body_HtmlPlaceholderInTheTextPart_UsesTheHtmlPart()
    {
        var (text, _) = EmailText.Body("This is an HTML message. Please use an HTML capable mail program.", "<p>Do you deliver on <b>Saturdays</b>?</p><ul><li>Berlin</li><li>Hamburg</li></ul>");

        Assert.Equal("Do you deliver on Saturdays?\n- Berlin\n- Hamburg", text);
    }

    [Fact]
    public void FindLinks_TrailingPunctuationIsNotPartOfTheLink() =>
        Assert.Equal(["https://shop.test/p/42", "http://example.com/a?b=c"],
            EmailText.FindLinks("See https://shop.test/p/42. And (http://example.com/a?b=c), mailto:x@y.z"));

    [Theory]
    [InlineData("Re: Delivery", "Delivery")]
    [InlineData("RE: AW: Fwd: Delivery", "Delivery")]
    [InlineData("Ответ: Доставка", "Доставка")]
    [InlineData("Re[2]: Доставка", "Доставка")]
    [InlineData("Delivery", "Delivery")]
    public void BaseSubject_ReplyPrefixesGo(string subject, string expected) => Assert.Equal(expected, EmailText.BaseSubject(subject));
}

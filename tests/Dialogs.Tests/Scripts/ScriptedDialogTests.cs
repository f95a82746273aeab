using SupportBot.Dialogs.Engine;
using SupportBot.Dialogs.Scripts;
using SupportBot.Dialogs.Tests.Infrastructure;

namespace SupportBot.Dialogs.Tests.Scripts;

/// <summary>The shipped intake dialog, run on the engine exactly as a customer would go through it.</summary>
public sealed class ScriptedDialogTests
{
    private static readonly DialogScript Intake = DialogScriptLoader.Load(
        Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../content/dialogs/intake.yaml")));

    private static DialogSet Dialogs()
    {
        var dialogs = new DialogSet().Add(new ScriptedDialog(Intake));
        ScriptedDialog.AddPrompts(dialogs);
        return dialogs;
    }

    private static ConversationFlow Flow(string locale = "en-US") => new(Dialogs(), "script:intake", locale: locale);

    [Fact]
    public async Task ScriptEditedWhileCustomerAnswers_AnswerGoesToTheQuestionAsked()
    {
        const string Asks = "  - ask: name\n    prompt: text\n    text: { en: \"Name?\" }\n  - ask: contact\n    prompt: email\n    text: { en: \"E-mail?\" }\n"
            + "  - say: { en: \"Thanks {name}, we write to {contact}.\" }\n";
        var before = Runner(DialogScriptLoader.Parse("id: t\nsteps:\n" + Asks, "t.yaml"));
        var state = new DialogState();
        await before.RunTurnAsync(Activity("hi"), state, TestContext.Current.CancellationToken);
        Assert.Equal("E-mail?", Assert.Single((await before.RunTurnAsync(Activity("Alice"), state, TestContext.Current.CancellationToken)).Replies).Text);
        var saved = before.Serialize(state, 1);

        // Meanwhile the support team adds a greeting before the questions; the content reloads.
        var after = Runner(DialogScriptLoader.Parse("id: t\nsteps:\n  - say: { en: \"Hello!\" }\n" + Asks, "t.yaml"));
        var result = await after.RunTurnAsync(Activity("alice@example.com"), after.Load(new StoredDialogState(saved, 1)), TestContext.Current.CancellationToken);

        Assert.Equal("Thanks Alice, we write to alice@example.com.", Assert.Single(result.Replies).Text);
        Assert.Equal(DialogTurnStatus.Complete, result.Status);

        static DialogRunner Runner(DialogScript script)
        {
            var dialogs = new DialogSet().Add(new ScriptedDialog(script));
            ScriptedDialog.AddPrompts(dialogs);
            return new DialogRunner(dialogs, "script:t");
        }

        static Contracts.ChannelActivity Activity(string text) => new()
        {
            Channel = "test", ConversationId = "c1", EventId = Guid.NewGuid().ToString("N"), From = new Contracts.ChannelUser("customer"), Text = text, Locale = "en-US",
        };
    }

    [Fact]
    public async Task Intake_Confirmed_RecordsTheRequestAndThanks()
    {
        var flow = Flow();
        await flow
            .Send("open a request").AssertReply("What is your name?")
            .Send("Alice").AssertReply(reply =>
            {
                Assert.Equal("What can I help with?", reply.Text);
                Assert.Equal(["Delivery", "Returns", "Talk to an agent"], reply.Choices!.Select(c => c.Title));
            })
            .Send("refund").AssertReply("How can we reach you? Write your e-mail address or phone number.")
            .Send("it's alice@example.com").AssertReply("Shall I open a request about Returns for Alice?")
            .Send("yes").AssertReply("Thank you, Alice! Your request is open; we'll write to alice@example.com within one working day.")
            .AssertStatus(DialogTurnStatus.Complete)
            .Check(f =>
            {
                var request = Assert.Single(f.Last!.Requests);
                Assert.Equal("returns", request.Topic);
                Assert.Equal("Alice", request.Fields["name"]);
                Assert.Equal("returns", request.Fields["topic"]);
                Assert.Equal("alice@example.com", request.Fields["contact"]);
            })
            .StartTestAsync();
    }

    [Fact]
    public async Task Intake_Declined_NoRequest()
    {
        await Flow()
            .Send("open a request").AssertReply("What is your name?")
            .Send("Bob").AssertReply("What can I help with?")
            .Send("1").AssertReply("How can we reach you? Write your e-mail address or phone number.")
            .Send("bob@example.com").AssertReply("Shall I open a request about Delivery for Bob?")
            .Send("no").AssertReply("All right, I haven't opened anything. Ask me anything else.")
            .AssertStatus(DialogTurnStatus.Complete)
            .Check(f => Assert.Empty(f.Last!.Requests))
            .StartTestAsync();
    }

    [Fact]
    public async Task Intake_AgentTopic_RecordsRequestThenHandsOff()
    {
        await Flow()
            .Send("open a request").AssertReply("What is your name?")
            .Send("Carol").AssertReply("What can I help with?")
            .Send("Talk to an agent").AssertReply("How can we reach you? Write your e-mail address or phone number.")
            .Send("carol@example.com").AssertReply("Shall I open a request about Talk to an agent for Carol?")
            .Send("ok").AssertReply("Thank you, Carol. I'm passing you to a person from our team now.")
            .AssertStatus(DialogTurnStatus.HandedOff)
            .Check(f =>
            {
                Assert.Equal("intake: asked for an agent", f.Last!.HandoffReason);
                Assert.Single(f.Last.Requests);
            })
            .StartTestAsync();
    }

    [Fact]
    public async Task Intake_InRussian_WithRetryForABadEmail()
    {
        await Flow("ru-RU")
            .Send("оставить заявку").AssertReply("Как вас зовут?")
            .Send("Анна").AssertReply("С чем вам помочь?")
            .Send("доставка").AssertReply("Как с вами связаться? Напишите адрес электронной почты или номер телефона.")
            .Send("не знаю").AssertReply("Это не похоже на адрес почты или номер телефона. Напишите, пожалуйста, в виде anna@example.com или +7 912 345-67-89.")
            .Send("anna@example.ru").AssertReply("Анна, открыть заявку на тему «Доставка»?")
            .Send("да").AssertReply(reply => Assert.StartsWith("Спасибо, Анна! Заявка открыта", reply.Text))
            .StartTestAsync();
    }

    [Theory]
    [InlineData("en-US", "call me back", "Ann", "Returns", "+44 20 7946 0958", "+442079460958", "yes", "Thank you, Ann! Your request is open; we'll call you at +442079460958 within one working day.")]
    [InlineData("ru-RU", "перезвоните мне", "Анна", "возврат", "8 912 345-67-89", "+79123456789", "да", "Спасибо, Анна! Заявка открыта; мы позвоним вам по номеру +79123456789 в течение рабочего дня.")]
    [InlineData("de-DE", "Rückruf", "Dora", "Versand", "030 1234567", "+49301234567", "ja", "Danke, Dora! Ihre Anfrage ist angelegt; wir rufen Sie innerhalb eines Werktags unter +49301234567 an.")]
    public async Task Intake_APhoneNumberAsTheContact_TheRequestCarriesIt_AndTheBotPromisesACall(
        string locale, string trigger, string name, string topic, string typed, string stored, string yes, string thanks)
    {
        await Flow(locale)
            .Send(trigger).AssertReply(_ => { })
            .Send(name).AssertReply(_ => { })
            .Send(topic).AssertReply(_ => { })
            .Send(typed).AssertReply(reply => Assert.Contains(name, reply.Text, StringComparison.Ordinal)) // the confirm question
            .Send(yes).AssertReply(thanks)
            .Check(f => Assert.Equal(stored, Assert.Single(f.Last!.Requests).Fields["contact"]))
            .StartTestAsync();
    }

    [Fact]
    public async Task Intake_ContactThatIsNeitherAnAddressNorANumber_IsAskedAgain_ThenAnEmailIsPromisedAMail()
    {
        await Flow()
            .Send("open a request").AssertReply("What is your name?")
            .Send("Eve").AssertReply("What can I help with?")
            .Send("2").AssertReply("How can we reach you? Write your e-mail address or phone number.")
            .Send("tomorrow").AssertReply("That doesn't look like an e-mail address or a phone number. Please write it like anna@example.com or +49 30 1234567.")
            .Send("12").AssertReply("That doesn't look like an e-mail address or a phone number. Please write it like anna@example.com or +49 30 1234567.")
            .Send("eve@example.org").AssertReply("Shall I open a request about Returns for Eve?")
            .Send("yes").AssertReply("Thank you, Eve! Your request is open; we'll write to eve@example.org within one working day.")
            .StartTestAsync();
    }

    [Fact]
    public async Task Intake_HostRestartMidDialog_ContinuesAtTheSameStep()
    {
        await Flow("de-DE")
            .Send("Anfrage stellen").AssertReply("Wie heißen Sie?")
            .Send("Dora").AssertReply("Wobei kann ich helfen?")
            .Restart(Dialogs(), "script:intake") // new engine objects, same stored state
            .Send("Rücksendung").AssertReply("Wie erreichen wir Sie? Schreiben Sie Ihre E-Mail-Adresse oder Telefonnummer.")
            .Send("dora@example.de").AssertReply("Soll ich eine Anfrage zu „Rückgabe“ für Dora anlegen?")
            .Send("ja").AssertReply(reply => Assert.StartsWith("Danke, Dora!", reply.Text))
            .StartTestAsync();
    }

    [Fact]
    public async Task Intake_CancelMidDialog_Ends()
    {
        await Flow()
            .Send("open a request").AssertReply("What is your name?")
            .Send("cancel").AssertReply(_ => { })
            .AssertStatus(DialogTurnStatus.Cancelled)
            .StartTestAsync();
    }
}

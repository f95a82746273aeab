using SupportBot.Contracts;
using SupportBot.Dialogs.Content;
using SupportBot.Dialogs.Demo;

namespace SupportBot.Dialogs.Tests.Demo;

public sealed class ShopBotTests
{
    private static readonly ContentCatalog Shipped = ContentCatalog.Load(
        Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../content")));

    // Three entries about a card and one about something else: "my card" alone could be any of the three.
    private static readonly ContentCatalog Cards = new(
    [
        Entry("card-lost", ["I lost my card", "my card is lost, what now"], ["Я потерял карту", "моя карта потерялась"]),
        Entry("card-stolen", ["my card was stolen", "someone stole my card"], ["у меня украли карту", "моя карта украдена"]),
        Entry("card-arrival", ["my card has not arrived yet", "when will my new card arrive"], ["моя карта еще не пришла", "когда придет моя новая карта"]),
        Entry("hours", ["what are your opening hours", "when are you open"], ["когда вы работаете", "часы работы"]),
    ], Shipped.Messages);

    [Fact]
    public async Task DatePrompt_Tomorrow_IsTheTeamsTomorrow_NotUtcs()
    {
        var callback = SupportBot.Dialogs.Scripts.DialogScriptLoader.Parse(
            "id: callback\ntriggers: { en: [\"book a call\"] }\nsteps:\n  - ask: when\n    prompt: date\n    text: { en: \"When?\" }\n  - say: { en: \"Booked for {when}.\" }\n",
            "callback.yaml");
        var content = new ContentCatalog(Shipped.Faq, Shipped.Messages, [callback]);
        // 22:30 UTC on Monday 30 November is 01:30 on Tuesday 1 December in Moscow.
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 22, 30, 0, TimeSpan.Zero));
        var moscow = TimeZoneInfo.FindSystemTimeZoneById("Europe/Moscow");
        var bot = new ShopBot(content, time, timeZoneFor: _ => moscow);
        var state = new BotConversationState { Greeted = true, Language = "en" };

        Assert.Equal("When?", Assert.Single((await bot.OnTurnAsync(Turn("book a call", state), CancellationToken.None)).Replies).Text);
        var booked = await bot.OnTurnAsync(Turn("tomorrow", state), CancellationToken.None);

        Assert.Equal("Booked for 2026-12-02.", Assert.Single(booked.Replies).Text);
    }

    [Fact]
    public async Task Turn_ConfidentQuestion_Answers()
    {
        var bot = new ShopBot(Shipped);
        var state = new BotConversationState { Greeted = true };

        var result = await bot.OnTurnAsync(Turn("how long does the delivery take", state), CancellationToken.None);

        var reply = Assert.Single(result.Replies);
        Assert.Equal(Shipped.Faq.Single(e => e.Id == "delivery-time").Answer["en"], reply.Text);
    }

    [Fact]
    public async Task Turn_Ambiguous_OffersTheTopThreeQuestionsInTheCustomersLanguage()
    {
        var bot = new ShopBot(Cards);

        var english = Assert.Single((await bot.OnTurnAsync(Turn("my card", new() { Greeted = true }), CancellationToken.None)).Replies);
        var russian = Assert.Single((await bot.OnTurnAsync(Turn("моя карта", new() { Greeted = true }), CancellationToken.None)).Replies);

        Assert.Equal(Shipped.Messages.Clarify["en"], english.Text);
        Assert.Equal(
            ["I lost my card", "my card has not arrived yet", "my card was stolen"],
            english.Choices!.Select(c => c.Title).Order(StringComparer.Ordinal));
        Assert.All(english.Choices!, c => Assert.Equal(c.Title, c.Value));
        Assert.Equal(Shipped.Messages.Clarify["ru"], russian.Text);
        Assert.Equal(
            ["Я потерял карту", "моя карта еще не пришла", "у меня украли карту"],
            russian.Choices!.Select(c => c.Title).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Turn_Unrelated_FallsBackAndOffersAPerson()
    {
        var bot = new ShopBot(Shipped);

        var result = await bot.OnTurnAsync(Turn("qwerty zxcv", new() { Greeted = true }), CancellationToken.None);

        var reply = Assert.Single(result.Replies);
        Assert.Equal(Shipped.Messages.Fallback["en"], reply.Text);
        var button = Assert.Single(reply.Choices!);
        Assert.Equal("Talk to a person", button.Title);
        Assert.Null(result.HandoffReason);

        // Pressing the button sends its value, which brings a person in.
        var pressed = await bot.OnTurnAsync(Turn(button.Value, new() { Greeted = true }), CancellationToken.None);
        Assert.Equal("customer-request", pressed.HandoffReason);
    }

    [Fact]
    public async Task Turn_TriggerPhrase_RunsTheIntakeAndRecordsTheRequest_StateSurvivingJson()
    {
        var bot = new ShopBot(Shipped);
        var state = new BotConversationState { Greeted = true };

        async Task<BotTurnResult> Say(string text)
        {
            var result = await bot.OnTurnAsync(Turn(text, state), CancellationToken.None);
            // The host saves the state as JSON between turns: do the same.
            state = System.Text.Json.JsonSerializer.Deserialize<BotConversationState>(System.Text.Json.JsonSerializer.Serialize(state))!;
            return result;
        }

        Assert.Equal("What is your name?", Assert.Single((await Say("I'd like to leave a request")).Replies).Text);
        Assert.NotNull(state.Dialog);
        Assert.Equal("What can I help with?", Assert.Single((await Say("Alice")).Replies).Text);
        Assert.Equal("How can we reach you? Write your e-mail address or phone number.", Assert.Single((await Say("Returns")).Replies).Text);
        Assert.Equal("Shall I open a request about Returns for Alice?", Assert.Single((await Say("alice@example.com")).Replies).Text);
        var done = await Say("yes");

        Assert.StartsWith("Thank you, Alice!", Assert.Single(done.Replies).Text);
        Assert.Equal("alice@example.com", Assert.Single(done.Requests!).Fields["contact"]);
        Assert.Null(state.Dialog);
    }

    [Theory]
    [InlineData("en", "Please call me back", "Hello", "My name is anna schmidt.", "Shall I open a request about Returns for Anna Schmidt?")]
    [InlineData("ru", "Перезвоните мне", "Здравствуйте", "меня зовут Анна", "Анна, открыть заявку на тему «Возврат»?")]
    [InlineData("de", "Bitte rufen Sie mich zurück", "Hallo", "Ich heiße Jürgen Müller", "Soll ich eine Anfrage zu „Rückgabe“ für Jürgen Müller anlegen?")]
    public async Task Intake_AGreetingForTheName_IsAskedAgain_AndMyNameIsLeftOut(string language, string trigger, string greeting, string name, string confirmation)
    {
        // Before, the request was opened for "Hallo", or for "My name is anna schmidt."
        var bot = new ShopBot(Shipped);
        var state = new BotConversationState { Greeted = true, Language = language };
        var asked = Assert.Single((await bot.OnTurnAsync(Turn(trigger, state), CancellationToken.None)).Replies).Text;

        var again = Assert.Single((await bot.OnTurnAsync(Turn(greeting, state), CancellationToken.None)).Replies).Text;
        await bot.OnTurnAsync(Turn(name, state), CancellationToken.None);
        await bot.OnTurnAsync(Turn(language switch { "ru" => "возврат", "de" => "Rückgabe", _ => "returns" }, state), CancellationToken.None);
        var confirm = Assert.Single((await bot.OnTurnAsync(Turn("anna@example.com", state), CancellationToken.None)).Replies).Text;

        Assert.Equal(SupportBot.Dialogs.Engine.DialogMessages.Get(SupportBot.Dialogs.Engine.DialogMessages.RetryName, language) + " " + asked, again);
        Assert.Equal(confirmation, confirm);
    }

    [Theory]
    [InlineData("en", "anna@example.com", "Thank you! Let me open a request, so that we can get back to you at anna@example.com.", "What is your name?", "Anna", "Returns",
        "Shall I open a request about Returns for Anna?", "Thank you, Anna! Your request is open; we'll write to anna@example.com within one working day.")]
    [InlineData("ru", "+7 912 345-67-89", "Спасибо! Давайте оформим заявку, чтобы мы связались с вами: +79123456789.", "Как вас зовут?", "Анна", "возврат",
        "Анна, открыть заявку на тему «Возврат»?", "Спасибо, Анна! Заявка открыта; мы позвоним вам по номеру +79123456789 в течение рабочего дня.")]
    [InlineData("de", "Anna.K@Example.de.", "Danke! Ich lege eine Anfrage an, damit wir uns unter Anna.K@example.de bei Ihnen melden.", "Wie heißen Sie?", "Anna", "Lieferung",
        "Soll ich eine Anfrage zu „Lieferung“ für Anna anlegen?", "Danke, Anna! Ihre Anfrage ist angelegt; wir antworten innerhalb eines Werktags an Anna.K@example.de.")]
    public async Task Turn_OnlyAContact_OpensTheIntakeWithItFilledIn_AndDoesNotAskForItAgain(
        string language, string contact, string noted, string nameQuestion, string name, string topic, string confirmation, string done)
    {
        // Before: "Sorry, I didn't get that", which also counted towards handing the customer over for not being understood.
        var bot = new ShopBot(Shipped);
        var state = new BotConversationState { Greeted = true, Language = language };

        var first = await bot.OnTurnAsync(Turn(contact, state), CancellationToken.None);
        Assert.Equal([noted, nameQuestion], first.Replies.Select(r => r.Text));
        await bot.OnTurnAsync(Turn(name, state), CancellationToken.None);
        var confirm = Assert.Single((await bot.OnTurnAsync(Turn(topic, state), CancellationToken.None)).Replies).Text;
        var opened = await bot.OnTurnAsync(Turn(language switch { "ru" => "да", "de" => "ja", _ => "yes" }, state), CancellationToken.None);

        Assert.Equal(confirmation, confirm);
        Assert.Equal(done, Assert.Single(opened.Replies).Text);
        Assert.Contains(Assert.Single(opened.Requests!).Fields["contact"], noted, StringComparison.Ordinal); // the contact as given, normalised
    }

    [Theory]
    [InlineData("12345")]                               // an order number, not a phone number
    [InlineData("my order 4711 and anna@example.com")]  // more than a contact: a question like any other
    [InlineData("+")]
    public void GivenContact_IsOnlyAWholeAddressOrAnInternationalNumber(string text) => Assert.Null(MainDialog.GivenContact(text));

    [Fact]
    public async Task Turn_AskForPersonOutsideADialog_HandsOffWithTheContentsWords()
    {
        var bot = new ShopBot(Shipped);

        var result = await bot.OnTurnAsync(Turn("I want a human", new() { Greeted = true }), CancellationToken.None);

        Assert.Equal("customer-request", result.HandoffReason);
        Assert.Equal(Shipped.Messages.HandoffAcknowledged["en"], Assert.Single(result.Replies).Text);
    }

    [Theory]
    [InlineData("can I speak to someone?", "en", null)]
    [InlineData("ich möchte mit jemandem sprechen", "de", null)]        // before: the returns answer
    [InlineData("можно с живым человеком поговорить?", "ru", null)]
    [InlineData("speak to someone please", "en", "Please call me back")] // mid-dialog: the engine's interruption
    public async Task Turn_AskForPersonInOtherWords_HearsTheContentsLine_AsForHuman(string text, string language, string? dialogTrigger)
    {
        // Before, words only the engine knew got its own "I'm passing you to a colleague, one moment please." (without
        // how to go back to the bot), where "human" got the content's line.
        var bot = new ShopBot(Shipped);
        var state = new BotConversationState { Greeted = true, Language = language };
        if (dialogTrigger is not null)
        {
            await bot.OnTurnAsync(Turn(dialogTrigger, state), CancellationToken.None);
            Assert.NotNull(state.Dialog);
        }

        var result = await bot.OnTurnAsync(Turn(text, state), CancellationToken.None);

        Assert.Equal("customer-request", result.HandoffReason);
        Assert.Equal(Shipped.Messages.HandoffAcknowledged[language], Assert.Single(result.Replies).Text);
    }

    [Fact]
    public async Task Turn_FirstMessage_GreetsInTheCustomersLanguageThenAnswers()
    {
        var bot = new ShopBot(Shipped);

        var result = await bot.OnTurnAsync(Turn("Сколько стоит доставка?", new()), CancellationToken.None);

        Assert.Equal(2, result.Replies.Count);
        Assert.Equal(Shipped.Messages.Greeting["ru"], result.Replies[0].Text);
        Assert.Contains("Доставка бесплатна", result.Replies[1].Text);
    }

    [Theory]
    [InlineData(null, "Wo ist meine Bestellung?")]
    [InlineData("de-DE", "where is my order")]
    public async Task Turn_OpenedWithoutALocale_TheFirstMessageStillSettlesTheLanguage(string? locale, string text)
    {
        // Microsoft's Web Chat opens a conversation without a locale; the greeting goes out in English before the
        // customer has written anything. Their first message (its locale, else its words) decides the language.
        var bot = new ShopBot(Shipped);
        var state = new BotConversationState();

        var opened = await bot.OnTurnAsync(Turn("", state, ActivityKind.ConversationStart), CancellationToken.None);
        var answered = await bot.OnTurnAsync(Turn(text, state, locale: locale), CancellationToken.None);

        Assert.Equal(Shipped.Messages.Greeting["en"], Assert.Single(opened.Replies).Text);
        Assert.Equal(Shipped.Faq.Single(e => e.Id == "order-status").Answer["de"], Assert.Single(answered.Replies).Text);
        Assert.Equal("de", state.Language);
    }

    [Fact]
    public async Task Turn_LanguageSettledByTheFirstMessage_StaysForLaterMessagesInAnotherLocale()
    {
        var bot = new ShopBot(Shipped);
        var state = new BotConversationState { Greeted = true };

        await bot.OnTurnAsync(Turn("Wie lange dauert die Lieferung?", state), CancellationToken.None);
        var later = await bot.OnTurnAsync(Turn("where is my order", state, locale: "en-US"), CancellationToken.None);

        Assert.Equal(Shipped.Faq.Single(e => e.Id == "order-status").Answer["de"], Assert.Single(later.Replies).Text);
    }

    [Theory]
    [InlineData("hello", "smalltalk-hello", "en")]
    [InlineData("thank you", "smalltalk-thanks", "en")]
    [InlineData("bye", "smalltalk-bye", "en")]
    [InlineData("спасибо", "smalltalk-thanks", "ru")]
    [InlineData("привет", "smalltalk-hello", "ru")]
    [InlineData("Vielen Dank", "smalltalk-thanks", "de")]
    [InlineData("hi, where is my order?", "order-status", "en")]
    [InlineData("thank you, how long does delivery take?", "delivery-time", "en")]
    [InlineData("здравствуйте, как вернуть товар?", "returns", "ru")]
    [InlineData("Добрый день, где мой заказ?", "order-status", "ru")]      // before: «Здравствуйте! Чем могу помочь?»
    [InlineData("hi there, my parcel is late", "order-status", "en")]       // before: "Hello! How can I help?"
    [InlineData("Guten Tag! Wie lange dauert die Lieferung? Danke!", "delivery-time", "de")]
    [InlineData("super", "smalltalk-thanks", "en")]                          // before: "Did you mean…" with "thanks" a choice
    [InlineData("how are you?", "smalltalk-hello", "en")]
    [InlineData("hello, I have a question", "smalltalk-hello", "en")]
    [InlineData("👍", "smalltalk-thanks", "en")]                              // before: "Sorry, I didn't get that", a miss
    [InlineData("🙏🏽", "smalltalk-thanks", "ru")]
    public async Task Turn_SmallTalk_GetsAFriendlyWordAndDoesNotHideTheQuestion(string text, string entry, string language)
    {
        // "Sorry, I didn't get that" to a "thank you" reads badly, and two of them would call a person for nothing.
        var bot = new ShopBot(Shipped);
        var state = new BotConversationState { Greeted = true, Language = language };

        var result = await bot.OnTurnAsync(Turn(text, state), CancellationToken.None);

        Assert.Equal(Shipped.Faq.Single(e => e.Id == entry).Answer[language], Assert.Single(result.Replies).Text);
        Assert.Null(result.HandoffReason);
    }

    [Theory]
    [InlineData("thanks, but the parcel never came", "en")]
    [InlineData("Спасибо, но посылку так и не привезли, а трек молчит", "ru")]
    public async Task Turn_ThanksAroundAComplaint_GetsAnAnswerOrSomethingToGoOn_NotYoureWelcome(string text, string language)
    {
        // Before: "You're welcome! Is there anything else I can help with?" (and «Пожалуйста!…») to a complaint.
        var bot = new ShopBot(Shipped);
        var state = new BotConversationState { Greeted = true, Language = language };

        var result = await bot.OnTurnAsync(Turn(text, state), CancellationToken.None);

        var reply = Assert.Single(result.Replies);
        Assert.DoesNotContain(Shipped.Faq.Where(e => e.Tags.Contains("smalltalk")), e => e.Answer[language] == reply.Text);
        // An entry's answer (the Russian one now finds order status), "Sorry, I didn't get that" with the person button,
        // or questions close to theirs: something to go on.
        Assert.True(reply.Choices is { Count: > 0 } || Shipped.Faq.Any(e => e.Answer[language] == reply.Text), $"Got only: {reply.Text}");
    }

    [Fact]
    public async Task Turn_Choices_NeverOfferAGreetingOrThanksToPick()
    {
        // Torn between goodbye ("that is all") and two payment questions: before, "bye" was one of the three choices.
        var bot = new ShopBot(Shipped);
        var state = new BotConversationState { Greeted = true, Language = "en" };

        var result = await bot.OnTurnAsync(Turn("that is all I need: payment", state), CancellationToken.None);

        var reply = Assert.Single(result.Replies);
        Assert.Equal(Shipped.Messages.Clarify["en"], reply.Text);
        var smallTalk = Shipped.Faq.Where(e => e.Tags.Contains("smalltalk")).SelectMany(e => e.Questions["en"]).ToHashSet();
        Assert.DoesNotContain(reply.Choices!, c => smallTalk.Contains(c.Title));
        Assert.Contains(reply.Choices!, c => c.Title == Shipped.Faq.Single(e => e.Id == "payment-methods").Questions["en"][0]);
    }

    [Theory]
    [InlineData("2", "en")]
    [InlineData("2.", "en")]
    [InlineData("second", "en")]
    [InlineData("второй", "ru")]
    public async Task Turn_ChoicesOffered_ANumberPicksOne_AsTheEmailListAsks(string pick, string language)
    {
        // E-mail lists the choices as "1. …" and asks for the number; before, "2" was "Sorry, I didn't get that".
        var bot = new ShopBot(Cards);
        var state = new BotConversationState { Greeted = true };
        var offered = Assert.Single((await bot.OnTurnAsync(Turn(language == "ru" ? "моя карта" : "my card", state), CancellationToken.None)).Replies);
        state = System.Text.Json.JsonSerializer.Deserialize<BotConversationState>(System.Text.Json.JsonSerializer.Serialize(state))!;

        var result = await bot.OnTurnAsync(Turn(pick, state), CancellationToken.None);

        var second = Cards.Faq.Single(e => e.Questions[language][0] == offered.Choices![1].Title);
        Assert.Equal(second.Answer[language], Assert.Single(result.Replies).Text);
        Assert.Equal(second.Id, result.RecordFields![ShopBot.IntentField]);
        Assert.Null(result.HandoffReason);
    }

    [Fact]
    public async Task Turn_ChoicesOffered_OnlyTheNextMessageCanPickByNumber()
    {
        var bot = new ShopBot(Cards);
        var state = new BotConversationState { Greeted = true };
        await bot.OnTurnAsync(Turn("my card", state), CancellationToken.None);

        var outOfRange = await bot.OnTurnAsync(Turn("4", state), CancellationToken.None);
        var later = await bot.OnTurnAsync(Turn("2", state), CancellationToken.None);

        Assert.Equal(Shipped.Messages.Fallback["en"], Assert.Single(outOfRange.Replies).Text);
        // "4" was not among three choices and was a message of its own; the offer it answered is over.
        Assert.Equal(Shipped.Messages.Fallback["en"], Assert.Single(later.Replies).Text);
    }

    [Fact]
    public async Task Turn_FallbackOffersAPerson_OnePicksThem()
    {
        var bot = new ShopBot(Shipped);
        var state = new BotConversationState { Greeted = true };
        var fallback = Assert.Single((await bot.OnTurnAsync(Turn("qwerty zxcv", state), CancellationToken.None)).Replies);
        Assert.Single(fallback.Choices!);

        var result = await bot.OnTurnAsync(Turn("1", state), CancellationToken.None);

        Assert.Equal("customer-request", result.HandoffReason);
        Assert.Equal(Shipped.Messages.HandoffAcknowledged["en"], Assert.Single(result.Replies).Text);
    }

    [Theory]
    [InlineData("/start", ActivityKind.Message, "ru")]
    [InlineData("/start product_123", ActivityKind.Message, "ru")]
    [InlineData("/start product_123", ActivityKind.Message, "en")]
    [InlineData("/start@northwind_bot", ActivityKind.Message, "de")]
    [InlineData("start", ActivityKind.Button, "ru")] // VK's "Начать": payload {"command":"start"}
    public async Task StartButton_FirstContact_JustTheGreeting(string text, ActivityKind kind, string language)
    {
        // Before: the greeting, then "Sorry, I didn't get that" (or "Did you mean…" for a deep link), counted as a miss.
        var bot = new ShopBot(Shipped);

        var result = await bot.OnTurnAsync(Turn(text, new BotConversationState(), kind, locale: language), CancellationToken.None);

        Assert.True(result.Replies.Count == 1, "Replies: " + string.Join(" | ", result.Replies.Select(r => r.Text)));
        Assert.Equal(Shipped.Messages.Greeting[language], result.Replies[0].Text);
        Assert.Null(result.HandoffReason);
        Assert.Equal(ShopBot.StartIntent, result.RecordFields![ShopBot.IntentField]);
    }

    [Fact]
    public async Task StartButtonAgain_MidIntake_GreetsAgainAndTheIntakeIsOver()
    {
        var bot = new ShopBot(Shipped);
        var state = new BotConversationState { Greeted = true, Language = "en" };
        await bot.OnTurnAsync(Turn("Please call me back", state), CancellationToken.None);

        var result = await bot.OnTurnAsync(Turn("/start", state), CancellationToken.None);

        Assert.Equal(Shipped.Messages.Greeting["en"], Assert.Single(result.Replies).Text);
        Assert.Null(state.Dialog);
    }

    [Theory]
    [InlineData("/starting", ActivityKind.Message)]
    [InlineData("start", ActivityKind.Message)]
    [InlineData("/start", ActivityKind.Comment)]
    public void NotAStartCommand(string text, ActivityKind kind) =>
        Assert.False(Turn(text, new BotConversationState(), kind).Activity.IsStartCommand());

    [Fact]
    public async Task PhotoWithoutWords_SaysTheBotReadsOnlyText_AndOneBringsAPerson()
    {
        var bot = new ShopBot(Shipped);
        var state = new BotConversationState { Greeted = true, Language = "de" };
        var photo = Turn("", state);
        photo = new BotTurn(photo.Activity with { Text = null, Attachments = [new ActivityAttachment("image/jpeg", "https://example.invalid/p.jpg", "photo.jpg")] }, state);

        var result = await bot.OnTurnAsync(photo, CancellationToken.None);
        var pressed = await bot.OnTurnAsync(Turn("1", state), CancellationToken.None);

        var reply = Assert.Single(result.Replies);
        Assert.Equal(Shipped.Messages.AttachmentOnly["de"], reply.Text);
        Assert.Equal(Shipped.Messages.HumanChoice["de"], Assert.Single(reply.Choices!).Title);
        Assert.Equal("customer-request", pressed.HandoffReason);
    }

    [Fact]
    public async Task PhotoWithoutWords_UnderAWallPost_NotAnswered()
    {
        var bot = new ShopBot(Shipped);
        var state = new BotConversationState { Greeted = true };
        var comment = Turn("", state, ActivityKind.Comment);

        var result = await bot.OnTurnAsync(new BotTurn(comment.Activity with { Text = null, Attachments = [new ActivityAttachment("image/jpeg")] }, state), CancellationToken.None);

        Assert.Empty(result.Replies);
    }

    [Theory]
    [InlineData("?", "en")]
    [InlineData("не понимаю", "ru")]
    [InlineData("Hilfe", "de")]
    public async Task HelpWithNoQuestionOpen_SaysWhatTheBotDoes_AndIsNoMisunderstanding(string text, string language)
    {
        // Before: "?" was "Sorry, I didn't get that", and three of them handed the customer over for not being understood.
        var bot = new ShopBot(Shipped);
        var state = new BotConversationState { Greeted = true, Language = language };

        var results = new List<BotTurnResult>();
        for (var i = 0; i < 3; i++)
        {
            results.Add(await bot.OnTurnAsync(Turn(text, state), CancellationToken.None));
        }

        Assert.All(results, r => Assert.Equal(Shipped.Messages.Greeting[language], Assert.Single(r.Replies).Text));
        Assert.All(results, r => Assert.Null(r.HandoffReason));
    }

    [Fact]
    public async Task LanguageSwitchedMidIntake_TheOpenQuestionIsAskedAgainInIt_AndTheNextOnesFollow()
    {
        var bot = new ShopBot(Shipped);
        var state = new BotConversationState { Greeted = true, Language = "en" };
        await bot.OnTurnAsync(Turn("Please call me back", state), CancellationToken.None);
        Assert.Equal("What can I help with?", Assert.Single((await bot.OnTurnAsync(Turn("Boris", state), CancellationToken.None)).Replies).Text);

        // What the host does on "auf Deutsch bitte": the language changes, then the bot asks again.
        state.Language = "de";
        var again = await bot.AskAgainAsync(Turn("auf Deutsch bitte", state), CancellationToken.None);
        var next = await bot.OnTurnAsync(Turn("Lieferung", state), CancellationToken.None);

        var asked = Assert.Single(again);
        Assert.Equal("Wobei kann ich helfen?", asked.Text);
        Assert.Equal(["Lieferung", "Rückgabe", "Mit einem Mitarbeiter sprechen"], asked.Choices!.Select(c => c.Title));
        Assert.Equal("Wie erreichen wir Sie? Schreiben Sie Ihre E-Mail-Adresse oder Telefonnummer.", Assert.Single(next.Replies).Text);
    }

    [Fact]
    public async Task LanguageSwitchedWithNoDialogOpen_NothingToAskAgain()
    {
        var bot = new ShopBot(Shipped);
        var state = new BotConversationState { Greeted = true, Language = "de" };

        Assert.Empty(await bot.AskAgainAsync(Turn("auf Deutsch bitte", state), CancellationToken.None));
    }

    [Theory]
    [InlineData("start over", "en")]
    [InlineData("начать сначала", "ru")]
    [InlineData("von vorne", "de")]
    public async Task Turn_StartOverInTheIntake_GreetsAgain_AndTheWordsAreNotTakenForAQuestion(string text, string language)
    {
        // Before: "OK, let's start over." followed by "Sorry, I didn't get that" (or, in Russian, the invoice answer).
        var bot = new ShopBot(Shipped);
        var state = new BotConversationState { Greeted = true, Language = language };
        await bot.OnTurnAsync(Turn(Shipped.Dialogs.Single(d => d.Id == "intake").Triggers[language][0], state), CancellationToken.None);
        Assert.NotNull(state.Dialog);

        var result = await bot.OnTurnAsync(Turn(text, state), CancellationToken.None);

        Assert.Equal(
            [Dialogs.Engine.DialogMessages.Get(Dialogs.Engine.DialogMessages.StartingOver, language), Shipped.Messages.Greeting[language]],
            result.Replies.Select(r => r.Text));
        Assert.Null(result.HandoffReason);
        Assert.Null(state.Dialog);
    }

    [Fact]
    public async Task Turn_StartOverBetweenQuestions_GreetsAgain_AndForgetsTheMisunderstandings()
    {
        var bot = new ShopBot(Shipped);
        var state = new BotConversationState { Greeted = true };
        await bot.OnTurnAsync(Turn("qwerty zxcv", state), CancellationToken.None);
        await bot.OnTurnAsync(Turn("asdf ghjk", state), CancellationToken.None);

        var restarted = await bot.OnTurnAsync(Turn("restart", state), CancellationToken.None);
        var missedOnceMore = await bot.OnTurnAsync(Turn("zxcv qwerty", state), CancellationToken.None);

        Assert.Equal(["OK, let's start over.", Shipped.Messages.Greeting["en"]], restarted.Replies.Select(r => r.Text));
        // Two misses, a fresh start, one miss: no "I keep missing what you mean" handoff yet (it comes at three in a row).
        Assert.Null(missedOnceMore.HandoffReason);
        Assert.Equal(Shipped.Messages.Fallback["en"], Assert.Single(missedOnceMore.Replies).Text);
    }

    [Fact]
    public async Task Turn_StartOverAsTheFirstMessage_GreetsOnce()
    {
        var bot = new ShopBot(Shipped);

        var result = await bot.OnTurnAsync(Turn("start over", new BotConversationState()), CancellationToken.None);

        Assert.Equal([Shipped.Messages.Greeting["en"], "OK, let's start over."], result.Replies.Select(r => r.Text));
    }

    [Theory]
    [InlineData("Здравствуйте", "ru")]
    [InlineData("Hi there", "en")]
    [InlineData("спасибо", "ru")]
    public async Task Turn_HelloAsTheFirstMessage_GreetsOnce_TheNextHelloIsAnswered(string text, string language)
    {
        // On Telegram and VK the customer's first message is the chat's start: the greeting answers a "hello" by itself.
        var bot = new ShopBot(Shipped);
        var state = new BotConversationState();

        var first = await bot.OnTurnAsync(Turn(text, state), CancellationToken.None);
        var again = await bot.OnTurnAsync(Turn(text, state), CancellationToken.None);

        Assert.Equal(Shipped.Messages.Greeting[language], Assert.Single(first.Replies).Text);
        Assert.NotEqual(Shipped.Messages.Greeting[language], Assert.Single(again.Replies).Text);
        Assert.StartsWith("smalltalk-", first.RecordFields![ShopBot.IntentField], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Turn_QuestionInAGreetingAsTheFirstMessage_GreetsThenAnswers()
    {
        var bot = new ShopBot(Shipped);

        var result = await bot.OnTurnAsync(Turn("Здравствуйте, сколько стоит доставка?", new()), CancellationToken.None);

        Assert.Equal(Shipped.Messages.Greeting["ru"], result.Replies[0].Text);
        Assert.Contains("Доставка бесплатна", Assert.Single(result.Replies.Skip(1)).Text);
    }

    private static FaqEntry Entry(string id, List<string> english, List<string> russian) => new()
    {
        Id = id,
        Questions = new() { ["en"] = english, ["ru"] = russian },
        Answer = new() { ["en"] = "Answer " + id, ["ru"] = "Ответ " + id },
    };

    private static BotTurn Turn(string text, BotConversationState state, ActivityKind kind = ActivityKind.Message, string? locale = null) => new(
        new ChannelActivity
        {
            Channel = "webchat",
            ConversationId = "webchat:test",
            EventId = Guid.NewGuid().ToString("N"),
            From = new ChannelUser("u1"),
            Kind = kind,
            Text = text,
            Locale = locale,
        },
        state);
}

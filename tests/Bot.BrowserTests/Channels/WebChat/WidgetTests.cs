using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using SupportBot.BrowserTests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace SupportBot.BrowserTests.Channels.WebChat;

/// <summary>Our widget (<c>/widget.js</c>) on the demo page, in a real browser against the real host.</summary>
public sealed class WidgetTests(BrowserHostFixture host) : BrowserTest(host), IClassFixture<BrowserHostFixture>
{
    private const string Greeting = "Hi! I'm the Northwind Shop assistant";

    private ILocator Messages => Page.Locator("#sb-chat-widget .log .msg");

    private ILocator BotMessages => Page.Locator("#sb-chat-widget .log .msg.bot");

    private ILocator UserMessages => Page.Locator("#sb-chat-widget .log .msg.user");

    /// <summary>User messages still waiting for the server's echo, or given up on.</summary>
    private ILocator NotSentMessages => Page.Locator("#sb-chat-widget .log .msg.user.pending, #sb-chat-widget .log .msg.user.failed");

    private ILocator Input => Page.Locator("#sb-chat-widget form input[name=text]");

    [Fact]
    public async Task Widget_OnDemoPage_GreetsThenAnswersAQuestion()
    {
        await Page.GotoAsync("/");
        await Expect(BotMessages.First).ToContainTextAsync(Greeting);

        await SendAsync("How long does delivery take?");

        await Expect(BotMessages.Filter(new() { HasText = "2–4 working days" })).ToBeVisibleAsync();
        await Expect(UserMessages).ToHaveTextAsync(["How long does delivery take?"]);
        await Expect(NotSentMessages).ToHaveCountAsync(0);
        await Expect(Messages).ToHaveCountAsync(3); // greeting, question, answer, in that order: nothing doubled
        var shown = await Messages.AllInnerTextsAsync();
        Assert.Equal("How long does delivery take?", shown[1]);
        Assert.Contains("2–4 working days", shown[2]);

        var screenshot = await ScreenshotAsync("widget-demo-page");
        TestContext.Current.TestOutputHelper?.WriteLine("Screenshot: " + screenshot);
        AssertNoPageErrors();
    }

    [Fact]
    public async Task Widget_AskForHuman_ShowsAcknowledgement()
    {
        await Page.GotoAsync("/");
        await Expect(BotMessages.First).ToContainTextAsync(Greeting);

        await SendAsync("I want a human");

        await Expect(BotMessages.Filter(new() { HasText = "passing you to a person" })).ToBeVisibleAsync();
        await Expect(UserMessages).ToHaveTextAsync(["I want a human"]);
        await Expect(NotSentMessages).ToHaveCountAsync(0);
        await Expect(Page.Locator("#sb-chat-widget .log .who")).ToHaveCountAsync(0); // the bot needs no introduction

        // A person takes the chat: the visitor sees who answers now, once, above their first line.
        var conversationId = await Page.EvaluateAsync<string>(
            "() => JSON.parse(Object.entries(sessionStorage).find(([k]) => k.startsWith('sb-chat:'))[1]).conversationId");
        var handoff = Host.Services.GetRequiredService<SupportBot.Handoff.HandoffService>();
        await handoff.SetPresenceAsync("sam", new SupportBot.Handoff.PresenceUpdate(SupportBot.Handoff.PresenceStatus.Away, 3, [], "Sam"));
        Assert.True((await handoff.ClaimAsync("webchat:" + conversationId, "sam")).Succeeded);
        Assert.True((await handoff.SendAsync("webchat:" + conversationId, "sam", "Hi, Sam here.")).Succeeded);
        Assert.True((await handoff.SendAsync("webchat:" + conversationId, "sam", "What is your order number?")).Succeeded);
        await Expect(BotMessages.Last).ToHaveTextAsync("What is your order number?");
        await Expect(Page.Locator("#sb-chat-widget .log .who")).ToHaveTextAsync(["Sam"]);
        Assert.Equal("Hi, Sam here.", await Page.Locator("#sb-chat-widget .log .who + .msg").InnerTextAsync());
        AssertNoPageErrors();
    }

    [Fact]
    public async Task Widget_OnASiteThatKnowsTheShopper_AgentsSeeTheirName_NotAWebsiteVisitorNumber()
    {
        // A shop page with a signed-in customer: their name goes on the script tag (markup in it stays text).
        await Page.RouteAsync("**/account", route => route.FulfillAsync(new()
        {
            ContentType = "text/html",
            Body = """<!doctype html><html lang="en"><title>Account</title><h1>My account</h1><script src="/widget.js" data-open="true" data-user-name="  Olga &lt;b&gt;Petrova&lt;/b&gt; " async></script></html>""",
        }));
        await Page.GotoAsync("/account");
        await Expect(BotMessages.First).ToContainTextAsync(Greeting);

        await SendAsync("I want a human");

        await Expect(BotMessages.Filter(new() { HasText = "passing you to a person" })).ToBeVisibleAsync();
        var store = Host.Services.GetRequiredService<SupportBot.Handoff.HandoffStore>();
        var profile = await store.GetProfileAsync("webchat:" + await ConversationIdAsync());
        Assert.Equal("Olga <b>Petrova</b>", profile?.Name);
        AssertNoPageErrors();
    }

    [Fact]
    public async Task Widget_ChatResolved_TheVisitorRatesItWithAButton_AndIsThanked()
    {
        await Page.GotoAsync("/");
        await Expect(BotMessages.First).ToContainTextAsync(Greeting);
        await SendAsync("I want a human");
        await Expect(BotMessages.Filter(new() { HasText = "passing you to a person" })).ToBeVisibleAsync();
        var conversationId = "webchat:" + await ConversationIdAsync();
        var handoff = Host.Services.GetRequiredService<SupportBot.Handoff.HandoffService>();
        await handoff.SetPresenceAsync("rita", new SupportBot.Handoff.PresenceUpdate(SupportBot.Handoff.PresenceStatus.Away, 3, [], "Rita"));
        Assert.True((await handoff.ClaimAsync(conversationId, "rita")).Succeeded);
        Assert.True((await handoff.SendAsync(conversationId, "rita", "Your refund is on its way.")).Succeeded);
        Assert.True((await handoff.ResolveAsync(conversationId, "rita", "refunded")).Succeeded);

        var ratings = Page.Locator("#sb-chat-widget .actions button");
        await Expect(BotMessages.Last).ToContainTextAsync("How would you rate the help you got from our team?");
        await Expect(ratings).ToHaveTextAsync(["1 😞", "2 😕", "3 😐", "4 😊", "5 😀"]);
        // The buttons take room from the messages: the question above them is still read whole, not cut off at the bottom.
        await Expect(BotMessages.Last).ToBeInViewportAsync(new() { Ratio = 1 });
        await ScreenshotAsync("widget-rating");

        await ratings.Nth(3).ClickAsync();

        await Expect(BotMessages.Last).ToHaveTextAsync("Thank you for your rating!");
        await Expect(UserMessages.Last).ToHaveTextAsync("4");
        await Expect(ratings).ToHaveCountAsync(0);
        Assert.Contains(await handoff.Store.GetEventsAsync(conversationId), e => e is { Type: "rated", Rating: 4, AgentId: "rita" });
        AssertNoPageErrors();
    }

    [Fact]
    public async Task Widget_ClosedWhileWaitingForAPerson_TheLauncherCountsTheirReplies_OnAnotherPageOfTheSiteToo()
    {
        await Page.GotoAsync("/");
        await Expect(BotMessages.First).ToContainTextAsync(Greeting);
        await SendAsync("I want a human");
        await Expect(BotMessages.Filter(new() { HasText = "passing you to a person" })).ToBeVisibleAsync();
        var launcher = Page.Locator("#sb-chat-widget .launcher");
        var badge = launcher.Locator(".badge");
        await Expect(badge).ToBeHiddenAsync(); // what the visitor watched arrive is not news
        await Page.Locator("#sb-chat-widget .close").ClickAsync(); // and goes on browsing while they wait

        var conversationId = "webchat:" + await ConversationIdAsync();
        var handoff = Host.Services.GetRequiredService<SupportBot.Handoff.HandoffService>();
        await handoff.SetPresenceAsync("kim", new SupportBot.Handoff.PresenceUpdate(SupportBot.Handoff.PresenceStatus.Away, 3, [], "Kim"));
        Assert.True((await handoff.ClaimAsync(conversationId, "kim")).Succeeded);
        Assert.True((await handoff.SendAsync(conversationId, "kim", "Hi, Kim here.")).Succeeded);
        await Expect(badge).ToHaveTextAsync("1");

        // Another page of the shop, whose widget does not open by itself: the conversation goes on there in the background.
        await Page.RouteAsync("**/delivery-info", route => route.FulfillAsync(new()
        {
            ContentType = "text/html",
            Body = """<!doctype html><html lang="en"><title>Delivery</title><h1>Delivery</h1><script src="/widget.js" async></script></html>""",
        }));
        await Page.GotoAsync("/delivery-info");
        await Expect(badge).ToHaveTextAsync("1"); // still not seen
        Assert.True((await handoff.SendAsync(conversationId, "kim", "Your parcel leaves today.")).Succeeded);
        await Expect(badge).ToHaveTextAsync("2");
        await Expect(launcher).ToHaveAttributeAsync("aria-label", "Open chat (new messages: 2)");
        await Expect(Page).ToHaveTitleAsync("(2) Delivery"); // seen from another tab too
        await ScreenshotAsync("widget-unread-badge");

        await launcher.ClickAsync();
        await Expect(BotMessages.Last).ToHaveTextAsync("Your parcel leaves today.");
        await Expect(badge).ToBeHiddenAsync();
        await Expect(Page).ToHaveTitleAsync("Delivery");

        // The chat open, but the visitor on another tab: a reply is news until they come back to this one.
        await SetTabHiddenAsync(true);
        Assert.True((await handoff.SendAsync(conversationId, "kim", "Anything else?")).Succeeded);
        await Expect(Page).ToHaveTitleAsync("(1) Delivery");
        await SetTabHiddenAsync(false);
        await Expect(Page).ToHaveTitleAsync("Delivery");
        await Expect(badge).ToBeHiddenAsync();

        // Seen stays seen: on the next page, with the panel closed, nothing is new.
        await Page.ReloadAsync();
        await Expect(BotMessages.Filter(new() { HasText = "Anything else?" })).ToHaveCountAsync(1);
        await Expect(badge).ToBeHiddenAsync();
        AssertNoPageErrors();
    }

    /// <summary>As the browser has it when the visitor switches to another tab and back (headless chromium is never hidden).</summary>
    private Task SetTabHiddenAsync(bool hidden) => Page.EvaluateAsync(
        """
        hidden => {
          Object.defineProperty(document, 'hidden', { configurable: true, get: () => hidden });
          Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => hidden ? 'hidden' : 'visible' });
          document.dispatchEvent(new Event('visibilitychange'));
        }
        """, hidden);

    [Fact]
    public async Task Widget_StayingClosed_AnEndedConversationIsForgotten_AndANewOneStartsOnlyWhenTheVisitorOpensIt()
    {
        await Page.GotoAsync("/");
        await Expect(BotMessages.First).ToContainTextAsync(Greeting);
        // The visitor was away for long: the conversation's token no longer works.
        await Page.EvaluateAsync("() => { const k = Object.keys(sessionStorage).find(k => k.startsWith('sb-chat:')); " +
            "const s = JSON.parse(sessionStorage.getItem(k)); s.token = 'x' + s.token; sessionStorage.setItem(k, JSON.stringify(s)); }");
        var started = 0;
        Page.Request += (_, request) =>
        {
            if (request.Method == "POST" && request.Url.EndsWith("/v3/directline/conversations", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref started);
            }
        };
        await Page.RouteAsync("**/returns-info", route => route.FulfillAsync(new()
        {
            ContentType = "text/html",
            Body = """<!doctype html><html lang="en"><title>Returns</title><h1>Returns</h1><script src="/widget.js" async></script></html>""",
        }));

        await Page.GotoAsync("/returns-info");

        await Page.WaitForFunctionAsync("() => Object.keys(sessionStorage).some(k => k.startsWith('sb-chat:') && !JSON.parse(sessionStorage.getItem(k)).conversationId)");
        Assert.Equal(0, started); // no greeting the visitor did not ask for, no empty conversation on every page view
        await Page.Locator("#sb-chat-widget .launcher").ClickAsync();
        await Expect(BotMessages.First).ToContainTextAsync(Greeting);
        Assert.Equal(1, started);
        await Expect(Page.Locator("#sb-chat-widget .launcher .badge")).ToBeHiddenAsync();
    }

    [Fact]
    public async Task Widget_SuggestedAction_ClickSendsIt()
    {
        await Page.GotoAsync("/");
        await Expect(BotMessages.First).ToContainTextAsync(Greeting);

        await SendAsync("qwerty zxcv");
        await Expect(BotMessages.Filter(new() { HasText = "didn't get that" })).ToBeVisibleAsync();
        var action = Page.Locator("#sb-chat-widget .actions button");
        await Expect(action).ToHaveTextAsync(["Talk to a person"]);

        await action.ClickAsync();

        await Expect(UserMessages).ToHaveTextAsync(["qwerty zxcv", "Talk to a person"]);
        await Expect(BotMessages.Filter(new() { HasText = "passing you to a person" })).ToBeVisibleAsync();
        await Expect(NotSentMessages).ToHaveCountAsync(0);
        await Expect(action).ToHaveCountAsync(0); // the offer is gone once taken
        AssertNoPageErrors();
    }

    [Fact]
    public async Task Widget_Reload_KeepsConversation()
    {
        await Page.GotoAsync("/");
        await Expect(BotMessages.First).ToContainTextAsync(Greeting);
        await SendAsync("How long does delivery take?");
        await Expect(BotMessages.Filter(new() { HasText = "2–4 working days" })).ToBeVisibleAsync();
        var before = await Messages.AllInnerTextsAsync();
        var conversationBefore = await ConversationIdAsync();

        await Page.ReloadAsync();

        // The same conversation, shown again as it was: greeting once, the question and its answer.
        await Expect(Messages).ToHaveTextAsync([.. before]);
        Assert.Equal(conversationBefore, await ConversationIdAsync());
        await Expect(NotSentMessages).ToHaveCountAsync(0);

        // And it goes on: a new question is answered, still with no second greeting.
        await SendAsync("Which payment methods do you accept?");
        await Expect(BotMessages.Filter(new() { HasText = "PayPal" })).ToBeVisibleAsync();
        await Expect(Messages).ToHaveCountAsync(5);
        await Expect(BotMessages.Filter(new() { HasText = Greeting })).ToHaveCountAsync(1);
        AssertNoPageErrors();
    }

    [Fact]
    public async Task Widget_AMessageTheServerCouldNotTake_IsSentAgainWhenTheVisitorTapsIt()
    {
        await Page.GotoAsync("/");
        await Expect(BotMessages.First).ToContainTextAsync(Greeting);

        // The host answers 503 to every message (as while Redis restarts): the widget's own retries run out.
        await Page.RouteAsync(url => url.Contains("/activities", StringComparison.Ordinal), async route =>
        {
            if (route.Request.Method == "POST")
            {
                await route.FulfillAsync(new() { Status = 503, ContentType = "application/problem+json", Body = """{"title":"Storage unavailable","status":503}""" });
            }
            else
            {
                await route.ContinueAsync();
            }
        });
        await SendAsync("How long does delivery take?");
        var failed = Page.Locator("#sb-chat-widget .log .msg.user.failed");
        await Expect(failed).ToHaveTextAsync("How long does delivery take?", new() { Timeout = 20_000 });
        await Expect(Page.Locator("#sb-chat-widget .status")).ToHaveTextAsync("Not sent. Tap the message to send it again.");
        await ScreenshotAsync("widget-not-sent");

        // The host is back; the visitor taps their message instead of typing it again.
        await Page.UnrouteAllAsync();
        await failed.ClickAsync();

        await Expect(BotMessages.Filter(new() { HasText = "2–4 working days" })).ToBeVisibleAsync();
        await Expect(UserMessages).ToHaveTextAsync(["How long does delivery take?"]); // sent once, shown once
        await Expect(NotSentMessages).ToHaveCountAsync(0);
        await Expect(Page.Locator("#sb-chat-widget .status")).ToHaveTextAsync("");
        AssertNoPageErrors();
    }

    [Fact]
    public async Task Widget_InARussianBrowser_SpeaksRussian()
    {
        var page = await OpenAnotherBrowserAsync("ru-RU");
        await page.GotoAsync("/");
        var widget = page.Locator("#sb-chat-widget");
        await Expect(widget.Locator("form input[name=text]")).ToHaveAttributeAsync("placeholder", "Введите сообщение…");
        await Expect(widget.Locator("form button")).ToHaveTextAsync("Отправить");
        await Expect(widget.Locator(".close")).ToHaveAttributeAsync("aria-label", "Закрыть чат");
        await Expect(widget.Locator(".log .msg.bot").First).ToContainTextAsync("Northwind");
        Assert.DoesNotContain(Greeting, await widget.Locator(".log .msg.bot").First.InnerTextAsync(), StringComparison.Ordinal); // the bot, too
    }

    private async Task SendAsync(string text)
    {
        await Input.FillAsync(text);
        await Input.PressAsync("Enter");
    }

    /// <summary>The widget's saved conversation id (sessionStorage), as the page sees it.</summary>
    private Task<string?> ConversationIdAsync() => Page.EvaluateAsync<string?>(
        "() => { for (let i = 0; i < sessionStorage.length; i++) { const k = sessionStorage.key(i); " +
        "if (k.startsWith('sb-chat:')) return JSON.parse(sessionStorage.getItem(k)).conversationId || null; } return null; }");

}

using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using SupportBot.AgentConsole.Accounts;
using SupportBot.BrowserTests.Infrastructure;
using SupportBot.FunctionalTests.Infrastructure;
using static Microsoft.Playwright.Assertions;
using static SupportBot.FunctionalTests.Infrastructure.TestCancellation;

namespace SupportBot.BrowserTests.Console;

/// <summary>The agent console in Debian's chromium against the real host and a real redis-server.</summary>
public sealed class ConsoleTests(ConsoleHostFixture host) : ConsoleTest(host), IClassFixture<ConsoleHostFixture>
{
    private readonly HttpClient _http = host.CreateHttpClient();

    public override async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await base.DisposeAsync();
    }

    private DirectLineTestClient Customer => new(_http);

    /// <summary>A website-chat customer who wrote <paramref name="text"/> (as <paramref name="name"/>) and got the bot's greeting and answer.</summary>
    private async Task<StartedConversation> CustomerWroteAsync(string text, string? name = null)
    {
        var conversation = await Customer.StartAsync();
        var message = DirectLineTestClient.Message(text);
        if (name is not null)
        {
            message["from"]!["name"] = name;
        }

        (await Customer.PostActivityAsync(conversation, message)).EnsureSuccessStatusCode();
        await Customer.WaitForBotMessagesAsync(conversation, 2, TimeSpan.FromSeconds(15));
        return conversation;
    }

    /// <summary>Our id of a website-chat conversation.</summary>
    private static string ChatId(StartedConversation conversation) => "webchat:" + conversation.ConversationId;

    [Fact]
    public async Task SignIn_WrongPasswordIsRefused_RightOneOpensTheQueue()
    {
        await SignInAsync(ConsoleHostFixture.SupportAgent, "not-the-password");
        await Expect(Page.GetByTestId("login-error")).ToHaveTextAsync("Wrong e-mail or password.");
        Assert.Contains("/console/login", Page.Url, StringComparison.Ordinal);

        await SignInAsync(ConsoleHostFixture.SupportAgent);
        await Expect(Page.Locator("h1")).ToHaveTextAsync("Queue");
        await Expect(Page.Locator(".who")).ToHaveTextAsync(ConsoleHostFixture.SupportAgent.Name);
        AssertNoPageErrors();
    }

    [Fact]
    public async Task OpeningTheConsole_RenewsAPresenceThatWouldRunOutSooner_SoTheAgentCanClaimThroughout()
    {
        // An earlier page of this agent kept them alive with a heartbeat that runs out sooner than a fresh one would.
        var agent = await NewAccountAsync(AgentRoles.Agent, "support");
        var agentId = AgentAccountStore.IdFor(agent.Email);
        var handoff = Host.Services.GetRequiredService<SupportBot.Handoff.HandoffService>();
        var freshPresence = TimeSpan.FromSeconds(handoff.Options.PresenceTtlSeconds);
        await handoff.Store.SetPresenceAsync(
            agentId, new SupportBot.Handoff.PresenceUpdate(SupportBot.Handoff.PresenceStatus.Away, 3, ["support"], agent.Name), ["support", "billing"],
            freshPresence - TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(60));
        var opened = DateTimeOffset.UtcNow;

        await SignInAndWaitAsync(agent);

        // Renewed when the page opened, not only at its first heartbeat: no gap in which a claim is refused.
        var redis = Host.Services.GetRequiredService<StackExchange.Redis.IConnectionMultiplexer>().GetDatabase();
        var runsOut = DateTimeOffset.FromUnixTimeMilliseconds((long)(await redis.SortedSetScoreAsync(SupportBot.Handoff.RedisKeys.AgentPresence, agentId))!.Value);
        Assert.True(runsOut >= opened + freshPresence, $"the presence still runs out at {runsOut:O}, sooner than {opened + freshPresence:O}");
        await Expect(Page.Locator("[data-testid=presence] button[data-status=away]")).ToHaveClassAsync(new Regex(@"\bon\b"));
    }

    [Fact]
    public async Task Anonymous_ConsolePage_RedirectsToLogin()
    {
        await Page.GotoAsync("/console/admin");
        await Expect(Page.Locator("h1")).ToHaveTextAsync("Sign in");
        Assert.Contains("ReturnUrl=%2Fconsole%2Fadmin", Page.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AccountDisabledWhileItsPageIsOpen_ThePageSignsOut()
    {
        var agent = await NewAccountAsync(AgentRoles.Agent, "support");
        await SignInAndWaitAsync(agent);
        await Expect(Page.Locator("h1")).ToHaveTextAsync("Queue");

        // The admin disables the account; the open page (a live connection, no further requests with the cookie) must not go on working.
        var accounts = Host.Services.GetRequiredService<AgentAccountStore>();
        await accounts.SetDisabledAsync((await accounts.FindByEmailAsync(agent.Email))!.Id, disabled: true);

        await Expect(Page.Locator("h1")).ToHaveTextAsync("Sign in", new() { Timeout = 15_000 });
        Assert.Contains("/console/login", Page.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RedisRestartsWhileThePageIsOpen_TheAgentStaysSignedIn()
    {
        await SignInAndWaitAsync(ConsoleHostFixture.SupportAgent);
        await Expect(Page.Locator("h1")).ToHaveTextAsync("Queue");

        // The page re-checks the account every second (Console:RevalidateSeconds). Down for longer than the client's
        // 5 s command timeout, so a check fails rather than waits.
        await Host.Redis.KillAsync();
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(8), Ct);
        }
        finally
        {
            await Host.Redis.StartAsync(); // same port and append-only file: the account is still there
        }

        await Task.Delay(TimeSpan.FromSeconds(3), Ct); // and checks that reach it again
        Assert.DoesNotContain("/console/login", Page.Url, StringComparison.Ordinal);
        await Expect(Page.Locator("h1")).ToHaveTextAsync("Queue");
        await Expect(Page.Locator(".who")).ToHaveTextAsync(ConsoleHostFixture.SupportAgent.Name);

        // And the page still works: a chat queued now appears on it without a reload.
        var conversation = await Customer.StartAsync();
        await Customer.SendAsync(conversation, "I want a human");
        await Expect(Page.Locator($"tr[data-conversation='{ChatId(conversation)}']")).ToBeVisibleAsync(new() { Timeout = 20_000 });
    }

    [Fact]
    public async Task RedisGoesAwayWhileThePageIsOpen_ThePageSaysSoAtOnce_AndTheAgentStaysPresentOnceItIsBack()
    {
        var agent = await NewAccountAsync(AgentRoles.Agent, "support");
        var agentId = AgentAccountStore.IdFor(agent.Email);
        await SignInAndWaitAsync(agent);
        var banner = Page.GetByTestId("store-offline");
        await Expect(banner).ToHaveCountAsync(0);

        // Down long enough that at least one of the page's presence heartbeats (every 10 s) waits out the client's 5 s
        // timeout and fails while it is away.
        await Host.Redis.KillAsync();
        try
        {
            // Without a click: the agent learns it before trying to claim or reply.
            await Expect(banner).ToContainTextAsync("reconnecting", new() { Timeout = 10_000 });
            await ScreenshotAsync("console-store-offline");
            await Task.Delay(TimeSpan.FromSeconds(16), Ct);
        }
        finally
        {
            await Host.Redis.StartAsync(); // same port and append-only file: the presence written before is still there
        }

        await Expect(banner).ToHaveCountAsync(0, new() { Timeout = 20_000 });
        await Host.WaitUntilReadyAsync();

        // The page goes on renewing the presence, so the agent does not lapse to offline (and lose their chats) while
        // the page still shows them at work.
        var redis = Host.Services.GetRequiredService<StackExchange.Redis.IConnectionMultiplexer>().GetDatabase();
        async Task<double?> PresenceRunsOutAsync() => await redis.SortedSetScoreAsync(SupportBot.Handoff.RedisKeys.AgentPresence, agentId);
        var afterRestart = await PresenceRunsOutAsync();
        Assert.NotNull(afterRestart);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        double? runsOut;
        while ((runsOut = await PresenceRunsOutAsync()) is null || runsOut <= afterRestart)
        {
            Assert.True(DateTime.UtcNow < deadline, "the page stopped renewing the agent's presence after the store came back");
            await Task.Delay(TimeSpan.FromMilliseconds(500), Ct);
        }

        await Expect(Page.Locator("[data-testid=presence] button[data-status=away]")).ToHaveClassAsync(new Regex(@"\bon\b"));
        AssertNoPageErrors();
    }

    [Fact]
    public async Task AClickThatFailsWhileRedisIsDown_SaysSo_AndTheAgentCarriesOnOnceItIsBack()
    {
        await SignInAndWaitAsync(ConsoleHostFixture.SupportAgent);
        var conversation = await Customer.StartAsync();
        await Customer.SendAsync(conversation, "I want a human");
        var row = Page.Locator($"tr[data-conversation='{ChatId(conversation)}']");
        await Expect(row).ToBeVisibleAsync();

        await Host.Redis.KillAsync();
        try
        {
            // The claim waits out the client's 5 s timeout, then fails: the page says so instead of freezing.
            await row.GetByRole(AriaRole.Button, new() { Name = "Claim" }).ClickAsync();
            await Expect(Page.GetByTestId("console-error")).ToContainTextAsync("could not be finished", new() { Timeout = 20_000 });
            await ScreenshotAsync("console-action-failed");
        }
        finally
        {
            await Host.Redis.StartAsync();
        }

        await Host.WaitUntilReadyAsync(); // "try again in a moment"
        await Page.GetByTestId("console-error").GetByRole(AriaRole.Button, new() { Name = "Try again" }).ClickAsync();
        await Expect(Page.GetByTestId("console-error")).ToHaveCountAsync(0);
        await row.GetByRole(AriaRole.Button, new() { Name = "Claim" }).ClickAsync();
        await Expect(Page.GetByTestId("chat-status")).ToContainTextAsync("With an agent");
        await Expect(Page.GetByTestId("console-lost")).ToBeHiddenAsync(); // the live connection never ended
        AssertNoPageErrors();
    }

    [Fact]
    public async Task CustomerAsksForAHuman_ChatAppearsLive_AgentClaimsAndReplies_ReplyReachesTheCustomer()
    {
        await SignInAndWaitAsync(ConsoleHostFixture.SupportAgent);
        await Expect(Page.Locator("h1")).ToHaveTextAsync("Queue");
        await Page.Locator("h1").ClickAsync(); // browsers play sound only once the agent has interacted with the page

        // The customer writes on the website chat (Direct Line over real HTTP) while the queue page is open.
        var customer = Customer;
        var conversation = await customer.StartAsync();
        var asked = await customer.SendAsync(conversation, "I want a human");

        var row = Page.Locator($"tr[data-conversation='{ChatId(conversation)}']");
        await Expect(row).ToBeVisibleAsync(); // no reload: pushed to the page
        await Expect(row).ToHaveClassAsync(new Regex("fresh"));
        await Expect(row.GetByTestId("reason")).ToHaveTextAsync("Asked for a person");
        // A visitor who gave no name is called one, by the start of their random id, not "u_3f9a…".
        await Expect(row.Locator(".badge-customer .name")).ToHaveTextAsync(new Regex("^Website visitor [0-9a-f]{4}$"));
        await Expect(Page.Locator("html")).ToHaveAttributeAsync("data-chimes", new Regex("^[1-9]"), new() { Timeout = 20_000 }); // counted once the sound played
        await ScreenshotAsync("console-queue-live");

        await row.GetByRole(AriaRole.Button, new() { Name = "Claim" }).ClickAsync();
        await Expect(Page.GetByTestId("chat-status")).ToContainTextAsync("With an agent");
        await Expect(Page.GetByTestId("chat-status")).ToContainTextAsync(ConsoleHostFixture.SupportAgent.Name);
        await Expect(Page.GetByTestId("transcript")).ToContainTextAsync("I want a human");
        await Expect(Page.Locator(".transcript li.from-bot").First).ToBeVisibleAsync(); // the bot's part, marked

        await Page.GetByTestId("reply-box").FillAsync("Hello, this is Sam. How can I help?");
        await Page.GetByTestId("send").ClickAsync();
        await Expect(Page.Locator(".transcript li.from-agent")).ToContainTextAsync("Hello, this is Sam.");
        await Expect(Page.Locator(".transcript li.from-agent .who")).ToHaveTextAsync(ConsoleHostFixture.SupportAgent.Name); // not their account id
        await ScreenshotAsync("console-chat");

        var replies = await customer.WaitForBotMessagesAsync(conversation, 2, TimeSpan.FromSeconds(15));
        Assert.Contains(replies, r => r["text"]?.GetValue<string>() == "Hello, this is Sam. How can I help?");

        // The feed shows the customer's message as processed by the agent's reply.
        var record = Page.Locator($"tr[data-record='{SupportBot.Interests.InterestLog.RecordId("in", ChatId(conversation), asked)}']");
        for (var attempt = 0; attempt < 20; attempt++)
        {
            await Page.GotoAsync("/console/feed");
            if (await record.GetByTestId("processed").IsCheckedAsync())
            {
                break;
            }

            await Task.Delay(250, Ct);
        }

        await Expect(record.GetByTestId("processed")).ToBeCheckedAsync();
        await Expect(record.GetByTestId("reply")).ToBeDisabledAsync();
        await ScreenshotAsync("console-feed-processed");
        AssertNoPageErrors();
    }

    [Fact]
    public async Task AgentAndVisitor_EachSeesTheOtherTyping_UntilTheirMessageArrives()
    {
        // The visitor on the website, with the widget.
        var visitor = await OpenAnotherBrowserAsync();
        await visitor.GotoAsync("/");
        var widget = visitor.Locator("#sb-chat-widget");
        await Expect(widget.Locator(".log .msg.bot").First).ToBeVisibleAsync();
        await widget.Locator("form input[name=text]").FillAsync("I want a human");
        await widget.Locator("form input[name=text]").PressAsync("Enter");
        await Expect(widget.Locator(".log .msg.bot").Filter(new() { HasText = "passing you to a person" })).ToBeVisibleAsync();
        var conversationId = "webchat:" + await visitor.EvaluateAsync<string>(
            "() => JSON.parse(Object.entries(sessionStorage).find(([k]) => k.startsWith('sb-chat:'))[1]).conversationId");

        await SignInAndWaitAsync(ConsoleHostFixture.SupportAgent);
        await Page.GotoAsync($"/console/chats/{Uri.EscapeDataString(conversationId)}");
        await WaitForLiveAsync();
        await Page.GetByRole(AriaRole.Button, new() { Name = "Claim" }).ClickAsync();
        await Expect(Page.GetByTestId("chat-status")).ToContainTextAsync("With an agent");
        var typing = widget.Locator(".typing");
        await Expect(typing).ToBeHiddenAsync(); // claiming is not writing

        await Page.GetByTestId("reply-box").PressSequentiallyAsync("Hello, I am");

        await Expect(typing).ToHaveTextAsync($"{ConsoleHostFixture.SupportAgent.Name} is typing…");
        await visitor.ScreenshotAsync(new() { Path = Path.Combine(ScreenshotDir, "widget-agent-typing.png") });
        await Page.GetByTestId("reply-box").PressSequentiallyAsync(" looking at your order.");
        await Page.GetByTestId("reply-box").PressAsync("Enter");
        await Expect(widget.Locator(".log .msg.bot").Last).ToHaveTextAsync("Hello, I am looking at your order.");
        await Expect(typing).ToBeHiddenAsync();

        // The visitor answers: the agent sees them typing, and waits for the whole message.
        var customerTyping = Page.GetByTestId("customer-typing");
        await Expect(customerTyping).ToHaveCountAsync(0);
        await widget.Locator("form input[name=text]").PressSequentiallyAsync("It is order 4711");
        await Expect(customerTyping).ToHaveTextAsync(new Regex("^Website visitor [0-9a-f]{4} is typing…$"));
        await ScreenshotAsync("console-customer-typing");
        await widget.Locator("form input[name=text]").PressAsync("Enter");
        await Expect(Page.GetByTestId("transcript")).ToContainTextAsync("It is order 4711");
        await Expect(customerTyping).ToHaveCountAsync(0);
        AssertNoPageErrors();
    }

    [Fact]
    public async Task CustomerText_WithMarkupAndScript_IsShownAsText_AndNothingRuns()
    {
        const string hostileName = "<img src=x onerror=\"window.__xss=1\">";
        const string hostileText = "<script>window.__xss=2</script><img src=x onerror=\"window.__xss=3\"> I want a human";
        var dialogs = 0;
        Page.Dialog += (_, dialog) =>
        {
            dialogs++;
            _ = dialog.DismissAsync();
        };

        var conversation = await CustomerWroteAsync(hostileText, hostileName);

        await SignInAndWaitAsync(ConsoleHostFixture.Supervisor);
        var response = await Page.GotoAsync($"/console/chats/{ChatId(conversation)}");
        Assert.Contains("script-src 'self'", response!.Headers["content-security-policy"], StringComparison.Ordinal);
        await Expect(Page.GetByTestId("transcript")).ToContainTextAsync("<script>window.__xss=2</script>");
        await Expect(Page.Locator("h1")).ToContainTextAsync(hostileName);
        await Expect(Page.Locator("main img[src=x]")).ToHaveCountAsync(0);
        Assert.True(await Page.EvaluateAsync<bool>("() => window.__xss === undefined"), "customer text ran as script");
        Assert.Equal(0, dialogs);
    }

    [Fact]
    public async Task Agent_CannotOpenAChatOfAnotherDepartment_SupervisorCan()
    {
        var conversation = await CustomerWroteAsync("I want a human");

        await SignInAndWaitAsync(ConsoleHostFixture.BillingAgent);
        await Expect(Page.Locator($"tr[data-conversation='{ChatId(conversation)}']")).ToHaveCountAsync(0);
        await Page.GotoAsync($"/console/chats/{ChatId(conversation)}");
        await Expect(Page.GetByTestId("not-allowed")).ToBeVisibleAsync();
        await Expect(Page.GetByTestId("transcript")).ToHaveCountAsync(0);

        // The API refuses the same agent too.
        var cookies = await Context.CookiesAsync();
        using var api = new HttpRequestMessage(HttpMethod.Get, $"/api/handoff/{ChatId(conversation)}");
        api.Headers.Add("Cookie", string.Join("; ", cookies.Select(c => $"{c.Name}={c.Value}")));
        var refused = await _http.SendAsync(api, Ct);
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, refused.StatusCode);

        await SwitchUserAsync(ConsoleHostFixture.Supervisor);
        await Page.GotoAsync($"/console/chats/{ChatId(conversation)}");
        await Expect(Page.GetByTestId("transcript")).ToContainTextAsync("I want a human");
    }

    [Fact]
    public async Task Language_SwitchedToRussian_StaysForTheAgent()
    {
        // An account of this test alone: the language is kept on the account, and other tests expect English.
        var agent = await NewAccountAsync(AgentRoles.Agent, "support");
        await SignInAndWaitAsync(agent);
        await Page.SelectOptionAsync("[data-testid=language]", "ru");
        await Page.ClickAsync("form[action='console/language'] button");
        await Expect(Page.Locator("h1")).ToHaveTextAsync("Очередь");

        // A new sign-in without the culture cookie still gets Russian: the choice is kept on the account.
        await SwitchUserAsync(agent);
        await Expect(Page.Locator("h1")).ToHaveTextAsync("Очередь");
        await Page.SelectOptionAsync("[data-testid=language]", "en");
        await Page.ClickAsync("form[action='console/language'] button");
        await Expect(Page.Locator("h1")).ToHaveTextAsync("Queue");
    }

    [Fact]
    public async Task RussianAgent_ACustomerWritesWhileTheChatIsOpen_ThePageStaysInRussian()
    {
        // News from another thread (a customer's message) re-renders the page; it used to do so in the server's culture:
        // English words and invariant dates ("12/03/2026 18:19") in the middle of a Russian page.
        var agent = await NewAccountAsync(AgentRoles.Agent, "support");
        await SignInAndWaitAsync(agent);
        await Page.SelectOptionAsync("[data-testid=language]", "ru");
        await Page.ClickAsync("form[action='console/language'] button");
        await Expect(Page.Locator("h1")).ToHaveTextAsync("Очередь");

        var customer = Customer;
        var conversation = await customer.StartAsync();
        await customer.SendAsync(conversation, "I want a human");
        await customer.WaitForBotMessagesAsync(conversation, 2, TimeSpan.FromSeconds(15));
        await Page.GotoAsync($"/console/chats/{ChatId(conversation)}");
        await WaitForLiveAsync();
        await Page.GetByTestId("claim").ClickAsync();
        await Expect(Page.GetByTestId("chat-status")).ToContainTextAsync("У агента");

        await customer.SendAsync(conversation, "my order 4711 never came");
        await Expect(Page.GetByTestId("transcript")).ToContainTextAsync("my order 4711 never came");
        await Expect(Page.GetByTestId("chat-status")).ToContainTextAsync("У агента");
        await Expect(Page.Locator(".transcript li.from-bot .who").First).ToHaveTextAsync("Бот");
        await Expect(Page.GetByTestId("customer-name")).ToHaveTextAsync(new Regex("^Посетитель сайта [0-9a-f]{4}$")); // not «Без имени»
        var times = await Page.Locator(".transcript time").AllInnerTextsAsync();
        Assert.NotEmpty(times);
        Assert.All(times, time => Assert.Matches(@"^\d{2}\.\d{2}\.\d{4} \d{1,2}:\d{2}$", time)); // Russian: 03.12.2026 18:19
        AssertNoPageErrors();
    }

    [Fact]
    public async Task Agent_EnterSendsTheReplyOnce_ShiftEnterStartsANewLine()
    {
        var conversation = await CustomerWroteAsync("I want a human");
        await SignInAndWaitAsync(ConsoleHostFixture.SupportAgent);
        await Page.GotoAsync($"/console/chats/{ChatId(conversation)}");
        await WaitForLiveAsync();
        await Page.GetByTestId("claim").ClickAsync();
        var box = Page.GetByTestId("reply-box");
        await Expect(box).ToHaveAttributeAsync("placeholder", new Regex("Enter"));

        await box.PressSequentiallyAsync("Your parcel left today.");
        await box.PressAsync("Shift+Enter");
        await box.PressSequentiallyAsync("Tracking: NW123");
        await Expect(box).ToHaveValueAsync("Your parcel left today.\nTracking: NW123");
        await box.PressAsync("Enter");
        await box.PressAsync("Enter"); // a second Enter on an emptied box sends nothing

        await Expect(Page.Locator(".transcript li.from-agent")).ToHaveCountAsync(1);
        await Expect(Page.Locator(".transcript li.from-agent")).ToContainTextAsync("Tracking: NW123");
        await Expect(box).ToHaveValueAsync("");
        const string sent = "Your parcel left today.\nTracking: NW123";
        var deadline = DateTime.UtcNow.AddSeconds(15);
        List<System.Text.Json.Nodes.JsonObject> replies;
        while (!(replies = DirectLineTestClient.BotMessages(await Customer.GetActivitiesAsync(conversation))).Any(r => r["text"]?.GetValue<string>() == sent)
            && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, Ct);
        }

        Assert.Single(replies, r => r["text"]?.GetValue<string>() == sent);
        await Expect(Page.Locator(".transcript li.from-agent")).ToHaveCountAsync(1);
        AssertNoPageErrors();
    }

    [Fact]
    public async Task Admin_ErasesACustomersData_AskedTwice_AgentsSeeNoSuchButton()
    {
        var conversation = await CustomerWroteAsync("I want a human, about order 5511", name: "Petra Erase");
        var sam = await OpenAnotherBrowserAsync();
        await SignInAndWaitAsync(ConsoleHostFixture.SupportAgent, sam);
        await sam.GotoAsync($"/console/chats/{ChatId(conversation)}");
        await Expect(sam.GetByTestId("customer-history")).ToContainTextAsync("order 5511");
        await Expect(sam.GetByTestId("customer-erase")).ToHaveCountAsync(0); // an agent may not

        await SignInAndWaitAsync(ConsoleHostFixture.Admin);
        await Page.GotoAsync($"/console/chats/{ChatId(conversation)}");
        await WaitForLiveAsync();
        await Page.GetByTestId("customer-erase-start").ClickAsync();
        await Expect(Page.GetByTestId("customer-erase")).ToContainTextAsync("Erase everything about Petra Erase");
        await ScreenshotAsync("console-customer-erase");
        await Page.GetByTestId("customer-erase-confirm").ClickAsync();

        await Expect(Page.GetByTestId("customer-erased")).ToBeVisibleAsync();
        Assert.Null(await Host.Services.GetRequiredService<SupportBot.Handoff.HandoffStore>().GetProfileAsync(ChatId(conversation)));
        await Page.GotoAsync($"/console/chats/{ChatId(conversation)}");
        await Expect(Page.Locator("main")).Not.ToContainTextAsync("order 5511");
        AssertNoPageErrors();
    }

    [Fact]
    public async Task Queue_ShowsWhatCustomersWroteLast_AndWhichOfMyChatsWaitForMe_Live()
    {
        var waiting = await CustomerWroteAsync("I want a human");
        var held = await CustomerWroteAsync("I want a human");
        var agent = await NewAccountAsync(AgentRoles.Agent, "support");
        await SignInAndWaitAsync(agent);
        await Page.GotoAsync($"/console/chats/{ChatId(held)}");
        await WaitForLiveAsync();
        await Page.GetByTestId("claim").ClickAsync();
        await Expect(Page.GetByTestId("reply-box")).ToBeVisibleAsync();

        await Page.GotoAsync("/console");
        await WaitForLiveAsync();
        var waitingRow = Page.Locator($"tr[data-conversation='{ChatId(waiting)}']");
        await Expect(waitingRow.GetByTestId("last-message")).ToHaveTextAsync("I want a human"); // not the bot's queue notice after it
        await Expect(waitingRow.GetByTestId("language")).ToHaveTextAsync("en");
        var mine = Page.Locator($"[data-testid=my-chats] li[data-conversation='{ChatId(held)}']");
        await Expect(mine.GetByTestId("awaits-reply")).ToBeVisibleAsync(); // claimed, nobody has answered yet

        // Without a reload: the waiting customer adds details; the agent answers the held chat, whose customer writes again.
        await Customer.SendAsync(waiting, "order 5521 arrived broken");
        await Expect(waitingRow.GetByTestId("last-message")).ToHaveTextAsync("order 5521 arrived broken");
        var handoff = Host.Services.GetRequiredService<SupportBot.Handoff.HandoffService>();
        Assert.True((await handoff.SendAsync(ChatId(held), AgentAccountStore.IdFor(agent.Email), "Hello, how can I help?")).Succeeded);
        await Expect(mine.GetByTestId("awaits-reply")).ToHaveCountAsync(0);
        await Customer.SendAsync(held, "the kettle leaks");
        await Expect(mine.GetByTestId("last-message")).ToHaveTextAsync("the kettle leaks");
        await Expect(mine.GetByTestId("awaits-reply")).ToBeVisibleAsync();
        AssertNoPageErrors();
    }

    [Fact]
    public async Task ALongChat_OpensAtItsNewestLines_AndFollowsNewOnes_UnlessTheAgentScrolledBack()
    {
        // Enough lines to overflow the transcript's box: it used to open at the oldest, the newest out of sight below.
        var customer = Customer;
        var conversation = await customer.StartAsync();
        for (var i = 1; i <= 12; i++)
        {
            await customer.SendAsync(conversation, $"How long does delivery take to Spain, question {i}?");
        }

        await customer.SendAsync(conversation, "I want a human");
        await customer.WaitForBotMessagesAsync(conversation, 15, TimeSpan.FromSeconds(30));
        await SignInAndWaitAsync(ConsoleHostFixture.Supervisor);
        await Page.GotoAsync($"/console/chats/{ChatId(conversation)}");
        await WaitForLiveAsync();
        var transcript = Page.GetByTestId("transcript");
        Assert.True(await transcript.EvaluateAsync<bool>("box => box.scrollHeight > box.clientHeight"), "the transcript should overflow its box for this test");
        await Expect(Page.Locator(".transcript li.from-customer").Last).ToContainTextAsync("I want a human");
        await Expect(Page.Locator(".transcript li.from-customer").Last).ToBeInViewportAsync();
        await Expect(Page.Locator(".transcript li").First).Not.ToBeInViewportAsync();

        await customer.SendAsync(conversation, "still there? order 6610");
        await Expect(Page.Locator(".transcript li.from-customer").Last).ToContainTextAsync("order 6610");
        await Expect(Page.Locator(".transcript li.from-customer").Last).ToBeInViewportAsync();

        // Reading back: a new line does not pull the agent away from where they are.
        await transcript.EvaluateAsync("box => box.scrollTop = 0");
        await Expect(Page.Locator(".transcript li").First).ToBeInViewportAsync();
        await customer.SendAsync(conversation, "hello?");
        await Expect(Page.Locator(".transcript li.from-customer").Last).ToContainTextAsync("hello?");
        await Expect(Page.Locator(".transcript li").First).ToBeInViewportAsync();
        AssertNoPageErrors();
    }

    [Fact]
    public async Task Supervisor_ReassignsAChatAnotherAgentHolds_TheHolderLosesItLive_AnAgentCannot()
    {
        var conversation = await CustomerWroteAsync("I want a human");
        var chatPage = $"/console/chats/{ChatId(conversation)}";

        // Sam claims the chat and keeps it open in his browser.
        var sam = await OpenAnotherBrowserAsync();
        await SignInAndWaitAsync(ConsoleHostFixture.SupportAgent, sam);
        await sam.GotoAsync(chatPage);
        await WaitForLiveAsync(sam);
        await sam.GetByTestId("claim").ClickAsync();
        await Expect(sam.GetByTestId("reply-box")).ToBeVisibleAsync();

        // A colleague in the same department sees the chat but may not move it.
        await SignInAndWaitAsync(await NewAccountAsync(AgentRoles.Agent, "support"));
        await Page.GotoAsync(chatPage);
        await WaitForLiveAsync();
        await Expect(Page.GetByTestId("chat-status")).ToContainTextAsync("With an agent");
        await Expect(Page.GetByTestId("transfer")).ToHaveCountAsync(0);
        await Expect(Page.GetByTestId("reply-box")).ToHaveCountAsync(0);

        // The supervisor goes online and takes the chat over.
        await SwitchUserAsync(ConsoleHostFixture.Supervisor);
        var online = Page.Locator("[data-testid=presence] button[data-status=online]");
        await online.ClickAsync();
        await Expect(online).ToHaveClassAsync(new Regex(@"\bon\b"));
        await Page.GotoAsync(chatPage);
        await WaitForLiveAsync();
        var supervisorId = AgentAccountStore.IdFor(ConsoleHostFixture.Supervisor.Email);
        await Expect(Page.GetByTestId("transfer")).ToHaveTextAsync("Reassign");
        await Page.GetByTestId("transfer-to").SelectOptionAsync("agent:" + supervisorId);
        await Page.GetByTestId("transfer").ClickAsync();
        await Expect(Page.GetByTestId("reply-box")).ToBeVisibleAsync();
        await Expect(Page.GetByTestId("chat-status")).ToContainTextAsync(ConsoleHostFixture.Supervisor.Name);
        await ScreenshotAsync("console-chat-reassigned");

        // Sam's open chat shows at once that it is no longer his.
        await Expect(sam.GetByTestId("reply-box")).ToHaveCountAsync(0);
        await Expect(sam.GetByTestId("chat-status")).ToContainTextAsync(ConsoleHostFixture.Supervisor.Name);

        var moved = (await Host.Services.GetRequiredService<SupportBot.Handoff.HandoffService>().Store.GetEventsAsync(ChatId(conversation))).Last(e => e.Type == "transferred");
        Assert.Equal((AgentAccountStore.IdFor(ConsoleHostFixture.SupportAgent.Email), supervisorId, supervisorId), (moved.FromAgentId, moved.AgentId, moved.By));
        AssertNoPageErrors();
    }

    [Fact]
    public async Task Transfer_WithANote_TheAgentWhoReceivesTheChatReadsWhoPassedItOnAndWhy_InTheTranscript()
    {
        var conversation = await CustomerWroteAsync("I want a human");
        var chatPage = $"/console/chats/{ChatId(conversation)}";

        // The supervisor is online, so Sam can pass the chat to them.
        await SignInAndWaitAsync(ConsoleHostFixture.Supervisor);
        var online = Page.Locator("[data-testid=presence] button[data-status=online]");
        await online.ClickAsync();
        await Expect(online).ToHaveClassAsync(new Regex(@"\bon\b"));

        var sam = await OpenAnotherBrowserAsync();
        await SignInAndWaitAsync(ConsoleHostFixture.SupportAgent, sam);
        await sam.GotoAsync(chatPage);
        await WaitForLiveAsync(sam);
        await sam.GetByTestId("claim").ClickAsync();
        await Expect(sam.GetByTestId("reply-box")).ToBeVisibleAsync();
        await Expect(sam.GetByTestId("transfer-note")).ToHaveCountAsync(0); // asked for once there is someone to pass it to
        await sam.GetByTestId("transfer-to").SelectOptionAsync("agent:" + AgentAccountStore.IdFor(ConsoleHostFixture.Supervisor.Email));
        await sam.GetByTestId("transfer-note").FillAsync("Refund for order 5150: the card was charged twice");
        await sam.GetByTestId("transfer").ClickAsync();
        await Expect(sam.GetByTestId("reply-box")).ToHaveCountAsync(0);

        await Page.GotoAsync(chatPage);
        await WaitForLiveAsync();
        var events = Page.GetByTestId("chat-event");
        await Expect(events.First).ToContainTextAsync($"{ConsoleHostFixture.SupportAgent.Name} took the chat");
        await Expect(events.Last).ToContainTextAsync($"{ConsoleHostFixture.SupportAgent.Name} passed the chat to {ConsoleHostFixture.Supervisor.Name}");
        await Expect(events.Last.GetByTestId("chat-event-note")).ToHaveTextAsync("Note: Refund for order 5150: the card was charged twice");
        // In time order: after the customer's words and the bot's answer.
        await Expect(Page.Locator(".transcript li").Last).ToHaveAttributeAsync("data-testid", "chat-event");
        await ScreenshotAsync("console-chat-transferred-with-note");
        AssertNoPageErrors();
    }

    [Fact]
    public async Task AgentInMoscow_SeesTimesOnTheirOwnClock_AndAFollowUpSetForTen_IsDueAtTenInMoscow()
    {
        // The server keeps the machine's zone (UTC in a container); the agent's browser says Moscow (UTC+3 all year).
        var conversation = await CustomerWroteAsync("I want a human");
        var moscow = await OpenAnotherBrowserAsync(timeZone: "Europe/Moscow");
        await SignInAndWaitAsync(ConsoleHostFixture.Supervisor, moscow);
        await moscow.GotoAsync($"/console/chats/{ChatId(conversation)}");
        await WaitForLiveAsync(moscow);

        var handoff = Host.Services.GetRequiredService<SupportBot.Handoff.HandoffService>();
        var said = (await handoff.Store.GetTranscriptAsync(ChatId(conversation))).First(e => e.From == "customer");
        var inMoscow = DateTimeOffset.FromUnixTimeMilliseconds(said.AtUnixMs).ToOffset(TimeSpan.FromHours(3));
        await Expect(moscow.Locator(".transcript li.from-customer time").First).ToHaveTextAsync(inMoscow.ToString("g", CultureInfo.GetCultureInfo("en")));

        var text = "Call back at ten " + Guid.NewGuid().ToString("N")[..6];
        var tomorrowAtTen = inMoscow.Date.AddDays(1).AddHours(10);
        await moscow.GetByTestId("followup-text").FillAsync(text);
        await moscow.GetByTestId("followup-due").FillAsync(tomorrowAtTen.ToString("yyyy-MM-ddTHH:mm", CultureInfo.InvariantCulture));
        await moscow.GetByTestId("followup-add").ClickAsync();
        await Expect(moscow.GetByTestId("followups")).ToContainTextAsync(text);
        await Expect(moscow.GetByTestId("followups").Locator("li", new() { HasText = text }).Locator("time"))
            .ToHaveTextAsync(tomorrowAtTen.ToString("g", CultureInfo.GetCultureInfo("en")));

        var followUps = Host.Services.GetRequiredService<SupportBot.FollowUps.FollowUpStore>();
        var stored = (await followUps.ListAsync(AgentAccountStore.IdFor(ConsoleHostFixture.Supervisor.Email), SupportBot.FollowUps.FollowUpStatus.Open)).Single(f => f.Text == text);
        Assert.Equal(new DateTimeOffset(tomorrowAtTen, TimeSpan.FromHours(3)), stored.DueAt);
    }

    [Fact]
    public async Task Admin_CreatesAnAgent_WhoSignsIn_ThenDisablesThem_AndTheyAreOut()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        (string Email, string Name, string Role, string[] Departments) nina = ($"nina-{suffix}@example.com", $"Nina {suffix}", AgentRoles.Agent, ["support"]);
        await SignInAndWaitAsync(ConsoleHostFixture.Admin);
        await Page.GotoAsync("/console/admin");
        await WaitForLiveAsync();

        await Page.GetByTestId("account-email").FillAsync(nina.Email);
        await Page.GetByTestId("account-name").FillAsync(nina.Name);
        await Page.GetByTestId("account-role").SelectOptionAsync(AgentRoles.Agent);
        await Page.GetByTestId("account-departments").SelectOptionAsync("support");
        await Page.GetByTestId("account-password").FillAsync(ConsoleHostFixture.Password);
        await Page.GetByTestId("account-save").ClickAsync();
        var row = Page.Locator($"tr[data-account='{AgentAccountStore.IdFor(nina.Email)}']");
        await Expect(row).ToContainTextAsync(nina.Name);
        await Expect(row).ToContainTextAsync("support");
        await Expect(row.Locator("td").Nth(2)).ToHaveTextAsync("Agent"); // the role in words, not its key
        await Expect(Page.GetByTestId("account-message")).ToHaveCountAsync(0);

        // The new agent signs in with the password the admin set, and keeps the console open.
        var ninasBrowser = await OpenAnotherBrowserAsync();
        await SignInAndWaitAsync(nina, ninasBrowser);
        await Expect(ninasBrowser.Locator("h1")).ToHaveTextAsync("Queue");

        await row.GetByTestId("account-toggle").ClickAsync();
        await Expect(row).ToHaveClassAsync(new Regex("disabled"));
        await Expect(row.GetByTestId("account-toggle")).ToHaveTextAsync("Enable");

        // Her open console signs itself out at its next account check (every second here), without a reload;
        // signing in again is refused.
        await Expect(ninasBrowser.Locator("h1")).ToHaveTextAsync("Sign in");
        await SignInAsync(nina, page: ninasBrowser);
        await Expect(ninasBrowser.GetByTestId("login-error")).ToHaveTextAsync("This account is disabled. Ask an administrator.");
        Assert.Contains("/console/login", ninasBrowser.Url, StringComparison.Ordinal);
        AssertNoPageErrors();
    }

    [Fact]
    public async Task Admin_AddsACannedReply_AgentInsertsItWithTheCustomersName()
    {
        await SignInAndWaitAsync(ConsoleHostFixture.Admin);
        await Page.GotoAsync("/console/admin");
        await WaitForLiveAsync();
        await Page.GetByTestId("canned-title").FillAsync("Greeting");
        await Page.GetByTestId("canned-text").FillAsync("Hello {name}, {agent} here.");
        await Page.GetByTestId("canned-add").ClickAsync();
        await Expect(Page.GetByTestId("canned-list")).ToContainTextAsync("Greeting");

        var conversation = await CustomerWroteAsync("I want a human", "Olga");

        await SwitchUserAsync(ConsoleHostFixture.SupportAgent);
        await Page.GotoAsync($"/console/chats/{ChatId(conversation)}");
        await WaitForLiveAsync();
        await Page.GetByTestId("claim").ClickAsync();
        await Page.GetByTestId("canned-toggle").ClickAsync();
        await Page.GetByTestId("canned").GetByRole(AriaRole.Button, new() { Name = "Greeting" }).ClickAsync();
        await Expect(Page.GetByTestId("reply-box")).ToHaveValueAsync("Hello Olga, Sam Support here.");
    }

    [Fact]
    public async Task Admin_ClosesADepartmentForTheWeekend_MistakesAreNamed()
    {
        await SignInAndWaitAsync(ConsoleHostFixture.Admin);
        await Page.GotoAsync("/console/admin");
        await WaitForLiveAsync();
        var billing = Page.Locator("fieldset.department").Nth(1);

        await billing.GetByTestId("department-timezone").FillAsync("Mars/Olympus_Mons");
        await Page.GetByTestId("departments-save").ClickAsync();
        await Expect(Page.GetByTestId("departments-errors")).ToContainTextAsync("Handoff:Departments:1:TimeZone");

        await billing.GetByTestId("department-timezone").FillAsync("Europe/Berlin");
        await billing.GetByTestId("department-hours").FillAsync("Daily closed");
        await Page.GetByTestId("departments-save").ClickAsync();
        await Expect(Page.GetByTestId("departments-saved")).ToBeVisibleAsync();
        await Expect(billing.GetByTestId("department-open")).ToHaveTextAsync("Closed now");

        var directory = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<SupportBot.Handoff.Departments.DepartmentDirectory>(Host.Services);
        Assert.False(directory.Find("billing")!.Hours.IsOpen(DateTimeOffset.UtcNow));
        Assert.True(directory.Find("support")!.Hours.IsOpen(DateTimeOffset.UtcNow));
    }
}

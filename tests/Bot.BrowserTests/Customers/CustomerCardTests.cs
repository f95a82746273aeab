using Microsoft.Extensions.DependencyInjection;
using SupportBot.AgentConsole.Accounts;
using SupportBot.BrowserTests.Infrastructure;
using SupportBot.FollowUps;
using SupportBot.FunctionalTests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace SupportBot.BrowserTests.Customers;

/// <summary>The customer card beside a chat, in Debian's chromium against the real host and a real redis-server.</summary>
public sealed class CustomerCardTests(ConsoleHostFixture host) : ConsoleTest(host), IClassFixture<ConsoleHostFixture>
{
    /// <summary>Says something and waits for the bot's answer that contains <paramref name="expect"/>.</summary>
    private static async Task SayAsync(DirectLineTestClient chat, StartedConversation conversation, string text, string expect)
    {
        var before = DirectLineTestClient.BotMessages(await chat.GetActivitiesAsync(conversation)).Count;
        await chat.SendAsync(conversation, text);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!DirectLineTestClient.BotMessages(await chat.GetActivitiesAsync(conversation)).Skip(before).Any(m => m["text"]?.GetValue<string>().Contains(expect, StringComparison.Ordinal) == true))
        {
            Assert.True(DateTime.UtcNow < deadline, $"No answer containing '{expect}' to '{text}'.");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task CustomerFromIntake_CardShowsThemAsText_AgentAddsNoteTagsStatusAndFollowUp()
    {
        const string hostileName = "<b>Eve</b><img src=x onerror=\"window.__xss=1\">";
        var email = "eve." + Guid.NewGuid().ToString("N")[..8] + "@example.com";
        using var http = Host.CreateHttpClient();
        var chat = new DirectLineTestClient(http);
        var conversation = await chat.StartAsync();
        await chat.WaitForBotMessagesAsync(conversation, 1);
        await SayAsync(chat, conversation, "open a request", "What is your name?");
        await SayAsync(chat, conversation, hostileName, "What can I help with?");
        await SayAsync(chat, conversation, "returns", "e-mail");
        await SayAsync(chat, conversation, email, "Shall I open a request");
        await SayAsync(chat, conversation, "yes", "Your request is open");

        await SignInAndWaitAsync(ConsoleHostFixture.Supervisor);
        await Page.GotoAsync($"/console/chats/webchat:{conversation.ConversationId}");
        await WaitForLiveAsync();
        var card = Page.GetByTestId("customer-card");
        await Expect(card.GetByTestId("customer-name")).ToHaveTextAsync(hostileName);
        await Expect(card.GetByTestId("customer-status")).ToHaveAttributeAsync("aria-label", "New");
        await Expect(card.GetByTestId("customer-identities")).ToContainTextAsync("webchat");
        await Expect(card.GetByTestId("customer-contacts")).ToContainTextAsync(email);
        await Expect(card.GetByTestId("customer-history")).ToContainTextAsync("request");

        await card.GetByTestId("customer-note-input").FillAsync("Wants a <i>refund</i> by Friday");
        await card.GetByTestId("customer-note-add").ClickAsync();
        await Expect(card.GetByTestId("customer-notes")).ToContainTextAsync("Wants a <i>refund</i> by Friday");

        await card.GetByTestId("customer-tags-input").FillAsync("vip, refund");
        await card.GetByTestId("customer-tags-save").ClickAsync();
        await Expect(card.GetByTestId("customer-tags")).ToContainTextAsync("refund");
        await Expect(card.GetByTestId("customer-tags")).ToContainTextAsync("vip");

        await card.GetByTestId("customer-status-select").SelectOptionAsync("lead");
        await Expect(card.GetByTestId("customer-status")).ToHaveAttributeAsync("aria-label", "Lead");

        await card.GetByTestId("followup-text").FillAsync("Call <u>Eve</u> about the refund");
        await card.GetByTestId("followup-add").ClickAsync();
        await Expect(card.GetByTestId("followups")).ToContainTextAsync("Call <u>Eve</u> about the refund");
        await ScreenshotAsync("customer-card");

        await Expect(Page.Locator("main img[src=x]")).ToHaveCountAsync(0);
        await Expect(Page.Locator("main i, main u")).ToHaveCountAsync(0);
        Assert.True(await Page.EvaluateAsync<bool>("() => window.__xss === undefined"), "customer text ran as script");
        AssertNoPageErrors();
    }

    [Fact]
    public async Task FollowUpFallsDue_PanelMarksItWithoutReload()
    {
        using var http = Host.CreateHttpClient();
        var chat = new DirectLineTestClient(http);
        var conversation = await chat.StartAsync();
        await chat.WaitForBotMessagesAsync(conversation, 1);
        await SayAsync(chat, conversation, "open a request", "What is your name?");

        await SignInAndWaitAsync(ConsoleHostFixture.Supervisor);
        await Page.GotoAsync($"/console/chats/webchat:{conversation.ConversationId}");
        await WaitForLiveAsync();
        await Expect(Page.GetByTestId("followups")).ToBeVisibleAsync();

        var me = (await Host.Services.GetRequiredService<AgentAccountStore>().FindByEmailAsync(ConsoleHostFixture.Supervisor.Email))!;
        var followUp = await Host.Services.GetRequiredService<FollowUpStore>().CreateAsync(me.Id, null, null, "Write back to the visitor", DateTimeOffset.UtcNow.AddSeconds(1));

        var item = Page.Locator($"[data-followup='{followUp.Id}']");
        await Expect(item).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("due"), new() { Timeout = 20_000 });
        await Expect(item).ToContainTextAsync("Write back to the visitor");
        AssertNoPageErrors();
    }
}

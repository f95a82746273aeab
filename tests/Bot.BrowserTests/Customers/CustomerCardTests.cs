using Microsoft.Extensions.DependencyInjection;
using SupportBot.AgentConsole.Accounts;
using SupportBot.BrowserTests.Infrastructure;
using SupportBot.Customers;
using SupportBot.FollowUps;
using SupportBot.FunctionalTests.Infrastructure;
using SupportBot.Interests;
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
        const string hostileName = "<b>Eve</b><img src=x onerror=\"window.__xss=true\">";  // no digits: the name prompt asks again for "=1"
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
        await Expect(card.GetByTestId("customer-identities")).ToContainTextAsync("Website chat");
        await Expect(card.GetByTestId("customer-contacts")).ToContainTextAsync(email);
        await Expect(card.GetByTestId("customer-history")).ToContainTextAsync("request");

        await card.GetByTestId("customer-note-input").FillAsync("Wants a <i>refund</i> by Friday");
        await card.GetByTestId("customer-note-add").ClickAsync();
        await Expect(card.GetByTestId("customer-notes")).ToContainTextAsync("Wants a <i>refund</i> by Friday");
        await Expect(card.GetByTestId("customer-notes").Locator(".who")).ToHaveTextAsync(ConsoleHostFixture.Supervisor.Name); // not the account id

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
    public async Task History_LabelsASourceLinkByTheNetworkItOpens()
    {
        using var http = Host.CreateHttpClient();
        var chat = new DirectLineTestClient(http);
        var conversation = await chat.StartAsync();
        await SayAsync(chat, conversation, "open a request", "What is your name?");
        var chatId = "webchat:" + conversation.ConversationId;

        // The same person also commented on the brand's VK wall; an agent merged the two.
        var eventId = Guid.NewGuid().ToString("N");
        var vkComment = new InterestRecord
        {
            Id = InterestLog.RecordId("in", "vk:shop:wall-1_2", eventId),
            Date = DateTimeOffset.UtcNow,
            SourceType = "vk",
            SourceLink = "https://vk.com/wall-1_2?reply=3",
            Author = new InterestAuthor("id" + eventId[..8], "Olga", null, "https://vk.com/id1"),
            Action = "comment",
            Direction = "in",
            Text = "Is the kettle available in red?",
            ConversationId = "vk:shop:wall-1_2",
            EventId = eventId,
        };
        await Host.Services.GetRequiredService<InterestLog>().AppendAsync(vkComment);
        var customers = Host.Services.GetRequiredService<CustomerStore>();
        var vkCustomer = (await customers.FindByIdentityAsync("vk", vkComment.Author.Id))!;
        var webCustomer = await WaitForAsync(() => customers.FindByConversationAsync(chatId));
        Assert.Equal(MergeOutcome.Merged, (await customers.MergeAsync(webCustomer, vkCustomer)).Outcome);

        await SignInAndWaitAsync(ConsoleHostFixture.Supervisor);
        await Page.GotoAsync($"/console/chats/{chatId}");
        await WaitForLiveAsync();
        var source = Page.GetByTestId("customer-history").GetByTestId("record-source");
        await Expect(source).ToHaveTextAsync("Open on VK");
        await Expect(source).ToHaveAttributeAsync("href", vkComment.SourceLink);
        await Expect(Page.GetByTestId("customer-history")).ToContainTextAsync("Is the kettle available in red?");
        AssertNoPageErrors();
    }

    /// <summary>Polls until <paramref name="find"/> gives a value (the pipeline links customers as records arrive).</summary>
    private static async Task<string> WaitForAsync(Func<Task<string?>> find)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            if (await find() is { } found)
            {
                return found;
            }

            Assert.True(DateTime.UtcNow < deadline, "The customer was not linked in time.");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
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

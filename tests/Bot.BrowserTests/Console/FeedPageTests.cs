using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using SupportBot.AgentConsole.Accounts;
using SupportBot.BrowserTests.Infrastructure;
using SupportBot.Interests;
using static Microsoft.Playwright.Assertions;

namespace SupportBot.BrowserTests.Console;

/// <summary>The interest feed page in Debian's chromium against the real host and a real redis-server.</summary>
public sealed class FeedPageTests(ConsoleHostFixture host) : ConsoleTest(host), IClassFixture<ConsoleHostFixture>
{
    private static string UniqueWord() =>
        "zq" + new string([.. Guid.NewGuid().ToString("N").Take(10).Select(c => (char)('a' + Convert.ToInt32(c.ToString(), 16)))]);

    private async Task<InterestRecord> SeedAsync(string text, string product, string authorName, string? sourceLink, DateTimeOffset date)
    {
        var eventId = Guid.NewGuid().ToString("N");
        var record = new InterestRecord
        {
            Id = InterestLog.RecordId("in", "vk:" + eventId[..8], eventId),
            Date = date,
            SourceType = "vk",
            SourceLink = sourceLink,
            Author = new InterestAuthor("id" + eventId[..6], authorName, null, "https://vk.example.invalid/id1"),
            Action = "comment",
            Direction = "in",
            Text = text,
            Product = product,
            ConversationId = "vk:" + eventId[..8],
            Responsible = "bot",
            EventId = eventId,
        };
        await Host.Services.GetRequiredService<InterestLog>().AppendAsync(record);
        return record;
    }

    [Fact]
    public async Task Feed_ShowsTheLeadCards_CustomerTextAsText_AgentTakesOne_SearchesAndMarksOneProcessedWithANote()
    {
        var product = "Kettle " + UniqueWord();
        var word = UniqueWord();
        var now = DateTimeOffset.UtcNow;
        const string hostile = "<img src=x onerror=\"window.__xss=1\"> is this kettle any good?";
        var hostileRecord = await SeedAsync(hostile, product, "<b>Mallory</b>", "javascript:alert(1)", now.AddMinutes(-2));
        var plain = await SeedAsync($"Does the kettle come in red? {word}", product, "Olga", "https://vk.example.invalid/wall-1_2?reply=3", now.AddMinutes(-1));

        await SignInAndWaitAsync(ConsoleHostFixture.SupportAgent);
        await Page.GotoAsync("/console/feed?product=" + Uri.EscapeDataString(product));
        await WaitForLiveAsync();

        var rows = Page.Locator("[data-testid=feed] tbody tr[data-record]");
        await Expect(rows).ToHaveCountAsync(2);
        var hostileRow = Page.Locator($"tr[data-record='{hostileRecord.Id}']");
        var plainRow = Page.Locator($"tr[data-record='{plain.Id}']");
        await Expect(hostileRow.GetByTestId("record-text")).ToHaveTextAsync(hostile);
        await Expect(hostileRow).ToContainTextAsync("<b>Mallory</b>");
        await Expect(Page.Locator("main img[src=x]")).ToHaveCountAsync(0);
        await Expect(hostileRow.GetByTestId("source-link")).ToHaveCountAsync(0); // a javascript: link is not a link
        var link = plainRow.GetByTestId("source-link");
        Assert.Equal("_blank", await link.GetAttributeAsync("target"));
        Assert.Contains("noopener", await link.GetAttributeAsync("rel"), StringComparison.Ordinal);
        // The export takes the whole feed: an agent gets no link, and the API refuses the agent's sign-in.
        await Expect(Page.GetByTestId("feed-export")).ToHaveCountAsync(0);
        await Expect(Page.GetByTestId("feed-export-jsonl")).ToHaveCountAsync(0);
        Assert.Equal(403, (await Page.APIRequest.GetAsync("api/interests/export.csv")).Status);
        Assert.Equal(403, (await Page.APIRequest.GetAsync("api/interests/export.jsonl")).Status);

        await plainRow.GetByTestId("take").ClickAsync();
        await Expect(plainRow.GetByTestId("responsible")).ToContainTextAsync("Me");
        await Expect(plainRow.GetByTestId("take")).ToHaveCountAsync(0);

        await Page.GetByTestId("feed-search").FillAsync(word.ToUpperInvariant() + " red");
        await Page.GetByTestId("feed-apply").ClickAsync();
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(rows.First).ToHaveAttributeAsync("data-record", plain.Id);

        await plainRow.GetByTestId("processed").CheckAsync();
        await Page.GetByTestId("note-box").FillAsync("Told her red comes in March");
        await Page.GetByTestId("note-save").ClickAsync();
        await Expect(Page.GetByTestId("feed-message")).ToContainTextAsync("Marked processed");
        await Expect(plainRow.GetByTestId("processed")).ToBeCheckedAsync();
        await Expect(plainRow.GetByTestId("reply")).ToBeDisabledAsync();
        await ScreenshotAsync("console-feed");

        var stored = await Host.Services.GetRequiredService<InterestLog>().GetAsync(plain.Id);
        Assert.True(stored!.Processed);
        Assert.Equal("Told her red comes in March", stored.ProcessedNote);
        Assert.True(await Page.EvaluateAsync<bool>("() => window.__xss === undefined"), "customer text ran as script");
        AssertNoPageErrors();
    }

    [Fact]
    public async Task Feed_ManyAtOnce_AgentTakesAndMarksTheSelectedProcessedWithOneNote_TellsWhichCouldNotBe()
    {
        var product = "Post " + UniqueWord();
        var now = DateTimeOffset.UtcNow;
        var open = new List<InterestRecord>();
        for (var i = 0; i < 4; i++)
        {
            open.Add(await SeedAsync($"Love it! #{i}", product, "Fan " + i, null, now.AddMinutes(-10 + i)));
        }

        var done = await SeedAsync("Old question", product, "Ivan", null, now.AddMinutes(-20));
        var log = Host.Services.GetRequiredService<InterestLog>();
        Assert.Equal(InterestChangeStatus.Done, (await log.MarkProcessedAsync(done.Id, "someone", "Answered by phone", now)).Status);

        await SignInAndWaitAsync(ConsoleHostFixture.SupportAgent);
        await Page.GotoAsync("/console/feed?product=" + Uri.EscapeDataString(product));
        await WaitForLiveAsync();
        await Expect(Page.Locator("[data-testid=feed] tbody tr[data-record]")).ToHaveCountAsync(5);
        await Expect(Page.GetByTestId("bulk-bar")).ToHaveCountAsync(0);
        await Expect(Page.Locator($"tr[data-record='{done.Id}']").GetByTestId("select")).ToBeDisabledAsync(); // done already

        // Every open record of the page at once: they are the agent's now.
        await Page.GetByTestId("select-all").CheckAsync();
        await Expect(Page.GetByTestId("bulk-count")).ToHaveTextAsync("4 selected");
        await Page.GetByTestId("bulk-take").ClickAsync();
        await Expect(Page.GetByTestId("feed-message")).ToHaveTextAsync("4 of 4 are yours now.");
        foreach (var record in open)
        {
            await Expect(Page.Locator($"tr[data-record='{record.Id}']").GetByTestId("responsible")).ToContainTextAsync("Me");
        }

        // Three picked by hand; one of them a colleague finishes meanwhile: the rest are marked, and the page says why not that one.
        foreach (var record in open.Take(3))
        {
            await Page.Locator($"tr[data-record='{record.Id}']").GetByTestId("select").CheckAsync();
        }

        await Expect(Page.GetByTestId("bulk-count")).ToHaveTextAsync("3 selected");
        Assert.Equal(InterestChangeStatus.Done, (await log.MarkProcessedAsync(open[0].Id, "olga", "Replied in VK", now)).Status);
        await Expect(Page.GetByTestId("bulk-processed")).ToBeDisabledAsync(); // not without saying what was done
        await Page.GetByTestId("bulk-note").FillAsync("Thanked everyone in a post");
        await Page.GetByTestId("bulk-note").PressAsync("Enter");

        await Expect(Page.GetByTestId("feed-message")).ToContainTextAsync("2 of 3 marked processed. 1 not: Already processed by olga.");
        await Expect(Page.GetByTestId("bulk-bar")).ToHaveCountAsync(0);
        await ScreenshotAsync("console-feed-bulk");
        Assert.Equal(["Replied in VK", "Thanked everyone in a post", "Thanked everyone in a post", null],
            (await Task.WhenAll(open.Select(r => log.GetAsync(r.Id)))).Select(r => r!.ProcessedNote));
        await Expect(Page.Locator($"tr[data-record='{open[3].Id}']").GetByTestId("processed")).Not.ToBeCheckedAsync();
        AssertNoPageErrors();
    }

    [Fact]
    public async Task Feed_ACallBackRequestOrAWebForm_OffersToWriteOrCallAtTheContactGiven()
    {
        // The bot promised "we'll write to anna@…" / "we'll call you at …": the card says where, one click away.
        var product = "Toaster " + UniqueWord();
        var now = DateTimeOffset.UtcNow;
        var log = Host.Services.GetRequiredService<InterestLog>();
        InterestRecord Request(string source, string conversation, string replyAction, string text) => new()
        {
            Id = InterestLog.RecordId("req", conversation, Guid.NewGuid().ToString("N")),
            Date = now.AddMinutes(-1),
            SourceType = source,
            Author = new InterestAuthor("a-" + conversation, "Anna", null, null),
            Action = source == "website" ? "form" : "request",
            Direction = "in",
            Text = text,
            Product = product,
            ConversationId = conversation,
            Responsible = "queue",
            ReplyAction = replyAction,
        };
        var fromChat = Request("webchat", "webchat:" + UniqueWord(), "mailto:anna@example.com", "returns: name: Anna; contact: anna@example.com");
        var fromForm = Request("website", "website:shop:" + UniqueWord(), "tel:+491701234567", "Please call me about the toaster");
        var forged = Request("webchat", "webchat:" + UniqueWord(), "mailto:x@example.com?body=hi", "odd");
        foreach (var record in new[] { fromChat, fromForm, forged })
        {
            await log.AppendAsync(record);
        }

        await SignInAndWaitAsync(ConsoleHostFixture.Supervisor);
        await Page.GotoAsync("/console/feed?product=" + Uri.EscapeDataString(product));
        await WaitForLiveAsync();

        var chatRow = Page.Locator($"tr[data-record='{fromChat.Id}']");
        await Expect(chatRow.GetByTestId("reply-contact")).ToHaveTextAsync("anna@example.com");
        await Expect(chatRow.GetByTestId("reply-contact")).ToHaveAttributeAsync("href", "mailto:anna@example.com");
        await Expect(chatRow.GetByTestId("reply")).ToBeEnabledAsync(); // the customer may still be in the chat, too
        var formRow = Page.Locator($"tr[data-record='{fromForm.Id}']");
        await Expect(formRow.GetByTestId("reply-contact")).ToHaveAttributeAsync("href", "tel:+491701234567");
        await Expect(formRow.GetByTestId("reply")).ToHaveCountAsync(0); // a form has no chat to answer in
        await Expect(Page.Locator($"tr[data-record='{forged.Id}']").GetByTestId("reply-contact")).ToHaveCountAsync(0);
        AssertNoPageErrors();
    }

    [Fact]
    public async Task Feed_SupervisorPicksAnAgentAsResponsible_SeesOnlyTheirRecords_AgentsGetNoPicker()
    {
        var product = "Toaster " + UniqueWord();
        var now = DateTimeOffset.UtcNow;
        var sams = await SeedAsync("Does the toaster fit bagels?", product, "Olga", null, now.AddMinutes(-3));
        var bills = await SeedAsync("Where is my invoice for the toaster?", product, "Ivan", null, now.AddMinutes(-2));
        var nobodys = await SeedAsync("Is the toaster loud?", product, "Anna", null, now.AddMinutes(-1));
        var log = Host.Services.GetRequiredService<InterestLog>();
        var samId = AgentAccountStore.IdFor(ConsoleHostFixture.SupportAgent.Email);
        await log.AssignAsync(sams.Id, samId);
        await log.AssignAsync(bills.Id, AgentAccountStore.IdFor(ConsoleHostFixture.BillingAgent.Email));

        await SignInAndWaitAsync(ConsoleHostFixture.Supervisor);
        await Page.GotoAsync("/console/feed?product=" + Uri.EscapeDataString(product));
        await WaitForLiveAsync();
        var rows = Page.Locator("[data-testid=feed] tbody tr[data-record]");
        await Expect(rows).ToHaveCountAsync(3);

        await Page.GetByTestId("feed-responsible").SelectOptionAsync(new SelectOptionValue { Label = ConsoleHostFixture.SupportAgent.Name });
        await Page.GetByTestId("feed-apply").ClickAsync();
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(rows.First).ToHaveAttributeAsync("data-record", sams.Id);
        await Expect(rows.First.GetByTestId("responsible")).ToHaveTextAsync(ConsoleHostFixture.SupportAgent.Name);
        var export = await Page.GetByTestId("feed-export").GetAttributeAsync("href");
        Assert.Contains("responsible=agent%3A" + samId, export, StringComparison.Ordinal);
        var csv = await Page.APIRequest.GetAsync(export!); // a supervisor's sign-in downloads what the filter shows
        Assert.Equal(200, csv.Status);
        var lines = (await csv.TextAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length); // header and Sam's record
        Assert.StartsWith(sams.Id, lines[1], StringComparison.Ordinal);
        var jsonLines = await Page.APIRequest.GetAsync((await Page.GetByTestId("feed-export-jsonl").GetAttributeAsync("href"))!);
        Assert.Equal(200, jsonLines.Status);
        Assert.Single((await jsonLines.TextAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries));

        await Page.GetByTestId("feed-responsible").SelectOptionAsync("unassigned");
        await Page.GetByTestId("feed-apply").ClickAsync();
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(rows.First).ToHaveAttributeAsync("data-record", nobodys.Id);

        // An agent filters by "me" or "nobody yet" only.
        await SwitchUserAsync(ConsoleHostFixture.SupportAgent);
        await Page.GotoAsync("/console/feed?product=" + Uri.EscapeDataString(product));
        await WaitForLiveAsync();
        await Expect(rows).ToHaveCountAsync(3);
        await Expect(Page.Locator("[data-testid=feed-responsible] option[value^='agent:']")).ToHaveCountAsync(0);
        AssertNoPageErrors();
    }

    [Fact]
    public async Task Feed_InRussian()
    {
        // An account of this test alone: the language is kept on the account, and other tests expect English.
        await SignInAndWaitAsync(await NewAccountAsync(AgentRoles.Admin));
        await Page.SelectOptionAsync("[data-testid=language]", "ru");
        await Page.ClickAsync("form[action='console/language'] button");
        await Page.GotoAsync("/console/feed");
        await Expect(Page.Locator("h1")).ToHaveTextAsync("Лента интересов");
        await WaitForLiveAsync(); // else the interactive render resets the language picker under us
        await Page.SelectOptionAsync("[data-testid=language]", "en");
        await Page.ClickAsync("form[action='console/language'] button");
        await Expect(Page.Locator("h1")).ToHaveTextAsync("Interest feed");
    }
}

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using SupportBot.BrowserTests.Infrastructure;
using SupportBot.Interests;
using static Microsoft.Playwright.Assertions;

namespace SupportBot.BrowserTests.Reports;

/// <summary>The console's reports page in chromium: a supervisor sees the charts drawn and the numbers behind them.</summary>
public sealed class ReportsPageTests(ConsoleHostFixture host) : ConsoleTest(host), IClassFixture<ConsoleHostFixture>
{
    private static readonly string[] ChartNames = ["source", "action", "product", "rate"];

    // A sentiment is counted with its source noted, as the pipeline writes it.
    private static readonly Dictionary<string, string> Lexicon = new() { ["sentiment_source"] = "lexicon" };

    [Fact]
    public async Task Supervisor_SeesChartsDrawn_TotalsTablesAndTheUnansweredList()
    {
        var now = DateTimeOffset.UtcNow;
        var unanswered = Record(now.AddHours(-2), "telegram", "Where is my parcel 7731?", processed: false);
        var fromAVisitor = Record(now.AddHours(-3), "webchat", "Is anyone there? 5150", processed: false) with
        {
            Author = new InterestAuthor("u_3f9a0123456789ab", null, null, null), // a website visitor who gave no name
        };
        await AppendAsync(
            // From VK, all processed (so are the other tests' VK records): 100%.
            Record(now.AddMinutes(-1), "vk", "Do you ship to Riga?", processed: true),
            Record(now.AddMinutes(-2), "vk", "Opening hours?", processed: true),
            unanswered,
            fromAVisitor);
        var consoleErrors = new List<string>();
        Page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                consoleErrors.Add(message.Text); // a CSP refusal of the chart script shows up here
            }
        };

        await SignInAndWaitAsync(ConsoleHostFixture.Supervisor);
        await Page.GotoAsync("/console/reports");

        await Expect(Page.Locator("h1")).ToHaveTextAsync("Reports");
        foreach (var chart in ChartNames)
        {
            await Expect(Page.GetByTestId("chart-" + chart)).ToHaveAttributeAsync("data-rendered", "true");
        }

        Assert.True(await HasInkAsync("chart-source"), "the source chart's canvas is blank");
        await Expect(Page.GetByTestId("report-totals")).ToContainTextAsync("processed");
        await Expect(Page.GetByTestId("report-sources").Locator("tr", new() { HasText = "VK" })).ToContainTextAsync("100%");
        await Expect(Page.GetByTestId("report-sources").Locator("tr", new() { HasText = "Telegram" })).ToBeVisibleAsync();
        await Expect(Page.GetByTestId("report-departments").Locator("tr[data-department=support]")).ToBeVisibleAsync();
        await Expect(Page.GetByTestId("report-by-agent").Locator("tr[data-key=unassigned]")).ToContainTextAsync("Not assigned");
        var row = Page.GetByTestId("report-unanswered").Locator("tr", new() { HasText = "Where is my parcel 7731?" });
        await Expect(row).ToBeVisibleAsync();
        await Expect(row.GetByRole(AriaRole.Link, new() { Name = "Open in the feed" })).ToHaveAttributeAsync("href", new System.Text.RegularExpressions.Regex("^console/feed\\?conversation=telegram"));
        await Expect(row.GetByRole(AriaRole.Link, new() { Name = "Open the chat" })).ToHaveAttributeAsync("href", "console/chats/" + unanswered.ConversationId);
        await Expect(Page.GetByTestId("report-unanswered").Locator("tr", new() { HasText = "Is anyone there? 5150" })).ToContainTextAsync("Website visitor 3f9a");
        await ScreenshotAsync("console-reports");

        // Another period redraws the same charts from the new numbers.
        await Page.GetByTestId("report-period").SelectOptionAsync("Month");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
        await Expect(Page.GetByTestId("chart-rate")).ToHaveAttributeAsync("data-rendered", "true");
        Assert.True(await HasInkAsync("chart-rate"));
        Assert.Empty(consoleErrors);
        AssertNoPageErrors();
    }

    [Fact]
    public async Task AgentsTable_ShowsHowCustomersRatedTheirResolvedChats()
    {
        // Two answers to the survey after chats this agent resolved, as the rating script keeps them (newest first).
        var agent = $"rated-{Guid.NewGuid():N}"[..16];
        var figures = Host.Services.GetRequiredService<StackExchange.Redis.IConnectionMultiplexer>().GetDatabase();
        var key = SupportBot.Handoff.RedisKeys.HandoffFigures(SupportBot.Handoff.HandoffStore.SatisfactionFigure);
        await figures.ListLeftPushAsync(key, $"support|{agent}|5");
        await figures.ListLeftPushAsync(key, $"support|{agent}|2");

        await SignInAndWaitAsync(ConsoleHostFixture.Supervisor);
        await Page.GotoAsync("/console/reports");

        var row = Page.GetByTestId("report-agents").Locator($"tr[data-agent='{agent}']");
        await Expect(row).ToContainTextAsync("3.5 of 5, 50% satisfied (2)");
        await Expect(Page.GetByTestId("report-agents").Locator("th", new() { HasText = "Customer rating" })).ToBeVisibleAsync();
        AssertNoPageErrors();
    }

    [Fact]
    public async Task LowRatings_ListTheUnhappyCustomers_EachALinkToTheirChat()
    {
        // A chat a customer of the web chat rated 2, as the rating script keeps it (with the conversation's profile).
        var store = Host.Services.GetRequiredService<SupportBot.Handoff.HandoffStore>();
        var conversation = $"webchat:low{Guid.NewGuid():N}";
        var db = Host.Services.GetRequiredService<StackExchange.Redis.IConnectionMultiplexer>().GetDatabase();
        await db.StringSetAsync(SupportBot.Handoff.RedisKeys.Profile(conversation), System.Text.Json.JsonSerializer.Serialize(
            new SupportBot.Handoff.ConversationProfile { Channel = "webchat", UserId = "u_77aa0123456789ab", Name = "Greta Low" },
            SupportBot.Handoff.ConversationJson.Default.ConversationProfile));
        await db.ListLeftPushAsync(SupportBot.Handoff.RedisKeys.LowRatings, $"{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}|2|support|{SupportBot.AgentConsole.Accounts.AgentAccountStore.IdFor(ConsoleHostFixture.SupportAgent.Email)}|{conversation}");
        Assert.Equal(2, (await store.LowRatingsAsync()).First(r => r.ConversationId == conversation).Rating);

        await SignInAndWaitAsync(ConsoleHostFixture.Supervisor);
        await Page.GotoAsync("/console/reports");

        var row = Page.GetByTestId("report-low-ratings").Locator($"tr[data-conversation='{conversation}']");
        await Expect(row).ToContainTextAsync("2 of 5");
        await Expect(row).ToContainTextAsync("Website chat · Greta Low");
        await Expect(row).ToContainTextAsync(ConsoleHostFixture.SupportAgent.Name + " · support");
        await Expect(row.GetByRole(AriaRole.Link, new() { Name = "Open the chat" })).ToHaveAttributeAsync("href", "console/chats/" + Uri.EscapeDataString(conversation));
        AssertNoPageErrors();
    }

    [Fact]
    public async Task SentimentChart_NegativeIsRedAndPositiveGreen()
    {
        var now = DateTimeOffset.UtcNow;
        await AppendAsync(
            // From VK: the other tests of this host count web chat and Telegram records.
            Record(now.AddMinutes(-3), "vk", "This is the third time my parcel is late!", processed: true) with { Sentiment = "negative", Fields = Lexicon },
            Record(now.AddMinutes(-4), "vk", "Thank you, that was quick", processed: true) with { Sentiment = "positive", Fields = Lexicon },
            Record(now.AddMinutes(-5), "vk", "Do you ship to Oslo?", processed: true) with { Sentiment = "neutral", Fields = Lexicon });

        await SignInAndWaitAsync(ConsoleHostFixture.Supervisor);
        await Page.GotoAsync("/console/reports");
        await Expect(Page.GetByTestId("chart-sentiment")).ToHaveAttributeAsync("data-rendered", "true");

        // The colours Chart.js drew each series in, by its legend label.
        var colours = await Page.EvaluateAsync<Dictionary<string, string>>(
            """
            () => Object.fromEntries(Chart.getChart(document.querySelector('[data-testid="chart-sentiment"]'))
              .data.datasets.map(d => [d.label, d.backgroundColor]))
            """);
        Assert.Equal("#dc2626", colours["Negative"]);
        Assert.Equal("#16a34a", colours["Positive"]);
        Assert.NotEqual(colours["Negative"], colours["Neutral"]);
        AssertNoPageErrors();
    }

    [Fact]
    public async Task InRussian_ThePageAndItsChartsSpeakRussian()
    {
        // Switched on the queue page once it is live (the same form as everywhere), then the reports opened.
        var now = DateTimeOffset.UtcNow;
        await AppendAsync(
            Record(now.AddMinutes(-6), "email", "Wann kommt mein Paket?", processed: true),
            Record(now.AddHours(-3), "email", "Где мой заказ?", processed: false));
        await SignInAndWaitAsync(ConsoleHostFixture.Admin);
        await Page.SelectOptionAsync("[data-testid=language]", "ru");
        await Page.ClickAsync("form[action='console/language'] button");

        try
        {
            await Expect(Page.Locator("h1")).ToHaveTextAsync("Очередь");
            await Page.GotoAsync("/console/reports");
            await Expect(Page.Locator("h1")).ToHaveTextAsync("Отчёты");
            await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Обращения по источникам" })).ToBeVisibleAsync();
            await Expect(Page.GetByTestId("chart-source")).ToHaveAttributeAsync("data-rendered", "true");
            await Expect(Page.GetByRole(AriaRole.Button, new() { Name = "Показать" })).ToBeVisibleAsync();

            // The values records carry are named in Russian too: sources, actions, nobody's records; not "email", "message", "unassigned".
            await Expect(Page.GetByTestId("report-sources")).ToContainTextAsync("Почта");
            await Expect(Page.GetByTestId("report-by-agent").Locator("tr[data-key=unassigned]")).ToContainTextAsync("Не назначено");
            await Expect(Page.GetByTestId("chart-action")).ToHaveAttributeAsync("data-rendered", "true");
            var legend = await Page.EvaluateAsync<string[]>(
                "() => Chart.getChart(document.querySelector('[data-testid=\"chart-action\"]')).data.datasets.map(d => d.label)");
            Assert.Contains("Сообщение", legend);
            Assert.DoesNotContain("message", legend);
            await Expect(Page.GetByTestId("report-unanswered")).ToContainTextAsync("Почта · Сообщение");
        }
        finally
        {
            // The language is kept per account: give the shared admin English back.
            await Page.SelectOptionAsync("[data-testid=language]", "en");
            await Page.ClickAsync("form[action='console/language'] button");
        }
    }

    [Fact]
    public async Task Agent_MayNotOpenReports()
    {
        await SignInAndWaitAsync(ConsoleHostFixture.SupportAgent);
        await Page.GotoAsync("/console/reports");

        // Refused before the page renders: the console's access-denied address, no figures.
        await Expect(Page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/console/denied"));
        await Expect(Page.GetByTestId("chart-source")).ToHaveCountAsync(0);
        await Expect(Page.GetByTestId("report-totals")).ToHaveCountAsync(0);
    }

    /// <summary>Whether any pixel of the canvas was painted (Chart.js drew something, not just an empty element).</summary>
    private Task<bool> HasInkAsync(string testId) => Page.EvaluateAsync<bool>(
        """
        id => {
          const canvas = document.querySelector(`[data-testid="${id}"]`);
          const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
          for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] !== 0) return true; }
          return false;
        }
        """, testId);

    private async Task AppendAsync(params InterestRecord[] records)
    {
        var log = Host.Services.GetRequiredService<InterestLog>();
        foreach (var record in records)
        {
            await log.AppendAsync(record);
        }
    }

    private static InterestRecord Record(DateTimeOffset date, string source, string text, bool processed)
    {
        var conversation = $"{source}:reports-{Guid.NewGuid():N}";
        return new InterestRecord
        {
            Id = InterestLog.RecordId("in", conversation, Guid.NewGuid().ToString("N")),
            Date = date,
            SourceType = source,
            Author = new InterestAuthor("customer-1", "Ulla", null, null),
            Action = "message",
            Direction = "in",
            Text = text,
            ConversationId = conversation,
            Responsible = processed ? "bot" : "queue",
            Processed = processed,
        };
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SupportBot.FunctionalTests.Infrastructure;
using static SupportBot.FunctionalTests.Infrastructure.TestCancellation;

namespace SupportBot.FunctionalTests.Storage;

/// <summary>The host as a newcomer runs it (embedded Garnet) and as production runs it (Redis), killed and restarted.</summary>
public sealed class StorageTests
{
    [Fact]
    public async Task EmbeddedGarnet_HostKilledWithSigkill_ConversationAndStateSurviveRestart()
    {
        var (workDir, environment) = EmbeddedHost("sb-crash-");

        StartedConversation conversation;
        var first = BotProcess.Start(workDir, environment);
        await using (first)
        {
            await first.WaitUntilReadyAsync(cancellationToken: Ct);
            var chat = new DirectLineTestClient(new HttpClient { BaseAddress = first.BaseAddress });
            conversation = await chat.StartAsync();
            await chat.SendAsync(conversation, "Which payment methods do you accept?");
            await chat.WaitForBotMessagesAsync(conversation, 2);
            await first.KillAsync();
        }

        var second = BotProcess.Start(workDir, environment, first.Port);
        await using (second)
        {
            await second.WaitUntilReadyAsync(cancellationToken: Ct);
            var chat = new DirectLineTestClient(new HttpClient { BaseAddress = second.BaseAddress });

            // The transcript is back, and the same token still opens it.
            var before = await chat.GetActivitiesAsync(conversation);
            Assert.Equal(3, before["activities"]!.AsArray().Count);

            // The bot remembers it already greeted: the next answer comes without a second greeting.
            await chat.SendAsync(conversation, "How much is shipping?");
            // Killed between delivering its reply and letting go, the first host still held the conversation's lease:
            // the answer then comes once that lease (Pipeline:LeaseSeconds, 30 s) has run out.
            var replies = await chat.WaitForBotMessagesAsync(conversation, 3, TimeSpan.FromSeconds(45));
            Assert.Contains("free from €50", replies[2]["text"]!.GetValue<string>());
            await Task.Delay(300, Ct);
            Assert.Equal(3, DirectLineTestClient.BotMessages(await chat.GetActivitiesAsync(conversation)).Count);

            // The interest record written before the crash is still listed.
            var api = new HttpClient { BaseAddress = second.BaseAddress };
            api.DefaultRequestHeaders.Add("X-Api-Key", BotFactory.ApiKey);
            var records = (await api.GetFromJsonAsync<JsonObject>("/api/interests?source=webchat&pageSize=100", Ct))!["items"]!.AsArray();
            Assert.Contains(records, r => r!["text"]?.GetValue<string>() == "Which payment methods do you accept?");
        }

        Directory.Delete(workDir, recursive: true);
    }

    [Fact]
    public async Task EmbeddedGarnet_SigtermWhileBusy_ExitsCleanlyAndNothingIsLost()
    {
        var (workDir, environment) = EmbeddedHost("sb-sigterm-");

        StartedConversation conversation;
        var first = BotProcess.Start(workDir, environment);
        await using (first)
        {
            await first.WaitUntilReadyAsync(cancellationToken: Ct);
            var chat = new DirectLineTestClient(new HttpClient { BaseAddress = first.BaseAddress });
            conversation = await chat.StartAsync();
            await Task.WhenAll(Enumerable.Range(0, 20).Select(i => chat.SendAsync(conversation, $"How much is shipping? #{i}")));
            first.Terminate();

            Assert.Equal(0, await first.WaitForExitAsync(TimeSpan.FromSeconds(40)));
            Assert.DoesNotContain("fail:", first.StandardOutput);
        }

        // Whatever was not answered before the stop is answered after the restart: 20 answers plus the greeting.
        var second = BotProcess.Start(workDir, environment, first.Port);
        await using (second)
        {
            await second.WaitUntilReadyAsync(cancellationToken: Ct);
            var chat = new DirectLineTestClient(new HttpClient { BaseAddress = second.BaseAddress });
            var replies = await chat.WaitForBotMessagesAsync(conversation, 21, TimeSpan.FromSeconds(30));
            await Task.Delay(300, Ct);
            Assert.Equal(21, DirectLineTestClient.BotMessages(await chat.GetActivitiesAsync(conversation)).Count);
            Assert.Equal(20, replies.Count(r => r["text"]!.GetValue<string>().Contains("free from €50")));
        }

        Directory.Delete(workDir, recursive: true);
    }

    [Fact]
    public async Task Startup_RedisUnreachable_StopsWithOneReadableLineNamingTheSetting()
    {
        var workDir = Directory.CreateTempSubdirectory("sb-noredis-").FullName;
        var closedPort = RedisServerFixture.FreePort();
        await using var bot = BotProcess.Start(workDir, new Dictionary<string, string>
        {
            ["Redis__Connection"] = $"127.0.0.1:{closedPort}",
            ["Redis__ConnectTimeoutSeconds"] = "1",
        });

        var exitCode = await bot.WaitForExitAsync(TimeSpan.FromSeconds(120));

        Assert.Equal(1, exitCode);
        var errorLines = bot.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var line = Assert.Single(errorLines);
        Assert.Contains("Redis:Connection", line);
        Assert.Contains($"127.0.0.1:{closedPort}", line);
        Assert.DoesNotContain("   at ", bot.StandardOutput + bot.StandardError);
        Directory.Delete(workDir, recursive: true);
    }

    /// <summary>A working folder and the settings of a host on embedded Garnet, as a newcomer runs it (plus test keys).</summary>
    private static (string WorkDir, Dictionary<string, string> Environment) EmbeddedHost(string prefix)
    {
        var workDir = Directory.CreateTempSubdirectory(prefix).FullName;
        return (workDir, new Dictionary<string, string>
        {
            ["Redis__Connection"] = "",
            ["Storage__DataDir"] = Path.Combine(workDir, "data"),
            ["Channels__WebChat__Secret"] = BotFactory.DirectLineSecret,
            ["Api__Keys__0"] = BotFactory.ApiKey,
        });
    }

    [Fact]
    public async Task RedisRestart_ReadyzGoesRedThenGreen_AndChatContinues()
    {
        await using var redis = new RedisServerFixture();
        await redis.InitializeAsync();
        await using var host = new BotFactory(redis.ConnectionString);
        var http = host.CreateClient();
        var chat = new DirectLineTestClient(http);
        var conversation = await chat.StartAsync();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/readyz", Ct)).StatusCode);

        await redis.KillAsync();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync("/readyz", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz", Ct)).StatusCode);
        // A message posted meanwhile gets 503 with Retry-After (Web Chat and Telegram then retry), not a 500.
        var refused = await chat.PostActivityAsync(conversation, DirectLineTestClient.Message("Hello?"));
        await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.ServiceUnavailable);
        Assert.NotNull(refused.Headers.RetryAfter);

        await redis.StartAsync(); // same port, same append-only file
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await http.GetAsync("/readyz", Ct)).StatusCode != HttpStatusCode.OK && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200, Ct);
        }

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/readyz", Ct)).StatusCode);
        await chat.SendAsync(conversation, "Where is my order?");
        var replies = await chat.WaitForBotMessagesAsync(conversation, 2, TimeSpan.FromSeconds(30));
        Assert.Contains("tracking link", replies[^1]["text"]!.GetValue<string>());
    }

    [Fact]
    public async Task RedisDown_AnAgentOpeningTheConsole_GetsAPageThatSaysSoAndReloadsItself()
    {
        await using var redis = new RedisServerFixture();
        await redis.InitializeAsync();
        await using var host = new BotFactory(redis.ConnectionString);
        var browser = host.CreateClient();
        browser.DefaultRequestHeaders.Accept.ParseAdd("text/html,application/xhtml+xml,*/*;q=0.8");
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/console/login", Ct)).StatusCode);

        await redis.KillAsync();
        try
        {
            var page = await browser.GetAsync("/console/login", Ct);
            Assert.True(page.StatusCode == HttpStatusCode.ServiceUnavailable, await page.Content.ReadAsStringAsync(Ct));
            Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
            Assert.NotNull(page.Headers.RetryAfter);
            var html = await page.Content.ReadAsStringAsync(Ct);
            Assert.Contains("it may be restarting", html, StringComparison.Ordinal);
            Assert.Contains("<meta http-equiv=\"refresh\"", html, StringComparison.Ordinal);

            // In the agent's language, from the console's language cookie.
            using var russian = new HttpRequestMessage(HttpMethod.Get, "/console");
            russian.Headers.Add("Cookie", $"{SupportBot.AgentConsole.ConsoleSetup.CultureCookie}=c%3Dru%7Cuic%3Dru");
            Assert.Contains("перезапускается", await (await browser.SendAsync(russian, Ct)).Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);

            // API clients still get the problem details they can read.
            var api = host.CreateClient();
            api.DefaultRequestHeaders.Add("X-Api-Key", BotFactory.ApiKey);
            await ProblemAssert.IsProblemAsync(await api.GetAsync("/api/interests", Ct), HttpStatusCode.ServiceUnavailable);
        }
        finally
        {
            await redis.StartAsync();
        }

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await browser.GetAsync("/console/login", Ct)).StatusCode != HttpStatusCode.OK && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200, Ct);
        }

        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/console/login", Ct)).StatusCode);
    }
}

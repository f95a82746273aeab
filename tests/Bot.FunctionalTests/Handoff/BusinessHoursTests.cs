using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SupportBot.FunctionalTests.Infrastructure;
using static SupportBot.FunctionalTests.Infrastructure.AgentTestClient;
using static SupportBot.FunctionalTests.Infrastructure.TestCancellation;

namespace SupportBot.FunctionalTests.Handoff;

/// <summary>
/// Both departments are closed now: their only hours are a range that starts three hours from now
/// (UTC). English customers go to "support", which queues for the opening; German ones to
/// "vertrieb", which keeps an offline request instead.
/// </summary>
public sealed class ClosedHostFixture : IAsyncLifetime
{
    public RedisServerFixture Store { get; } = new();

    public BotFactory Factory { get; private set; } = null!;

    public static string OpensAt { get; } = DateTime.UtcNow.AddHours(3).ToString("HH:00", CultureInfo.InvariantCulture);

    public async ValueTask InitializeAsync()
    {
        await Store.InitializeAsync();
        var closes = DateTime.UtcNow.AddHours(4).ToString("HH:00", CultureInfo.InvariantCulture);
        Factory = new BotFactory(Store.ConnectionString, new Dictionary<string, string?>
        {
            ["Handoff:Departments:0:Name"] = "support",
            ["Handoff:Departments:0:Languages:0"] = "en",
            ["Handoff:Departments:0:Hours:Daily"] = $"{OpensAt}-{closes}",
            ["Handoff:Departments:1:Name"] = "vertrieb",
            ["Handoff:Departments:1:Languages:0"] = "de",
            ["Handoff:Departments:1:Hours:Daily"] = $"{OpensAt}-{closes}",
            ["Handoff:Departments:1:AfterHours"] = "OfflineRequest",
        });
        _ = Factory.Server;
    }

    public async ValueTask DisposeAsync()
    {
        await Factory.DisposeAsync();
        await Store.DisposeAsync();
    }
}

public sealed class BusinessHoursTests(ClosedHostFixture host) : IClassFixture<ClosedHostFixture>
{
    private readonly DirectLineTestClient _customer = new(host.Factory.CreateClient());

    [Fact]
    public async Task AfterHours_TheChatWaitsForTheOpening_AndTheBotKeepsAnswering()
    {
        var agent = new AgentTestClient(host.Factory, "night-owl");
        await agent.OnlineAsync(); // online, but the department is closed: nobody is offered the chat
        var chat = await _customer.StartAsync();

        await _customer.SendAsync(chat, "I want a human");
        var replies = await _customer.WaitForBotMessagesAsync(chat, 2);
        var notice = replies[1]["text"]!.GetValue<string>();
        Assert.Contains("not at work right now", notice, StringComparison.Ordinal);
        Assert.Contains(ClosedHostFixture.OpensAt, notice, StringComparison.Ordinal);
        Assert.DoesNotContain(replies, r => r["text"]!.GetValue<string>().Contains("passing you to a person", StringComparison.Ordinal));

        var queue = await agent.GetAsync("/api/handoff/queue");
        var waiting = queue["items"]!.AsArray().Single(i => i!["conversationId"]!.GetValue<string>() == ConversationOf(chat))!;
        Assert.True(waiting["afterHours"]!.GetValue<bool>());

        await _customer.SendAsync(chat, "How long does delivery take?");
        var answer = await _customer.WaitForBotMessagesAsync(chat, 3);
        Assert.Contains("working days", answer[2]["text"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);
        await Task.Delay(1500, Ct); // a monitor round passes: still nobody offered
        Assert.Equal("queued", Status(await agent.DetailsAsync(ConversationOf(chat))));
        await agent.SetPresenceAsync("offline");
    }

    [Fact]
    public async Task AfterHours_InAnOfflineRequestDepartment_TheRequestIsKeptAsAnOpenInterestRecord()
    {
        var chat = await _customer.StartAsync("de-DE");

        await _customer.SendAsync(chat, "Ich möchte mit einem Mitarbeiter sprechen");
        var replies = await _customer.WaitForBotMessagesAsync(chat, 2);
        Assert.Contains("nicht im Dienst", replies[^1]["text"]!.GetValue<string>(), StringComparison.Ordinal);

        var api = host.Factory.CreateClient();
        api.DefaultRequestHeaders.Add("X-Api-Key", BotFactory.ApiKey);
        var records = (await api.GetFromJsonAsync<JsonObject>("/api/interests?action=request&pageSize=500", Ct))!["items"]!.AsArray();
        var request = records.Single(r => r!["conversationId"]!.GetValue<string>() == ConversationOf(chat))!;
        Assert.False(request["processed"]!.GetValue<bool>());
        Assert.StartsWith("offline-handoff", request["text"]!.GetValue<string>(), StringComparison.Ordinal);
        var queue = (await api.GetFromJsonAsync<JsonObject>("/api/handoff/queue", Ct))!;
        Assert.DoesNotContain(queue["items"]!.AsArray(), i => i!["conversationId"]!.GetValue<string>() == ConversationOf(chat));
    }
}

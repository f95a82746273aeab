using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SupportBot.FunctionalTests.Channels.Telegram;
using SupportBot.FunctionalTests.Customers;
using SupportBot.FunctionalTests.Infrastructure;
using static SupportBot.FunctionalTests.Infrastructure.TestCancellation;

namespace SupportBot.FunctionalTests.FollowUps;

/// <summary>Two host instances on one real Redis, both looking for due follow-ups every 100 ms.</summary>
public sealed class FollowUpTwoHostsFixture : IAsyncLifetime
{
    public RedisServerFixture Store { get; } = new();

    public CountingNotifier Notifier { get; } = new();

    public BotFactory HostA { get; private set; } = null!;

    public BotFactory HostB { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        await Store.InitializeAsync();
        HostA = CustomersHostFixture<RedisServerFixture>.CreateHost(Store.ConnectionString, new RecordingSender(), Notifier);
        HostB = CustomersHostFixture<RedisServerFixture>.CreateHost(Store.ConnectionString, new RecordingSender(), Notifier);
        _ = HostA.Server;
        _ = HostB.Server;
    }

    public async ValueTask DisposeAsync()
    {
        await HostA.DisposeAsync();
        await HostB.DisposeAsync();
        await Store.DisposeAsync();
    }
}

public sealed class FollowUpTwoHostsTests(FollowUpTwoHostsFixture hosts) : IClassFixture<FollowUpTwoHostsFixture>
{
    [Fact]
    public async Task SetOnHostA_AgentOnHostB_EachReminderArrivesExactlyOnce()
    {
        var (chat, conversation) = await CustomerTalk.StartChatAsync(hosts.HostA);
        await CustomerTalk.SayAsync(chat, conversation, "Hello there");
        var api = hosts.HostA.CreateClient();
        api.DefaultRequestHeaders.Add("X-Api-Key", BotFactory.ApiKey);
        api.DefaultRequestHeaders.Add("X-Agent-Id", "olga");
        var customerId = (await CustomerTalk.CustomerOfAsync(api, "webchat:" + conversation.ConversationId))["id"]!.GetValue<string>();
        await using var listener = await ReminderListener.ConnectAsync(hosts.HostB, "olga");

        var due = (DateTimeOffset.UtcNow + TimeSpan.FromSeconds(1.5)).ToString("O");
        var ids = new HashSet<string>();
        for (var i = 0; i < 10; i++)
        {
            var response = await api.PostAsJsonAsync("/api/followups", new { customerId, dueAt = due, text = $"Reminder {i}" }, Ct);
            response.EnsureSuccessStatusCode();
            ids.Add((await response.Content.ReadFromJsonAsync<JsonObject>(Ct))!["id"]!.GetValue<string>());
        }

        var received = new List<string>();
        while (await listener.NextAsync(received.Count < ids.Count ? TimeSpan.FromSeconds(10) : TimeSpan.FromSeconds(1)) is { } reminder)
        {
            received.Add(reminder["id"]!.GetValue<string>());
        }

        Assert.Equal(ids.Order(), received.Order());
        // The notifiers are called after the live reminder is published: the last call can come after it arrived.
        await Eventually.TrueAsync(() => hosts.Notifier.Calls.Count >= ids.Count, "the notifier called for each");
        Assert.Equal(ids.Order(), hosts.Notifier.Calls.Select(c => c.Reminder.Id).Order());
    }
}

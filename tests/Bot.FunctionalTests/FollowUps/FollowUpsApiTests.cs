using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using SupportBot.FunctionalTests.Channels.Telegram;
using SupportBot.FunctionalTests.Customers;
using SupportBot.FunctionalTests.Infrastructure;
using static SupportBot.FunctionalTests.Customers.CustomerTalk;
using static SupportBot.FunctionalTests.Infrastructure.TestCancellation;

namespace SupportBot.FunctionalTests.FollowUps;

public sealed class FollowUpsApiOnRedisTests(CustomersHostFixture<RedisServerFixture> host)
    : FollowUpsApiTests<RedisServerFixture>(host), IClassFixture<CustomersHostFixture<RedisServerFixture>>;

public sealed class FollowUpsApiOnGarnetTests(CustomersHostFixture<GarnetFixture> host)
    : FollowUpsApiTests<GarnetFixture>(host), IClassFixture<CustomersHostFixture<GarnetFixture>>;

/// <summary>An agent sets follow-ups and is reminded once, live, when one is due.</summary>
public abstract class FollowUpsApiTests<TStore>(CustomersHostFixture<TStore> host) where TStore : IStore, IAsyncLifetime, new()
{
    protected async Task<string> CustomerAsync()
    {
        var (chat, conversation) = await StartChatAsync(host.Factory);
        await SayAsync(chat, conversation, "Hello there");
        return (await CustomerOfAsync(host.Api("olga"), "webchat:" + conversation.ConversationId))["id"]!.GetValue<string>();
    }

    private static async Task<JsonObject> JsonAsync(HttpResponseMessage response)
    {
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(Ct)}");
        return (await response.Content.ReadFromJsonAsync<JsonObject>(Ct))!;
    }

    private static string Due(TimeSpan ahead) => (DateTimeOffset.UtcNow + ahead).ToString("O");

    [Fact]
    public async Task DueFollowUp_AgentGetsExactlyOneLiveReminder_ThenMarksItDone()
    {
        var agentId = "agent" + Guid.NewGuid().ToString("N")[..6];
        var customerId = await CustomerAsync();
        await using var listener = await ReminderListener.ConnectAsync(host.Factory, agentId);
        await using var other = await ReminderListener.ConnectAsync(host.Factory, agentId + "x");

        var created = await JsonAsync(await host.Api(agentId).PostAsJsonAsync("/api/followups", new { customerId, dueAt = Due(TimeSpan.FromSeconds(3)), text = "Call Alice about the kettle" }, Ct));
        var id = created["id"]!.GetValue<string>();
        Assert.Null((await listener.NextAsync(TimeSpan.FromMilliseconds(500)))); // not due yet

        var reminder = (await listener.NextAsync(TimeSpan.FromSeconds(10)))!;
        Assert.Equal(id, reminder["id"]!.GetValue<string>());
        Assert.Equal("Call Alice about the kettle", reminder["text"]!.GetValue<string>());
        Assert.Equal(customerId, reminder["customerId"]!.GetValue<string>());
        Assert.Equal(created["dueAt"]!.GetValue<DateTimeOffset>(), reminder["dueAt"]!.GetValue<DateTimeOffset>());
        Assert.Null(await listener.NextAsync(TimeSpan.FromSeconds(1))); // once
        Assert.Null(await other.NextAsync(TimeSpan.Zero)); // and only to its agent
        // The notifiers are called after the live reminder is published: it can reach the agent first.
        await Eventually.TrueAsync(() => host.Notifier.Calls.Any(c => c.Reminder.Id == id), "the notifier called");

        var open = await JsonAsync(await host.Api(agentId).GetAsync("/api/followups/mine", Ct));
        Assert.NotNull(Assert.Single(open["items"]!.AsArray())!["remindedAt"]);
        (await host.Api(agentId).PostAsync($"/api/followups/{id}/done", null, Ct)).EnsureSuccessStatusCode();
        Assert.Empty((await JsonAsync(await host.Api(agentId).GetAsync("/api/followups/mine?status=open", Ct)))["items"]!.AsArray());
        Assert.Equal(id, Assert.Single((await JsonAsync(await host.Api(agentId).GetAsync("/api/followups/mine?status=done", Ct)))["items"]!.AsArray())!["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task DueTimeTypedInMoscow_IsKeptInItsOwnOffset_WhenReadBack()
    {
        var customerId = await CustomerAsync();
        var moscow = TimeSpan.FromHours(3);
        var dueAt = new DateTimeOffset(DateTimeOffset.UtcNow.ToOffset(moscow).Date.AddDays(1).AddHours(10), moscow); // tomorrow at ten in Moscow
        var agentId = "msk-" + Guid.NewGuid().ToString("N")[..8];
        var created = await JsonAsync(await host.Api(agentId).PostAsJsonAsync("/api/followups", new { customerId, dueAt = dueAt.ToString("O"), text = "Call back at ten" }, Ct));
        Assert.EndsWith("T10:00:00+03:00", created["dueAt"]!.GetValue<string>(), StringComparison.Ordinal);

        var mine = await JsonAsync(await host.Api(agentId).GetAsync("/api/followups/mine", Ct));
        var read = Assert.Single(mine["items"]!.AsArray(), i => i!["id"]!.GetValue<string>() == created["id"]!.GetValue<string>())!;
        Assert.Equal(created["dueAt"]!.GetValue<string>(), read["dueAt"]!.GetValue<string>());
        Assert.Equal(dueAt, read["dueAt"]!.GetValue<DateTimeOffset>());
    }

    [Fact]
    public async Task FollowUpOnARecord_OnlyOwnerDeletes()
    {
        var customerId = await CustomerAsync();
        var records = await JsonAsync(await host.Api("olga").GetAsync($"/api/customers/{customerId}/records", Ct));
        var recordId = records["items"]![0]!["id"]!.GetValue<string>();
        var created = await JsonAsync(await host.Api("olga").PostAsJsonAsync("/api/followups", new { recordId, dueAt = Due(TimeSpan.FromDays(2)), text = "Check the refund" }, Ct));
        var id = created["id"]!.GetValue<string>();
        Assert.Equal(recordId, created["recordId"]!.GetValue<string>());

        await ProblemAssert.IsProblemAsync(await host.Api("ivan").DeleteAsync($"/api/followups/{id}", Ct), HttpStatusCode.Forbidden);
        await ProblemAssert.IsProblemAsync(await host.Api("ivan").PostAsync($"/api/followups/{id}/done", null, Ct), HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.NoContent, (await host.Api("olga").DeleteAsync($"/api/followups/{id}", Ct)).StatusCode);
        await ProblemAssert.IsProblemAsync(await host.Api("olga").DeleteAsync($"/api/followups/{id}", Ct), HttpStatusCode.NotFound);
    }

    public static TheoryData<string, string> BadFollowUps => new()
    {
        { """{"dueAt":"2099-01-01T00:00:00Z","text":"x"}""", "customerId" },
        { """{"customerId":"00000000000000ff","recordId":"r","dueAt":"2099-01-01T00:00:00Z","text":"x"}""", "customerId" },
        { """{"customerId":"CUSTOMER","dueAt":"tomorrow","text":"x"}""", "dueAt" },
        { """{"customerId":"CUSTOMER","dueAt":"2020-01-01T00:00:00Z","text":"x"}""", "dueAt" },
        { """{"customerId":"CUSTOMER","dueAt":"2099-01-01T00:00:00Z","text":"x"}""", "dueAt" },
        { """{"customerId":"CUSTOMER","dueAt":"TOMORROW","text":""}""", "text" },
        { """{"customerId":"CUSTOMER","dueAt":"TOMORROW","text":"LONG"}""", "text" },
        { """{"customerId":"CUSTOMER","dueAt":"TOMORROW","text":7}""", "text" },
        { """{"customerId":5,"dueAt":"TOMORROW","text":"x"}""", "customerId" },
    };

    [Theory]
    [MemberData(nameof(BadFollowUps))]
    public async Task BadFollowUp_400NamingTheField(string body, string field)
    {
        var customerId = await CustomerAsync();
        body = body.Replace("CUSTOMER", customerId, StringComparison.Ordinal).Replace("TOMORROW", Due(TimeSpan.FromDays(1)), StringComparison.Ordinal)
            .Replace("LONG", new string('x', 501), StringComparison.Ordinal);
        var response = await host.Api("olga").PostAsync("/api/followups", new StringContent(body, System.Text.Encoding.UTF8, "application/json"), Ct);
        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains(field, problem["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task Unauthenticated401_Unknown404_Oversized413_BadStatus400()
    {
        var anonymous = host.Factory.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/followups/mine", Ct)).StatusCode);
        await ProblemAssert.IsProblemAsync(
            await host.Api("olga").PostAsJsonAsync("/api/followups", new { customerId = "00000000000000ff", dueAt = Due(TimeSpan.FromDays(1)), text = "x" }, Ct), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblemAsync(
            await host.Api("olga").PostAsJsonAsync("/api/followups", new { recordId = "in-nothing", dueAt = Due(TimeSpan.FromDays(1)), text = "x" }, Ct), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblemAsync(await host.Api("olga").PostAsync("/api/followups/00000000000000ff/done", null, Ct), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblemAsync(
            await host.Api("olga").PostAsJsonAsync("/api/followups", new { customerId = "x", dueAt = "x", text = new string('x', 10_000) }, Ct), HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("status", (await ProblemAssert.IsProblemAsync(await host.Api("olga").GetAsync("/api/followups/mine?status=later", Ct), HttpStatusCode.BadRequest))["detail"]!.GetValue<string>());
        Assert.Contains("X-Agent-Id", (await ProblemAssert.IsProblemAsync(await host.Api(null).GetAsync("/api/followups/mine", Ct), HttpStatusCode.BadRequest))["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task LinkTelegram_StoredForTheNotifier()
    {
        var agentId = "tg" + Guid.NewGuid().ToString("N")[..6];
        Assert.Equal("123456789", (await JsonAsync(await host.Api(agentId).PutAsJsonAsync("/api/followups/telegram", new { chatId = 123456789 }, Ct)))["chatId"]!.GetValue<string>());
        Assert.Equal("123456789", (await JsonAsync(await host.Api(agentId).GetAsync("/api/followups/telegram", Ct)))["chatId"]!.GetValue<string>());
        var problem = await ProblemAssert.IsProblemAsync(await host.Api(agentId).PutAsJsonAsync("/api/followups/telegram", new { chatId = "abc" }, Ct), HttpStatusCode.BadRequest);
        Assert.Contains("chatId", problem["detail"]!.GetValue<string>());

        var customerId = await CustomerAsync();
        var created = await JsonAsync(await host.Api(agentId).PostAsJsonAsync("/api/followups", new { customerId, dueAt = Due(TimeSpan.FromSeconds(0.5)), text = "Ping" }, Ct));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!host.Notifier.Calls.Any(c => c.Reminder.Id == created["id"]!.GetValue<string>()))
        {
            Assert.True(DateTime.UtcNow < deadline, "The notifier was never called.");
            await Task.Delay(50, Ct);
        }

        Assert.Equal("123456789", host.Notifier.Calls.Single(c => c.Reminder.Id == created["id"]!.GetValue<string>()).Settings.LinkedTelegram);
    }

    [Fact]
    public async Task TelegramStartLink_NoBotConfigured_409SayingSo_WithoutKey401_WithoutAgent400()
    {
        var problem = await ProblemAssert.IsProblemAsync(await host.Api("olga").PostAsync("/api/followups/telegram/link", null, Ct), HttpStatusCode.Conflict);
        Assert.Contains("Channels:Telegram:Bots", problem["detail"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.Factory.CreateClient().PostAsync("/api/followups/telegram/link", null, Ct)).StatusCode);
        await ProblemAssert.IsProblemAsync(await host.Api(null).PostAsync("/api/followups/telegram/link", null, Ct), HttpStatusCode.BadRequest);
    }
}

/// <summary>An agent's live connection to the hub, listening for <c>reminder</c>.</summary>
public sealed class ReminderListener : IAsyncDisposable
{
    private readonly Channel<JsonObject> _reminders = Channel.CreateUnbounded<JsonObject>();
    private HubConnection _hub = null!;

    public static async Task<ReminderListener> ConnectAsync(BotFactory host, string agentId)
    {
        var listener = new ReminderListener();
        var server = host.Server;
        listener._hub = new HubConnectionBuilder()
            .WithUrl(new Uri(server.BaseAddress, "/hubs/handoff"), options =>
            {
                options.HttpMessageHandlerFactory = _ => server.CreateHandler();
                options.Transports = HttpTransportType.LongPolling;
                options.Headers["X-Api-Key"] = BotFactory.ApiKey;
                options.Headers["X-Agent-Id"] = agentId;
            })
            .Build();
        listener._hub.On<JsonElement>("reminder", r => listener._reminders.Writer.TryWrite(JsonNode.Parse(r.GetRawText())!.AsObject()));
        await listener._hub.StartAsync(Ct);
        return listener;
    }

    /// <summary>The next reminder, or null when none comes within the time.</summary>
    public async Task<JsonObject?> NextAsync(TimeSpan within)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(within);
        try
        {
            return await _reminders.Reader.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!Ct.IsCancellationRequested)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync() => await _hub.DisposeAsync();
}

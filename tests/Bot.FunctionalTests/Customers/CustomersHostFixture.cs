using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using SupportBot.Channels;
using SupportBot.Contracts;
using SupportBot.FollowUps;
using SupportBot.FunctionalTests.Handoff;
using SupportBot.FunctionalTests.Infrastructure;
using SupportBot.Pipeline;
using SupportBot.Pipeline.Outbox;
using static SupportBot.FunctionalTests.Infrastructure.TestCancellation;

namespace SupportBot.FunctionalTests.Customers;

/// <summary>
/// A store and a host with a second channel: a Telegram stand-in whose inbound side is the real
/// pipeline ingress and whose outbound side records the replies. Agents claim chats; follow-ups
/// are checked every 100 ms.
/// </summary>
public sealed class CustomersHostFixture<TStore> : IAsyncLifetime where TStore : IStore, IAsyncLifetime, new()
{
    public TStore Store { get; } = new();

    public BotFactory Factory { get; private set; } = null!;

    public RecordingSender Telegram { get; } = new();

    public CountingNotifier Notifier { get; } = new();

    public async ValueTask InitializeAsync()
    {
        await Store.InitializeAsync();
        Factory = CreateHost(Store.ConnectionString, Telegram, Notifier);
        _ = Factory.Server;
    }

    public static BotFactory CreateHost(string connection, RecordingSender telegram, CountingNotifier notifier)
    {
        var settings = HandoffSettings.Claim;
        settings["FollowUps:CheckSeconds"] = "0.1";
        return new BotFactory(connection, settings, services =>
        {
            services.AddKeyedSingleton<IChannelSender>("telegram", telegram);
            services.AddSingleton<IAgentNotifier>(notifier);
        });
    }

    public HttpClient Api(string? agentId = "olga")
    {
        var api = Factory.CreateClient();
        api.DefaultRequestHeaders.Add("X-Api-Key", BotFactory.ApiKey);
        if (agentId is not null)
        {
            api.DefaultRequestHeaders.Add("X-Agent-Id", agentId);
        }

        return api;
    }

    public async ValueTask DisposeAsync()
    {
        await Factory.DisposeAsync();
        await Store.DisposeAsync();
    }
}

/// <summary>The outbound side of the Telegram stand-in: keeps every reply, per conversation.</summary>
public sealed class RecordingSender : IChannelSender
{
    private readonly ConcurrentDictionary<string, ConcurrentQueue<string>> _sent = new();

    public Task<ChannelSendResult> SendAsync(OutboxItem item, CancellationToken cancellationToken)
    {
        _sent.GetOrAdd(item.ConversationId, _ => new()).Enqueue(item.Message.Text);
        return Task.FromResult(new ChannelSendResult(Guid.NewGuid().ToString("N")));
    }

    public IReadOnlyList<string> SentTo(string conversationId) => _sent.TryGetValue(conversationId, out var queue) ? [.. queue] : [];
}

/// <summary>An <see cref="IAgentNotifier"/> that counts what it was given.</summary>
public sealed class CountingNotifier : IAgentNotifier
{
    public ConcurrentQueue<(ReminderNotice Reminder, FollowUpSettings Settings)> Calls { get; } = new();

    public Task NotifyAsync(ReminderNotice reminder, FollowUpSettings settings, CancellationToken cancellationToken)
    {
        Calls.Enqueue((reminder, settings));
        return Task.CompletedTask;
    }
}

/// <summary>One customer talking to the host on a channel, turn by turn.</summary>
public static class CustomerTalk
{
    /// <summary>A website chat, started, once the bot has greeted.</summary>
    public static async Task<(DirectLineTestClient Chat, StartedConversation Conversation)> StartChatAsync(BotFactory host)
    {
        var chat = new DirectLineTestClient(host.CreateClient());
        var conversation = await chat.StartAsync();
        await chat.WaitForBotMessagesAsync(conversation, 1);
        return (chat, conversation);
    }

    /// <summary>
    /// Says something on the website chat and returns the bot's answer (all its new messages, one per line), once
    /// one of them contains <paramref name="expect"/> (or, without it, once there is one).
    /// </summary>
    public static async Task<string> SayAsync(DirectLineTestClient chat, StartedConversation conversation, string text, string? expect = null)
    {
        var before = DirectLineTestClient.BotMessages(await chat.GetActivitiesAsync(conversation)).Count;
        await chat.SendAsync(conversation, text);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            var answer = string.Join("\n", DirectLineTestClient.BotMessages(await chat.GetActivitiesAsync(conversation)).Skip(before).Select(m => m["text"]?.GetValue<string>()));
            if (answer.Length > 0 && (expect is null || answer.Contains(expect, StringComparison.Ordinal)))
            {
                return answer;
            }

            Assert.True(DateTime.UtcNow < deadline, $"No answer containing '{expect}' to '{text}'; got: {answer}");
            await Task.Delay(50, Ct);
        }
    }

    /// <summary>Says something on the Telegram stand-in (through the real ingress) and returns the bot's answer, as <see cref="SayAsync"/>.</summary>
    public static async Task<string> SayOnTelegramAsync(BotFactory host, RecordingSender telegram, string userId, string text, string? expect = null)
    {
        var conversationId = "telegram:" + userId;
        var before = telegram.SentTo(conversationId).Count;
        await host.Services.GetRequiredService<PipelineIngress>().AcceptAsync(new ChannelActivity
        {
            Channel = "telegram",
            ConversationId = conversationId,
            EventId = Guid.NewGuid().ToString("N"),
            From = new ChannelUser(userId, "alice_t", "https://t.me/i/alice.jpg", "https://t.me/alice_t"),
            Text = text,
            Locale = "en",
        });
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            var answer = string.Join("\n", telegram.SentTo(conversationId).Skip(before));
            if (answer.Length > 0 && (expect is null || answer.Contains(expect, StringComparison.Ordinal)))
            {
                return answer;
            }

            Assert.True(DateTime.UtcNow < deadline, $"No Telegram answer containing '{expect}' to '{text}'; got: {answer}");
            await Task.Delay(50, Ct);
        }
    }

    public static async Task<JsonObject> CustomerOfAsync(HttpClient api, string conversationId)
    {
        var response = await api.GetAsync($"/api/customers/by-conversation/{conversationId}", Ct);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonObject>(Ct))!;
    }
}

using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using SupportBot.FunctionalTests.Infrastructure;
using SupportBot.Interests;

using static SupportBot.FunctionalTests.Infrastructure.TestCancellation;

namespace SupportBot.FunctionalTests.Channels.Telegram;

/// <summary>
/// A store, the Telegram Bot API stand-in, and the host with two bots on it: <c>shop</c> by webhook
/// and <c>dev</c> by long polling, both pointed at the stand-in through <c>ApiBaseUrl</c>.
/// </summary>
public sealed class TelegramHostFixture<TStore> : IAsyncLifetime where TStore : IStore, IAsyncLifetime, new()
{
    public const string ShopToken = "7000001:SHOP-token_abcdefghijklmnopqrstuvwxyz";
    public const string DevToken = "7000002:DEV-token_abcdefghijklmnopqrstuvwxyz";
    public const string Brand2Token = "7000003:BRAND2-token_abcdefghijklmnopqrstuvwxyz";
    public const string Secret = "webhook-secret_0123456789abcdef";

    private static int _nextUpdateId = Random.Shared.Next(100_000, 900_000) * 100;
    private static long _nextChatId = Random.Shared.Next(1_000_000, 2_000_000) * 1000L;

    public TStore Store { get; } = new();

    public TelegramApiStandIn Api { get; } = new();

    public BotFactory Factory { get; private set; } = null!;

    public static int NextUpdateId() => Interlocked.Increment(ref _nextUpdateId);

    public static long NextChatId() => Interlocked.Increment(ref _nextChatId);

    public async ValueTask InitializeAsync()
    {
        await Store.InitializeAsync();
        await Api.StartAsync();
        Factory = new BotFactory(Store.ConnectionString, new Dictionary<string, string?>
        {
            ["Outbox:FirstRetrySeconds"] = "0.05",
            ["Outbox:MaxAttempts"] = "3",
            ["Channels:Telegram:PollingTimeoutSeconds"] = "1",
            ["Channels:Telegram:AuthorWaitMilliseconds"] = "5000", // photos are asserted; the machine may be loaded
            ["Channels:Telegram:Bots:0:Name"] = "shop",
            ["Channels:Telegram:Bots:0:Token"] = ShopToken,
            ["Channels:Telegram:Bots:0:Mode"] = "webhook",
            ["Channels:Telegram:Bots:0:WebhookUrl"] = "https://bot.example.com/api/channels/telegram/shop",
            ["Channels:Telegram:Bots:0:WebhookSecret"] = Secret,
            ["Channels:Telegram:Bots:0:ApiBaseUrl"] = Api.BaseUrl,
            ["Channels:Telegram:Bots:1:Name"] = "dev",
            ["Channels:Telegram:Bots:1:Token"] = DevToken,
            ["Channels:Telegram:Bots:1:Mode"] = "polling",
            ["Channels:Telegram:Bots:1:ApiBaseUrl"] = Api.BaseUrl,
            ["Channels:Telegram:Bots:2:Name"] = "brand2",
            ["Channels:Telegram:Bots:2:Token"] = Brand2Token,
            ["Channels:Telegram:Bots:2:Mode"] = "webhook",
            ["Channels:Telegram:Bots:2:WebhookUrl"] = "https://bot.example.com/api/channels/telegram/brand2",
            ["Channels:Telegram:Bots:2:WebhookSecret"] = Secret + "-2",
            ["Channels:Telegram:Bots:2:ApiBaseUrl"] = Api.BaseUrl,
            ["Channels:Telegram:Bots:2:RecordGroupChatter"] = "true",
        });
        _ = Factory.Server;
    }

    public async ValueTask DisposeAsync()
    {
        await Factory.DisposeAsync();
        await Api.DisposeAsync();
        await Store.DisposeAsync();
    }

    /// <summary>Posts an update to the shop bot's webhook the way Telegram does.</summary>
    public async Task<HttpResponseMessage> PostUpdateAsync(JsonObject update, string? secret = Secret, string bot = "shop")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/channels/telegram/{bot}")
        {
            Content = new StringContent(update.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        if (secret is not null)
        {
            request.Headers.Add("X-Telegram-Bot-Api-Secret-Token", secret);
        }

        return await Factory.CreateClient().SendAsync(request, Ct);
    }

    public async Task<List<InterestRecord>> RecordsAsync(string conversationId)
    {
        var log = Factory.Services.GetRequiredService<InterestLog>();
        var page = await log.QueryAsync(new InterestQuery(new InterestFilter { Source = "telegram", Direction = null }, 1, 500));
        return [.. page.Items.Where(r => r.ConversationId == conversationId)];
    }
}

/// <summary>Update payloads shaped like the Bot API documentation's examples.</summary>
public static class Updates
{
    public static JsonObject User(long id, string language = "en") => new()
    {
        ["id"] = id,
        ["is_bot"] = false,
        ["first_name"] = "Test",
        ["last_name"] = "Lastname",
        ["username"] = "test_user" + id,
        ["language_code"] = language,
    };

    public static JsonObject PrivateChat(long id) => new() { ["id"] = id, ["first_name"] = "Test", ["last_name"] = "Lastname", ["username"] = "test_user" + id, ["type"] = "private" };

    public static JsonObject GroupChat(long id) => new() { ["id"] = id, ["title"] = "Northwind fans", ["username"] = "northwind_fans", ["type"] = "supergroup" };

    public static JsonObject Message(int updateId, long chatId, string? text, int messageId = 1365, Action<JsonObject>? shape = null)
    {
        var message = new JsonObject
        {
            ["message_id"] = messageId,
            ["from"] = User(chatId),
            ["chat"] = PrivateChat(chatId),
            ["date"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
        };
        if (text is not null)
        {
            message["text"] = text;
        }

        shape?.Invoke(message);
        return new JsonObject { ["update_id"] = updateId, ["message"] = message };
    }

    public static JsonObject Callback(int updateId, long chatId, int messageId, string data) => new()
    {
        ["update_id"] = updateId,
        ["callback_query"] = new JsonObject
        {
            ["id"] = "4382bfdwdsb323b2d9",
            ["from"] = User(chatId),
            ["message"] = new JsonObject
            {
                ["message_id"] = messageId,
                ["from"] = new JsonObject { ["id"] = 7000001, ["is_bot"] = true, ["first_name"] = "Northwind", ["username"] = TelegramApiStandIn.BotUsername },
                ["chat"] = PrivateChat(chatId),
                ["date"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
                ["text"] = "What can I help with?",
            },
            ["chat_instance"] = "-7016239586286466",
            ["data"] = data,
        },
    };
}

public static class Eventually
{
    /// <summary>Polls until the condition holds (the pipeline works in the background).</summary>
    public static async Task TrueAsync(Func<Task<bool>> condition, string what, double seconds = 15)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "Timed out waiting for: " + what);
            await Task.Delay(50, Ct);
        }
    }

    public static Task TrueAsync(Func<bool> condition, string what, double seconds = 15) =>
        TrueAsync(() => Task.FromResult(condition()), what, seconds);
}

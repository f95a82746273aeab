using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using SupportBot.FunctionalTests.Channels.Telegram;
using SupportBot.FunctionalTests.Channels.Vk;
using SupportBot.FunctionalTests.Infrastructure;

namespace SupportBot.FunctionalTests.Fuzz;

/// <param name="Name">How the endpoint is named in the test's rows.</param>
/// <param name="Path">The path of request <c>i</c> (some rotate over several conversations).</param>
/// <param name="Example">A valid body for request <c>i</c> (unique event ids where the channel deduplicates).</param>
/// <param name="Headers">Credentials and the acting agent of request <c>i</c>.</param>
public sealed record FuzzTarget(
    string Name, HttpMethod Method, Func<int, string> Path, Func<int, JsonObject> Example, Func<int, IReadOnlyDictionary<string, string>> Headers, int BodyLimit = 256 * 1024);

/// <summary>
/// The host the fuzz test shoots at, on its own Redis, with Telegram and VK stand-ins, no rate limits,
/// and the state the endpoints need to go deep: web chat conversations and their tokens, a chat an
/// agent holds, an interest record and two customers.
/// </summary>
public sealed class FuzzHostFixture : IAsyncLifetime
{
    public const string TelegramSecret = "fuzz-webhook-secret_0123456789";
    public const string VkSecret = "fuzz-vk-secret";
    public const long VkGroup = 5005;
    public const string Agent = "fuzz-agent";
    public const string IntakeKey = "fuzz-intake-site-key-0123456789";

    private readonly RedisServerFixture _store = new();
    private readonly List<StartedConversation> _chats = [];
    private readonly List<StartedConversation> _quietChats = [];
    private string _heldChat = "";
    private string _transferChat = "";
    private string _recordId = "";
    private string _customer = "";
    private string _otherCustomer = "";

    public TelegramApiStandIn Telegram { get; } = new();

    public VkApiStandIn Vk { get; private set; } = null!;

    public BotFactory Factory { get; private set; } = null!;

    /// <summary>What the host logged at Error or above: a failed turn or an unhandled request shows here even when the caller got an answer.</summary>
    public ScopedLogCapture Errors { get; } = new(Microsoft.Extensions.Logging.LogLevel.Error);

    public async ValueTask InitializeAsync()
    {
        await _store.InitializeAsync();
        await Telegram.StartAsync();
        Vk = await VkApiStandIn.StartAsync();
        Factory = new BotFactory(_store.ConnectionString, new Dictionary<string, string?>
        {
            ["RateLimits:DirectLinePerIpPerMinute"] = "0",
            ["RateLimits:DirectLinePerConversationPerMinute"] = "0",
            ["RateLimits:WebhookPerIpPerMinute"] = "0",
            ["Handoff:Assignment"] = "Claim",
            ["Outbox:FirstRetrySeconds"] = "0.05",
            ["Outbox:MaxAttempts"] = "2",
            ["Channels:Telegram:PerBotPerSecond"] = "1000",
            ["Channels:Telegram:Bots:0:Name"] = "fuzz",
            ["Channels:Telegram:Bots:0:Token"] = "7200001:FUZZ-token_abcdefghijklmnopqrstuvwxyz",
            ["Channels:Telegram:Bots:0:Mode"] = "webhook",
            ["Channels:Telegram:Bots:0:WebhookUrl"] = "https://bot.example.com/api/channels/telegram/fuzz",
            ["Channels:Telegram:Bots:0:WebhookSecret"] = TelegramSecret,
            ["Channels:Telegram:Bots:0:ApiBaseUrl"] = Telegram.BaseUrl,
            ["Channels:Vk:RequestsPerSecond"] = "1000",
            ["Channels:Vk:AuthorWaitMilliseconds"] = "0",
            ["Channels:Vk:Communities:0:Name"] = "fuzz",
            ["Channels:Vk:Communities:0:GroupId"] = VkGroup.ToString(CultureInfo.InvariantCulture),
            ["Channels:Vk:Communities:0:Token"] = "vk1.a.fuzz-token",
            ["Channels:Vk:Communities:0:ConfirmationCode"] = "fuzzconf",
            ["Channels:Vk:Communities:0:Secret"] = VkSecret,
            ["Channels:Vk:Communities:0:ApiBaseUrl"] = Vk.ApiBaseUrl,
            ["Intake:Sites:0:Name"] = "fuzz-shop",
            ["Intake:Sites:0:Key"] = IntakeKey,
            ["Intake:RequestsPerMinutePerIp"] = "100000",
        }, services => services.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(Errors));
        _ = Factory.Server;
        await PrepareStateAsync();
    }

    private async Task PrepareStateAsync()
    {
        var chat = new DirectLineTestClient(Factory.CreateClient());
        for (var i = 0; i < 16; i++)
        {
            _chats.Add(await chat.StartAsync());
            _quietChats.Add(await chat.StartAsync());
        }

        // Two chats an agent holds (one to write in, one to transfer away).
        await using var agent = new AgentTestClient(Factory, Agent);
        (await agent.SetPresenceAsync("away")).EnsureSuccessStatusCode();
        foreach (var conversation in _chats.Take(2))
        {
            await chat.SendAsync(conversation, "I want a human");
            await chat.WaitForBotMessagesAsync(conversation, 2);
            (await agent.Http.PostAsync($"/api/handoff/{AgentTestClient.ConversationOf(conversation)}/claim", null)).EnsureSuccessStatusCode();
        }

        _heldChat = AgentTestClient.ConversationOf(_chats[0]);
        _transferChat = AgentTestClient.ConversationOf(_chats[1]);
        var interests = await agent.Http.GetFromJsonAsync<JsonObject>("/api/interests?pageSize=1");
        _recordId = interests!["items"]![0]!["id"]!.GetValue<string>();
        _customer = await CustomerOfAsync(agent.Http, _chats[0]);
        _otherCustomer = await CustomerOfAsync(agent.Http, _chats[1]);
    }

    private static async Task<string> CustomerOfAsync(HttpClient api, StartedConversation conversation) =>
        (await api.GetFromJsonAsync<JsonObject>($"/api/customers/by-conversation/{AgentTestClient.ConversationOf(conversation)}"))!["id"]!.GetValue<string>();

    public async ValueTask DisposeAsync()
    {
        await Factory.DisposeAsync();
        await Vk.DisposeAsync();
        await Telegram.DisposeAsync();
        await _store.DisposeAsync();
    }

    /// <summary>Every public endpoint that takes a body (and the Direct Line read, which takes a query).</summary>
    public static readonly string[] Names =
    [
        "telegram-webhook", "vk-callback", "webchat-visitor-token", "directline-tokens-generate", "directline-tokens-refresh",
        "directline-conversations", "directline-activities-post", "directline-activities-get",
        "api-handoff-messages", "api-handoff-transfer", "api-agent-presence", "api-interest-processed", "api-interest-reply",
        "api-interest-assign", "api-customer-patch", "api-customer-note", "api-followup-create", "api-followup-telegram",
        "api-customer-merge", "intake-form",
    ];

    public FuzzTarget Target(string name)
    {
        var none = new Dictionary<string, string>();
        var api = new Dictionary<string, string> { ["X-Api-Key"] = BotFactory.ApiKey, ["X-Agent-Id"] = Agent };
        Dictionary<string, string> Bearer(string credential) => new() { ["Authorization"] = "Bearer " + credential };
        StartedConversation Chat(int i) => _chats[2 + (i % (_chats.Count - 2))];
        return name switch
        {
            "telegram-webhook" => new(name, HttpMethod.Post, _ => "/api/channels/telegram/fuzz",
                i => Updates.Message(TelegramHostFixture<RedisServerFixture>.NextUpdateId(), 3_000_000 + (i % 500), "How long does delivery take?"),
                _ => new Dictionary<string, string> { ["X-Telegram-Bot-Api-Secret-Token"] = TelegramSecret }),
            "vk-callback" => new(name, HttpMethod.Post, _ => "/api/channels/vk/fuzz", i => VkEvent(4_000_000 + (i % 500)), _ => none),
            "webchat-visitor-token" => new(name, HttpMethod.Post, _ => "/api/webchat/token", _ => new JsonObject { ["user"] = new JsonObject { ["id"] = "visitor" } }, _ => none),
            "directline-tokens-generate" => new(name, HttpMethod.Post, _ => "/v3/directline/tokens/generate",
                i => new JsonObject { ["user"] = new JsonObject { ["id"] = "user-" + i, ["name"] = "Visitor" }, ["trustedOrigins"] = new JsonArray("https://shop.example") },
                _ => Bearer(BotFactory.DirectLineSecret)),
            "directline-tokens-refresh" => new(name, HttpMethod.Post, _ => "/v3/directline/tokens/refresh", _ => new JsonObject { ["reason"] = "refresh" },
                i => Bearer(Chat(i).Token)),
            // With the conversation's own token (it exists: 200); every 50th with the secret starts a new one.
            "directline-conversations" => new(name, HttpMethod.Post, _ => "/v3/directline/conversations",
                _ => new JsonObject { ["user"] = new JsonObject { ["id"] = "visitor", ["name"] = "Visitor" }, ["locale"] = "en-US" },
                i => Bearer(i % 50 == 0 ? BotFactory.DirectLineSecret : Chat(i).Token)),
            "directline-activities-post" => new(name, HttpMethod.Post, i => $"/v3/directline/conversations/{Chat(i).ConversationId}/activities",
                i => new JsonObject
                {
                    ["type"] = "message",
                    ["text"] = "How long does delivery take?",
                    ["locale"] = "en-US",
                    ["from"] = new JsonObject { ["id"] = "visitor", ["name"] = "Visitor", ["role"] = "user" },
                    ["channelData"] = new JsonObject { ["clientActivityID"] = "fuzz-" + i, ["pageUrl"] = "https://shop.example/p/1" },
                    ["attachments"] = new JsonArray(new JsonObject { ["contentType"] = "image/png", ["contentUrl"] = "https://shop.example/a.png", ["name"] = "a.png" }),
                },
                i => Bearer(Chat(i).Token)),
            "directline-activities-get" => new(name, HttpMethod.Get, i => $"/v3/directline/conversations/{_quietChats[i % _quietChats.Count].ConversationId}/activities?watermark=",
                _ => new JsonObject { ["watermark"] = "1" }, i => Bearer(_quietChats[i % _quietChats.Count].Token)),
            "api-handoff-messages" => new(name, HttpMethod.Post, _ => $"/api/handoff/{_heldChat}/messages", _ => new JsonObject { ["text"] = "Thanks for waiting." }, _ => api),
            "api-handoff-transfer" => new(name, HttpMethod.Post, _ => $"/api/handoff/{_transferChat}/transfer",
                _ => new JsonObject { ["department"] = "support", ["note"] = "over to you" }, _ => api),
            "api-agent-presence" => new(name, HttpMethod.Put, _ => "/api/agents/fuzz-presence/presence",
                _ => new JsonObject { ["status"] = "away", ["capacity"] = 3, ["departments"] = new JsonArray("support"), ["name"] = "Fuzz Presence" },
                _ => new Dictionary<string, string> { ["X-Api-Key"] = BotFactory.ApiKey, ["X-Agent-Id"] = "fuzz-presence" }),
            "api-interest-processed" => new(name, HttpMethod.Post, _ => $"/api/interests/{Uri.EscapeDataString(_recordId)}/processed", _ => new JsonObject { ["note"] = "called back" }, _ => api),
            "api-interest-reply" => new(name, HttpMethod.Post, _ => $"/api/interests/{Uri.EscapeDataString(_recordId)}/reply", _ => new JsonObject { ["text"] = "Hello again" }, _ => api),
            "api-interest-assign" => new(name, HttpMethod.Post, _ => $"/api/interests/{Uri.EscapeDataString(_recordId)}/assign", _ => new JsonObject { ["agentId"] = Agent }, _ => api),
            "api-customer-patch" => new(name, HttpMethod.Patch, _ => $"/api/customers/{_customer}",
                _ => new JsonObject { ["status"] = "lead", ["stage"] = "qualified", ["tags"] = new JsonArray("vip", "fuzz"), ["name"] = "Fuzz Customer" }, _ => api),
            "api-customer-note" => new(name, HttpMethod.Post, _ => $"/api/customers/{_customer}/notes", _ => new JsonObject { ["text"] = "Prefers e-mail." }, _ => api),
            "api-followup-create" => new(name, HttpMethod.Post, _ => "/api/followups",
                _ => new JsonObject { ["customerId"] = _customer, ["dueAt"] = "2030-01-01T09:00:00Z", ["text"] = "Call back about the order" }, _ => api),
            "api-followup-telegram" => new(name, HttpMethod.Put, _ => "/api/followups/telegram", _ => new JsonObject { ["chatId"] = 123456789 }, _ => api),
            "api-customer-merge" => new(name, HttpMethod.Post, _ => $"/api/customers/{_customer}/merge", _ => new JsonObject { ["otherId"] = _otherCustomer }, _ => api),
            "intake-form" => new(name, HttpMethod.Post, _ => "/api/intake/form",
                i => new JsonObject
                {
                    ["action"] = "request", ["page"] = "https://shop.example/p/1", ["name"] = "Fuzz Visitor", ["email"] = $"visitor{i}@example.com",
                    ["phone"] = "+49 30 1234567", ["text"] = "Please call me back", ["product"] = "kettle-k2",
                }, _ => new Dictionary<string, string> { ["X-Api-Key"] = IntakeKey }, BodyLimit: 32 * 1024),
            _ => throw new ArgumentOutOfRangeException(nameof(name), name, "no such fuzz target"),
        };
    }

    private static JsonObject VkEvent(long user)
    {
        var body = VkHostFixture<RedisServerFixture>.Event(
            "message_new", VkChannelTests<RedisServerFixture>.Message(user, "How long does delivery take?"), VkHostFixture<RedisServerFixture>.NewEventId(), VkGroup);
        body["secret"] = VkSecret;
        return body;
    }
}

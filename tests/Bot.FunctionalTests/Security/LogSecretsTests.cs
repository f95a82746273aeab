using System.Collections.Concurrent;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Logs;
using OpenTelemetry.Trace;
using SupportBot.AgentConsole.Accounts;
using SupportBot.FunctionalTests.Channels.Telegram;
using SupportBot.FunctionalTests.Channels.Vk;
using SupportBot.FunctionalTests.Infrastructure;
using static SupportBot.FunctionalTests.Infrastructure.TestCancellation;

namespace SupportBot.FunctionalTests.Security;

/// <summary>
/// One whole run across every channel with known credentials — web chat (secret and tokens), a
/// Telegram bot and a VK community against their stand-ins, an LLM stand-in with an API key, the
/// console's sign-in, the agents' API and /metrics — with every log line captured: no credential at
/// any level, and no customer's or agent's text or customer's name above Debug. Traces and logs go to an OTLP
/// collector stand-in as a deployment would send them: no credential in what it receives either (a Bot API URL
/// carries the Telegram token in its path).
/// </summary>
public sealed class LogSecretsTests : IAsyncLifetime
{
    private const string TelegramToken = "7100001:LEAK-telegram-token-0123456789abcdefgh";
    private const string TelegramSecret = "leak-telegram-webhook-secret_0123456789";
    private const string VkToken = "vk1.a.leak-vk-community-token-0123456789abcdef";
    private const string VkSecret = "leak-vk-callback-secret-0123456789";
    private const string LlmKey = "sk-leak-llm-api-key-0123456789abcdef";
    private const string ApiKey = "leak-api-key-0123456789abcdef";
    private const string DirectLineSecret = "leak-directline-secret-0123456789abcdef";
    private const string MetricsKey = "leak-metrics-key-0123456789abcdef";
    private const string AgentPassword = "leak console password 0123456789";
    private const string AgentEmail = "leak.agent.9731@example.com";
    private const long VkGroup = 4004;

    private readonly RedisServerFixture _store = new();
    private readonly TelegramApiStandIn _telegram = new();
    private readonly ScopedLogCapture _logs = new();
    private readonly ConcurrentQueue<byte[]> _exported = new();
    private VkApiStandIn _vk = null!;
    private WebApplication _model = null!;
    private BotFactory _factory = null!;

    public async ValueTask InitializeAsync()
    {
        await _store.InitializeAsync();
        await _telegram.StartAsync();
        _vk = await VkApiStandIn.StartAsync();
        _model = await StartModelStandInAsync(_exported);
        _factory = new BotFactory(_store.ConnectionString, new Dictionary<string, string?>
        {
            // Everything of ours down to Trace; the shipped levels for the framework's own categories stay.
            ["Logging:LogLevel:Default"] = "Trace",
            ["Api:Keys:0"] = ApiKey,
            ["Channels:WebChat:Secret"] = DirectLineSecret,
            ["Metrics:Keys:0"] = MetricsKey,
            ["Handoff:Assignment"] = "Claim",
            ["Outbox:FirstRetrySeconds"] = "0.05",
            ["Channels:Telegram:Bots:0:Name"] = "leaks",
            ["Channels:Telegram:Bots:0:Token"] = TelegramToken,
            ["Channels:Telegram:Bots:0:Mode"] = "webhook",
            ["Channels:Telegram:Bots:0:WebhookUrl"] = "https://bot.example.com/api/channels/telegram/leaks",
            ["Channels:Telegram:Bots:0:WebhookSecret"] = TelegramSecret,
            ["Channels:Telegram:Bots:0:ApiBaseUrl"] = _telegram.BaseUrl,
            ["Channels:Vk:Communities:0:Name"] = "leaks",
            ["Channels:Vk:Communities:0:GroupId"] = VkGroup.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Channels:Vk:Communities:0:Token"] = VkToken,
            ["Channels:Vk:Communities:0:ConfirmationCode"] = "c0nf1rm",
            ["Channels:Vk:Communities:0:Secret"] = VkSecret,
            ["Channels:Vk:Communities:0:ApiBaseUrl"] = _vk.ApiBaseUrl,
            ["Llm:Provider"] = "openai-compatible",
            ["Llm:Endpoint"] = _model.Urls.First() + "/v1",
            ["Llm:Model"] = "stand-in",
            ["Llm:ApiKey"] = LlmKey,
            ["OpenTelemetry:Otlp:Endpoint"] = _model.Urls.First(),
            ["OpenTelemetry:Otlp:Protocol"] = "http/protobuf",
        }, services => services.AddSingleton<ILoggerProvider>(_logs));
        _ = _factory.Server;
    }

    public async ValueTask DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _model.DisposeAsync();
        await _vk.DisposeAsync();
        await _telegram.DisposeAsync();
        await _store.DisposeAsync();
    }

    [Fact]
    public async Task WholeRunAcrossChannels_NoCredentialInAnyLogLine_NoTextOrNameAboveDebug()
    {
        var issuedTokens = new List<string>();

        // Web chat: a site's back end exchanges the secret for a token; the visitor asks, then asks the model, then for a person.
        var http = _factory.CreateClient();
        using var generate = DirectLineTestClient.Request(HttpMethod.Post, "/v3/directline/tokens/generate", DirectLineSecret);
        var generated = (await (await http.SendAsync(generate, Ct)).Content.ReadFromJsonAsync<JsonObject>(Ct))!;
        issuedTokens.Add(generated["token"]!.GetValue<string>());
        var chat = new DirectLineTestClient(http);
        var visitor = await chat.StartAsync();
        issuedTokens.Add(visitor.Token);
        await chat.SendAsync(visitor, "How long does delivery take? quokka-webchat-words");
        await chat.WaitForBotMessagesAsync(visitor, 2);
        await chat.SendAsync(visitor, "qwerty zxcv axolotl-llm-words");
        await chat.WaitForBotMessagesAsync(visitor, 3);
        await chat.SendAsync(visitor, "I want a human");
        await chat.WaitForBotMessagesAsync(visitor, 4);

        // Telegram: one update with the secret, one with a guess.
        var telegramChat = TelegramHostFixture<RedisServerFixture>.NextChatId();
        var update = Updates.Message(TelegramHostFixture<RedisServerFixture>.NextUpdateId(), telegramChat, "How long does delivery take? wombat-telegram-words");
        update["message"]!["from"]!["first_name"] = "Zenobiatg";
        Assert.Equal(HttpStatusCode.OK, (await PostTelegramAsync(http, update, TelegramSecret)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await PostTelegramAsync(http, update, "guess-guess-guess-guess")).StatusCode);

        // VK: one event with the secret, one with a guess.
        var vkUser = VkHostFixture<RedisServerFixture>.NewUserId();
        Assert.Equal(HttpStatusCode.OK, (await PostVkAsync(http, vkUser, "How long does delivery take? numbat-vk-words", VkSecret)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await PostVkAsync(http, vkUser, "hello", "guess-guess")).StatusCode);

        // The console: a wrong password, then the right one; the signed-in page reads the queue.
        await _factory.Services.GetRequiredService<AgentAccountStore>().UpsertAsync(AgentEmail, "Leak Agent", AgentRoles.Admin, ["support"], AgentPassword);
        var browser = ConsoleBrowser.Create(_factory);
        Assert.Equal(HttpStatusCode.OK, (await ConsoleBrowser.SignInAsync(browser, AgentEmail, AgentPassword + "x")).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await ConsoleBrowser.SignInAsync(browser, AgentEmail, AgentPassword)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/api/handoff/queue", Ct)).StatusCode);

        // An agent answers the web chat through the API.
        await using var agent = new AgentTestClient(_factory, "leak-agent", ApiKey);
        (await agent.SetPresenceAsync("away")).EnsureSuccessStatusCode();
        var conversationId = AgentTestClient.ConversationOf(visitor);
        Assert.Equal(HttpStatusCode.OK, (await agent.Http.PostAsync($"/api/handoff/{conversationId}/claim", null, Ct)).StatusCode);
        (await agent.Http.PostAsJsonAsync($"/api/handoff/{conversationId}/messages", new JsonObject { ["text"] = "pangolin-agent-words" }, Ct)).EnsureSuccessStatusCode();
        using var wrongKey = new HttpRequestMessage(HttpMethod.Get, "/api/handoff/queue");
        wrongKey.Headers.Add("X-Api-Key", "guess-api-key-guess");
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(wrongKey, Ct)).StatusCode);

        // /metrics with its key, and with a wrong one from elsewhere.
        using var scrape = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        scrape.Headers.Authorization = new AuthenticationHeaderValue("Bearer", MetricsKey);
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(scrape, Ct)).StatusCode);

        // Everything went out: the agent's words to the visitor, the bot's answers on Telegram and VK.
        await Eventually.TrueAsync(async () => DirectLineTestClient.BotMessages(await chat.GetActivitiesAsync(visitor)).Any(m => (string?)m["text"] == "pangolin-agent-words"), "the agent's reply in the web chat");
        await Eventually.TrueAsync(() => _telegram.MessagesTo(telegramChat).Any(), "the Telegram answer");
        await Eventually.TrueAsync(() => _vk.CallsOf("messages.send").Any(c => c["peer_id"] == vkUser.ToString(System.Globalization.CultureInfo.InvariantCulture)), "the VK answer");

        var all = _logs.Entries.ToList();
        var loud = all.Where(e => e.Level >= LogLevel.Information).ToList();
        var quiet = all.Where(e => e.Level < LogLevel.Information).ToList();
        Assert.NotEmpty(loud);
        Assert.Contains(quiet, e => e.Category.StartsWith("SupportBot", StringComparison.Ordinal)); // the capture sees Debug too

        string[] credentials = [TelegramToken, TelegramToken.Split(':')[1], TelegramSecret, VkToken, VkSecret, LlmKey, ApiKey, DirectLineSecret, MetricsKey, AgentPassword, .. issuedTokens];
        foreach (var credential in credentials)
        {
            Assert.DoesNotContain(all, e => e.Full.Contains(credential, StringComparison.Ordinal));
        }

        string[] words = ["quokka-webchat-words", "axolotl-llm-words", "wombat-telegram-words", "numbat-vk-words", "pangolin-agent-words", "Gift wrapping is free", "working days", "Zenobiatg", "Petrov" + vkUser, AgentEmail];
        foreach (var word in words)
        {
            Assert.DoesNotContain(loud, e => e.Full.Contains(word, StringComparison.OrdinalIgnoreCase));
        }

        Assert.DoesNotContain(all, e => e.Full.Contains("guess-", StringComparison.Ordinal)); // what callers guessed is not echoed either

        // What the collector received: the Bot API calls were traced (with the token taken out), and no credential is in any export.
        // A send may still be under way when the flush runs (the outbox sends after the turn): flush again until its span is in.
        var exported = "";
        await Eventually.TrueAsync(() =>
        {
            Assert.True(_factory.Services.GetRequiredService<TracerProvider>().ForceFlush(10_000));
            _factory.Services.GetService<LoggerProvider>()?.ForceFlush(10_000);
            exported = string.Join("\n", _exported.Select(Encoding.UTF8.GetString));
            return Task.FromResult(exported.Contains("/botREDACTED/sendMessage", StringComparison.Ordinal));
        }, "the Bot API's sendMessage span exported");
        foreach (var credential in credentials)
        {
            Assert.DoesNotContain(credential, exported, StringComparison.Ordinal);
        }
    }

    private static Task<HttpResponseMessage> PostTelegramAsync(HttpClient http, JsonObject update, string secret)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/channels/telegram/leaks") { Content = new StringContent(update.ToJsonString(), Encoding.UTF8, "application/json") };
        request.Headers.Add(SupportBot.Channels.Telegram.TelegramEndpoints.SecretHeader, secret);
        return http.SendAsync(request, Ct);
    }

    private static Task<HttpResponseMessage> PostVkAsync(HttpClient http, long user, string text, string secret)
    {
        var body = VkHostFixture<RedisServerFixture>.Event("message_new", VkChannelTests<RedisServerFixture>.Message(user, text), VkHostFixture<RedisServerFixture>.NewEventId(), VkGroup);
        body["secret"] = secret;
        return http.PostAsync("/api/channels/vk/leaks", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"), Ct);
    }

    /// <summary>
    /// An OpenAI-compatible server on loopback that answers every question the same way, and an OTLP/HTTP collector
    /// that keeps every export's body (protobuf holds strings as plain UTF-8, so a credential in it is found as text).
    /// </summary>
    private static async Task<WebApplication> StartModelStandInAsync(ConcurrentQueue<byte[]> exported)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var model = builder.Build();
        model.MapPost("/v1/chat/completions", async (HttpContext context) =>
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("""{"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"Gift wrapping is free."},"finish_reason":"stop"}]}""");
        });
        model.MapPost("/v1/{signal}", async (HttpContext context) =>
        {
            var body = context.Request.Headers.ContentEncoding == "gzip" ? new GZipStream(context.Request.Body, CompressionMode.Decompress) : context.Request.Body;
            using var copy = new MemoryStream();
            await body.CopyToAsync(copy, context.RequestAborted);
            exported.Enqueue(copy.ToArray());
            context.Response.ContentType = "application/x-protobuf";
        });
        await model.StartAsync(Ct);
        return model;
    }
}

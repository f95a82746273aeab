using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SupportBot.FunctionalTests.Infrastructure;

using static SupportBot.FunctionalTests.Infrastructure.TestCancellation;

namespace SupportBot.FunctionalTests.Channels.Telegram;

/// <summary>Everything logged at Information or above while a Telegram customer talks to the bot: no token, no message text.</summary>
public sealed class TelegramLoggingTests : IAsyncLifetime
{
    private const string Token = "7000009:LOGS-token_secretsecretsecretsecret";
    private const string Secret = "logging-secret_0123456789abcdef";
    private readonly GarnetFixture _store = new();
    private readonly TelegramApiStandIn _api = new();
    private readonly CapturingLoggerProvider _logs = new();
    private BotFactory _factory = null!;

    public async ValueTask InitializeAsync()
    {
        await _store.InitializeAsync();
        await _api.StartAsync();
        _factory = new BotFactory(_store.ConnectionString, new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Trace",
            ["Outbox:FirstRetrySeconds"] = "0.05",
            ["Channels:Telegram:PollingTimeoutSeconds"] = "1",
            ["Channels:Telegram:Bots:0:Name"] = "logs",
            ["Channels:Telegram:Bots:0:Token"] = Token,
            ["Channels:Telegram:Bots:0:Mode"] = "webhook",
            ["Channels:Telegram:Bots:0:WebhookUrl"] = "https://bot.example.com/api/channels/telegram/logs",
            ["Channels:Telegram:Bots:0:WebhookSecret"] = Secret,
            ["Channels:Telegram:Bots:0:ApiBaseUrl"] = _api.BaseUrl,
            ["Channels:Telegram:Bots:1:Name"] = "logspoll",
            ["Channels:Telegram:Bots:1:Token"] = "7000010:POLL-token_secretsecretsecretsecret",
            ["Channels:Telegram:Bots:1:ApiBaseUrl"] = _api.BaseUrl,
        }, services => services.AddSingleton<ILoggerProvider>(_logs));
        _ = _factory.Server;
    }

    public async ValueTask DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _api.DisposeAsync();
        await _store.DisposeAsync();
    }

    [Fact]
    public async Task Conversation_WithErrors_NoTokenOrTextAboveDebug()
    {
        var chat = TelegramHostFixture<GarnetFixture>.NextChatId();
        _api.FailNext("sendMessage", _ => true, 429, "Too Many Requests: retry after 1", retryAfter: 1);
        _api.FailNext("getUpdates", _ => true, 502, "Bad Gateway");
        using var client = _factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/channels/telegram/logs")
        {
            Content = new StringContent(Updates.Message(TelegramHostFixture<GarnetFixture>.NextUpdateId(), chat, "How long does delivery take? secret-words").ToJsonString(), System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Telegram-Bot-Api-Secret-Token", Secret);
        await client.SendAsync(request, Ct);
        using var wrong = new HttpRequestMessage(HttpMethod.Post, "/api/channels/telegram/logs") { Content = new StringContent("{}") };
        wrong.Headers.Add("X-Telegram-Bot-Api-Secret-Token", "guess-guess-guess-guess");
        await client.SendAsync(wrong, Ct);

        await Eventually.TrueAsync(() => _api.MessagesTo(chat).Count() >= 3, "the answer after a 429");
        await Eventually.TrueAsync(() => _api.CallsOf("getUpdates").Count() >= 2, "polling after an error");

        var loud = _logs.Entries.Where(e => e.Level >= LogLevel.Information).ToList();
        Assert.NotEmpty(loud);
        Assert.Contains(_logs.Entries, e => e.Level == LogLevel.Debug && e.Category.StartsWith("SupportBot", StringComparison.Ordinal)); // the capture works at Debug too
        Assert.DoesNotContain(loud, e => e.Message.Contains("secretsecret", StringComparison.Ordinal));
        Assert.DoesNotContain(loud, e => e.Message.Contains("secret-words", StringComparison.Ordinal) || e.Message.Contains("working days", StringComparison.Ordinal));
        Assert.DoesNotContain(loud, e => e.Message.Contains(Secret, StringComparison.Ordinal) || e.Message.Contains("guess-guess", StringComparison.Ordinal));
    }
}

public sealed record CapturedLog(string Category, LogLevel Level, string Message);

public sealed class CapturingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<CapturedLog> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, Entries);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<CapturedLog> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            entries.Enqueue(new CapturedLog(category, logLevel, formatter(state, exception) + (exception is null ? "" : "\n" + exception)));
    }
}

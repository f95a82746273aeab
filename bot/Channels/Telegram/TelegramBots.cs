using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Telegram.Bot;
using Telegram.Bot.Types;

namespace SupportBot.Channels.Telegram;

/// <summary>
/// The configured bots and their Bot API clients (an HttpClient from the factory, whose handlers
/// are pooled, kept for a minute per bot); the bot's own identity
/// (getMe: id and username, needed to spot mentions) is asked once and kept.
/// </summary>
public sealed class TelegramBots(IOptions<TelegramOptions> options, IHttpClientFactory httpClients)
{
    public const string ChannelName = "telegram";
    public const string HttpClientName = "telegram";

    private readonly ConcurrentDictionary<string, Task<User>> _identities = new(StringComparer.OrdinalIgnoreCase);

    public IReadOnlyList<TelegramBotOptions> All => options.Value.Bots;

    public TelegramBotOptions? Find(string name) => options.Value.Find(name);

    /// <summary>
    /// The bot's client. One is kept per bot for a minute and then made anew, so every reply does not build a
    /// client and its options, while the factory still gets to rotate its pooled handlers (and DNS with them).
    /// </summary>
    public ITelegramBotClient Client(TelegramBotOptions bot)
    {
        var now = Environment.TickCount64;
        if (_clients.TryGetValue(bot.Name, out var kept) && now - kept.MadeAt < ClientReuseMilliseconds && ReferenceEquals(kept.Options, bot))
        {
            return kept.Client;
        }

        // RetryThreshold 0: a 429 comes back to us, so the outbox waits (retry_after) instead of a thread sleeping in the client.
        var clientOptions = new TelegramBotClientOptions(bot.Token, bot.ApiBaseUrl == TelegramBotOptions.PublicApi ? null : bot.ApiBaseUrl)
        {
            RetryThreshold = 0,
            RetryCount = 0,
        };
        var client = new TelegramBotClient(clientOptions, httpClients.CreateClient(HttpClientName));
        _clients[bot.Name] = (client, bot, now);
        return client;
    }

    private const long ClientReuseMilliseconds = 60_000;

    private readonly ConcurrentDictionary<string, (ITelegramBotClient Client, TelegramBotOptions Options, long MadeAt)> _clients = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The bot's own user (getMe), cached after the first success.</summary>
    public async Task<User> IdentityAsync(TelegramBotOptions bot, CancellationToken cancellationToken)
    {
        var task = _identities.GetOrAdd(bot.Name, _ => Client(bot).GetMe(CancellationToken.None));
        try
        {
            return await task.WaitAsync(cancellationToken);
        }
        catch when (task.IsFaulted || task.IsCanceled)
        {
            _identities.TryRemove(new KeyValuePair<string, Task<User>>(bot.Name, task)); // ask again next time
            throw;
        }
    }

    /// <summary>The bot's numeric id: the part of the token before the colon (no call needed).</summary>
    public static long BotId(TelegramBotOptions bot) => long.Parse(bot.Token.AsSpan(0, bot.Token.IndexOf(':', StringComparison.Ordinal)), System.Globalization.CultureInfo.InvariantCulture);
}

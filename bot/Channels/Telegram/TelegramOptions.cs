using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace SupportBot.Channels.Telegram;

/// <summary><c>Channels:Telegram:*</c> — one or more Telegram bots (several brands side by side).</summary>
public sealed class TelegramOptions
{
    public const string Section = "Channels:Telegram";

    public List<TelegramBotOptions> Bots { get; set; } = [];

    /// <summary>Messages per second one bot may send in all (Telegram's limit is about 30).</summary>
    public int PerBotPerSecond { get; set; } = 30;

    /// <summary>Messages per second to one private chat (Telegram allows about 1, with short bursts).</summary>
    public int PerChatPerSecond { get; set; } = 1;

    /// <summary>Messages per minute to one group (Telegram allows 20).</summary>
    public int PerGroupPerMinute { get; set; } = 20;

    /// <summary>The largest webhook body accepted (an update is a few kilobytes).</summary>
    public int MaxWebhookBodyBytes { get; set; } = 256 * 1024;

    /// <summary>getUpdates long-poll timeout in seconds (polling mode).</summary>
    public int PollingTimeoutSeconds { get; set; } = 30;

    /// <summary>How long a customer's profile photo (getUserProfilePhotos) is remembered.</summary>
    public int UserCacheHours { get; set; } = 24;

    /// <summary>How long an update may wait for a new author's photo; later, the record goes without it (the lookup still fills the cache).</summary>
    public int AuthorWaitMilliseconds { get; set; } = 300;

    public TelegramBotOptions? Find(string name) =>
        Bots.FirstOrDefault(b => string.Equals(b.Name, name, StringComparison.OrdinalIgnoreCase));
}

public enum TelegramMode
{
    Polling,
    Webhook,
}

/// <summary><c>Channels:Telegram:Bots:&lt;i&gt;</c> — one bot from BotFather.</summary>
public sealed class TelegramBotOptions
{
    public const string PublicApi = "https://api.telegram.org";

    /// <summary>Our name for the bot: part of the webhook path and of conversation ids (letters, digits, - and _).</summary>
    public string Name { get; set; } = "";

    /// <summary>The token from BotFather, <c>123456:ABC…</c>. Never logged.</summary>
    public string Token { get; set; } = "";

    public TelegramMode Mode { get; set; } = TelegramMode.Polling;

    /// <summary>Public HTTPS address Telegram posts to, ending in <c>/api/channels/telegram/{Name}</c> (webhook mode).</summary>
    public string? WebhookUrl { get; set; }

    /// <summary>Echoed by Telegram in <c>X-Telegram-Bot-Api-Secret-Token</c>; 1–256 of <c>A-Z a-z 0-9 _ -</c> (webhook mode).</summary>
    public string? WebhookSecret { get; set; }

    /// <summary>The Bot API server (a local Bot API server, or a test stand-in).</summary>
    public string ApiBaseUrl { get; set; } = PublicApi;

    /// <summary>Record group messages that neither mention nor reply to the bot (they are never answered).</summary>
    public bool RecordGroupChatter { get; set; }
}

/// <summary>Checks every bot at start-up; each failure names its setting path.</summary>
internal sealed partial class TelegramOptionsValidator : IValidateOptions<TelegramOptions>
{
    public ValidateOptionsResult Validate(string? name, TelegramOptions options)
    {
        var failures = new List<string>();
        var s = TelegramOptions.Section;
        if (options.PerBotPerSecond is < 1 or > 1000)
        {
            failures.Add($"{s}:PerBotPerSecond must be between 1 and 1000 (Telegram allows about 30).");
        }

        if (options.PerChatPerSecond is < 1 or > 100)
        {
            failures.Add($"{s}:PerChatPerSecond must be between 1 and 100 (Telegram allows about 1).");
        }

        if (options.PerGroupPerMinute is < 1 or > 6000)
        {
            failures.Add($"{s}:PerGroupPerMinute must be between 1 and 6000 (Telegram allows 20).");
        }

        if (options.MaxWebhookBodyBytes is < 1024 or > 64 * 1024 * 1024)
        {
            failures.Add($"{s}:MaxWebhookBodyBytes must be between 1024 and 67108864.");
        }

        if (options.PollingTimeoutSeconds is < 0 or > 50)
        {
            failures.Add($"{s}:PollingTimeoutSeconds must be between 0 and 50.");
        }

        if (options.UserCacheHours is < 0 or > 24 * 30)
        {
            failures.Add($"{s}:UserCacheHours must be between 0 and 720.");
        }

        if (options.AuthorWaitMilliseconds is < 0 or > 10_000)
        {
            failures.Add($"{s}:AuthorWaitMilliseconds must be between 0 and 10000.");
        }

        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < options.Bots.Count; i++)
        {
            var bot = options.Bots[i];
            var path = $"{s}:Bots:{i}";
            if (!NamePattern().IsMatch(bot.Name ?? ""))
            {
                failures.Add($"{path}:Name must be 1–40 letters, digits, '-' or '_' (it goes into the webhook path and conversation ids).");
            }
            else if (!names.Add(bot.Name!))
            {
                failures.Add($"{path}:Name '{bot.Name}' is used by another bot; give each bot its own name.");
            }

            if (!TokenPattern().IsMatch(bot.Token ?? ""))
            {
                failures.Add($"{path}:Token must be the token BotFather gave you, like 123456789:AAE… (digits, a colon, then letters).");
            }

            if (!Uri.TryCreate(bot.ApiBaseUrl, UriKind.Absolute, out var api) || (api.Scheme != Uri.UriSchemeHttps && api.Scheme != Uri.UriSchemeHttp))
            {
                failures.Add($"{path}:ApiBaseUrl must be an absolute http(s) URL; leave it out for {TelegramBotOptions.PublicApi}.");
            }

            if (bot.Mode == TelegramMode.Webhook)
            {
                if (!Uri.TryCreate(bot.WebhookUrl, UriKind.Absolute, out var hook) || hook.Scheme != Uri.UriSchemeHttps)
                {
                    failures.Add($"{path}:WebhookUrl must be the public https:// address of /api/channels/telegram/{bot.Name} (webhook mode); use Mode polling without one.");
                }

                if (!SecretPattern().IsMatch(bot.WebhookSecret ?? ""))
                {
                    failures.Add($"{path}:WebhookSecret must be 16–256 characters of A-Z, a-z, 0-9, '_' or '-' (webhook mode).");
                }
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,40}$")]
    private static partial Regex NamePattern();

    [GeneratedRegex(@"^[0-9]{1,20}:[A-Za-z0-9_-]{1,100}$")]
    private static partial Regex TokenPattern();

    [GeneratedRegex("^[A-Za-z0-9_-]{16,256}$")]
    private static partial Regex SecretPattern();
}

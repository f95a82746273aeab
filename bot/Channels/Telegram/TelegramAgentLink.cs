using Microsoft.Extensions.Options;
using SupportBot.FollowUps;
using Telegram.Bot;
using Telegram.Bot.Types;
using Telegram.Bot.Types.Enums;

namespace SupportBot.Channels.Telegram;

/// <summary>
/// Links an agent's Telegram chat for follow-up reminders without typing ids: the console offers
/// <c>https://t.me/&lt;bot&gt;?start=agent_&lt;one-time code&gt;</c> (the first configured bot); when the agent presses
/// Start, the bot receives <c>/start agent_&lt;code&gt;</c>, spends the code (once, before it expires), links that chat
/// and says so. Such an update is the agent's, not a customer's: it never becomes a turn or an interest record.
/// </summary>
public sealed class TelegramAgentLink(
    IOptions<TelegramOptions> options,
    IOptions<FollowUpsOptions> followUps,
    TelegramBots bots,
    FollowUpStore store,
    ILogger<TelegramAgentLink> logger) : ITelegramAgentLinks
{
    public const string PayloadPrefix = "agent_";

    public bool Available => options.Value.Bots.Count > 0;

    public async Task<TelegramLinkOffer?> OfferAsync(string agentId, CancellationToken cancellationToken)
    {
        if (options.Value.Bots.FirstOrDefault() is not { } bot)
        {
            return null;
        }

        string? username;
        try
        {
            username = (await bots.IdentityAsync(bot, cancellationToken)).Username;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            TelegramLog.GetMeFailed(logger, bot.Name, e.Message);
            return null;
        }

        if (username is null)
        {
            return null;
        }

        var (code, expiresAt) = await store.CreateTelegramLinkAsync(agentId, TimeSpan.FromMinutes(followUps.Value.TelegramLinkMinutes));
        return new TelegramLinkOffer($"https://t.me/{username}?start={PayloadPrefix}{code}", bot.Name, expiresAt);
    }

    /// <summary>Handles <c>/start agent_&lt;code&gt;</c> in a private chat; false for every other update.</summary>
    public async Task<bool> TryHandleAsync(TelegramBotOptions bot, Update update, CancellationToken cancellationToken)
    {
        if (update.Message is not { Chat.Type: ChatType.Private, Text: { } text } message
            || TelegramAdapter.DeepLinkPayload(text) is not { } payload
            || !payload.StartsWith(PayloadPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        var code = payload[PayloadPrefix.Length..];
        var redeemed = code.Length is > 0 and <= 48 && code.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')
            ? await store.RedeemTelegramLinkAsync(code, message.Chat.Id)
            : null;
        if (redeemed is { First: false })
        {
            return true; // the same update delivered again: linked and confirmed the first time
        }

        var russian = message.From?.LanguageCode?.StartsWith("ru", StringComparison.Ordinal) == true;
        string reply;
        if (redeemed is { AgentId: var agentId })
        {
            await store.SetTelegramAsync(agentId, message.Chat.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), bot.Name);
            TelegramLog.AgentChatLinked(logger, bot.Name, agentId);
            reply = russian
                ? "✅ Готово: напоминания о ваших задачах будут приходить в этот чат."
                : "✅ Linked: your follow-up reminders will arrive in this chat.";
        }
        else
        {
            reply = russian
                ? "Эта ссылка устарела или уже использована. Откройте консоль и получите новую."
                : "This link has expired or was already used. Open the console for a new one.";
        }

        try
        {
            await bots.Client(bot).SendMessage(message.Chat.Id, reply, cancellationToken: cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The link itself is done (or refused); a lost confirmation is not worth Telegram resending the update.
            TelegramLog.AgentLinkReplyFailed(logger, bot.Name, e.Message);
        }

        return true;
    }
}

using System.Globalization;
using SupportBot.Contracts;
using Telegram.Bot.Types;
using Telegram.Bot.Types.Enums;

namespace SupportBot.Channels.Telegram;

/// <summary>What to do with a normalised update.</summary>
public enum TelegramRoute
{
    /// <summary>Nothing for us (a service message, a channel post, an empty reaction…).</summary>
    Ignore,

    /// <summary>A turn: the pipeline records it and the bot (or an agent) answers.</summary>
    Converse,

    /// <summary>A record on the interest log only, never answered (edits, group chatter).</summary>
    RecordOnly,

    /// <summary>The user blocked or unblocked the bot (my_chat_member).</summary>
    Status,
}

/// <param name="Fields">Extra facts for the record (e.g. <c>edited</c>).</param>
/// <param name="ReplyTo">Group messages: the message to reply to and its thread, so the answer lands under it.</param>
/// <param name="Blocked">Status updates: true when the user blocked (kicked) the bot, false when they came back.</param>
public sealed record TelegramInbound(
    TelegramRoute Route,
    ChannelActivity? Activity = null,
    string? CallbackQueryId = null,
    IReadOnlyDictionary<string, string>? Fields = null,
    (int MessageId, int? ThreadId)? ReplyTo = null,
    bool? Blocked = null)
{
    public static readonly TelegramInbound Nothing = new(TelegramRoute.Ignore);
}

/// <summary>Turns a Bot API <see cref="Update"/> into our <see cref="ChannelActivity"/>, whichever way it arrived (webhook or polling).</summary>
public static class TelegramAdapter
{
    /// <summary>The updates we ask Telegram for (message_reaction only arrives when asked for by name).</summary>
    public static readonly UpdateType[] AllowedUpdates =
        [UpdateType.Message, UpdateType.EditedMessage, UpdateType.CallbackQuery, UpdateType.MyChatMember, UpdateType.MessageReaction];

    /// <summary>
    /// A part Telegram always sends in the update kinds we handle, and we rely on, that is missing (the
    /// serializer leaves an absent object null): such a body is not from Telegram. Null when the update is whole.
    /// </summary>
    public static string? MissingPart(Update update) => update switch
    {
        { Message: { Chat: null } } => "message.chat",
        { EditedMessage: { Chat: null } } => "edited_message.chat",
        { CallbackQuery: { From: null } } => "callback_query.from",
        { CallbackQuery.Message: { Chat: null } } => "callback_query.message.chat",
        { MyChatMember: { Chat: null } } => "my_chat_member.chat",
        { MyChatMember: { From: null } } => "my_chat_member.from",
        { MyChatMember: { NewChatMember: null } } => "my_chat_member.new_chat_member",
        { MessageReaction: { Chat: null } } => "message_reaction.chat",
        _ => null,
    };

    /// <param name="botId">The bot's user id (from its token).</param>
    /// <param name="botUsername">The bot's @username without the @ (getMe), to spot mentions in groups; null if unknown.</param>
    /// <param name="callbackValue">Resolves a button's callback_data to the choice value (long values travel as short ids).</param>
    public static async Task<TelegramInbound> ToInboundAsync(
        TelegramBotOptions bot, Update update, long botId, string? botUsername, Func<string, Task<string?>> callbackValue, DateTimeOffset now)
    {
        if (MissingPart(update) is not null)
        {
            return TelegramInbound.Nothing; // not a whole update (polling: skipped; the webhook refuses it with 400 first)
        }

        var eventId = update.Id.ToString(CultureInfo.InvariantCulture);
        switch (update)
        {
            case { Message: { } message }:
                return FromMessage(bot, eventId, message, botId, botUsername, edited: false, now);
            case { EditedMessage: { } edited }:
                // An edit is recorded, not answered again: the original already had its turn, and a second answer would double-reply.
                var record = FromMessage(bot, eventId, edited, botId, botUsername, edited: true, now);
                return record.Activity is null ? record : record with { Route = TelegramRoute.RecordOnly, Fields = new Dictionary<string, string> { ["edited"] = "true", ["messageId"] = edited.Id.ToString(CultureInfo.InvariantCulture) } };
            case { CallbackQuery: { } query }:
                if (query.Message is not { } carrier || query.Data is not { Length: > 0 } data)
                {
                    return new TelegramInbound(TelegramRoute.Ignore, CallbackQueryId: query.Id);
                }

                var value = await callbackValue(data);
                return new TelegramInbound(
                    value is null ? TelegramRoute.Ignore : TelegramRoute.Converse,
                    new ChannelActivity
                    {
                        Channel = TelegramBots.ChannelName,
                        ConversationId = ConversationId(bot, carrier.Chat, query.From.Id),
                        EventId = eventId,
                        From = UserOf(query.From),
                        Kind = ActivityKind.Button,
                        Text = value,
                        SourceLink = MessageLink(carrier.Chat, carrier.Id),
                        Locale = query.From.LanguageCode,
                        ChannelAccount = bot.Name,
                        ReceivedAt = now,
                    },
                    CallbackQueryId: query.Id,
                    ReplyTo: IsGroup(carrier.Chat) ? (carrier.Id, carrier.MessageThreadId) : null);
            case { MessageReaction: { } reaction }:
                var emoji = string.Concat(reaction.NewReaction.Select(r => r switch
                {
                    ReactionTypeEmoji e => e.Emoji,
                    ReactionTypeCustomEmoji => "custom",
                    ReactionTypePaid => "⭐",
                    _ => "",
                }));
                if (emoji.Length == 0)
                {
                    return TelegramInbound.Nothing; // a reaction taken back
                }

                var from = reaction.User is { } user ? UserOf(user) : new ChannelUser("chat" + reaction.ActorChat?.Id.ToString(CultureInfo.InvariantCulture), reaction.ActorChat?.Title);
                // Through the pipeline like any activity (ordered, deduplicated, on the transcript); the turn router gives a like no turn.
                return new TelegramInbound(TelegramRoute.Converse, new ChannelActivity
                {
                    Channel = TelegramBots.ChannelName,
                    ConversationId = ConversationId(bot, reaction.Chat, reaction.User?.Id ?? reaction.ActorChat?.Id ?? 0),
                    EventId = eventId,
                    From = from,
                    Kind = ActivityKind.Like,
                    Text = emoji,
                    SourceLink = MessageLink(reaction.Chat, reaction.MessageId),
                    Locale = reaction.User?.LanguageCode,
                    ChannelAccount = bot.Name,
                    ReceivedAt = now,
                });
            case { MyChatMember: { } member } when member.Chat.Type == ChatType.Private:
                var blocked = member.NewChatMember.Status is ChatMemberStatus.Kicked or ChatMemberStatus.Left;
                return new TelegramInbound(TelegramRoute.Status, new ChannelActivity
                {
                    Channel = TelegramBots.ChannelName,
                    ConversationId = ConversationId(bot, member.Chat, member.From.Id),
                    EventId = eventId,
                    From = UserOf(member.From),
                    Kind = ActivityKind.Join,
                    ChannelAccount = bot.Name,
                    ReceivedAt = now,
                }, Blocked: blocked);
            default:
                return TelegramInbound.Nothing;
        }
    }

    private static TelegramInbound FromMessage(TelegramBotOptions bot, string eventId, Message message, long botId, string? botUsername, bool edited, DateTimeOffset now)
    {
        if (message.From is not { IsBot: false } user)
        {
            return TelegramInbound.Nothing; // channel posts, anonymous admins, other bots
        }

        var text = message.Text ?? message.Caption;
        var attachments = Attachments(bot, message);
        if (text is null && attachments.Count == 0)
        {
            return TelegramInbound.Nothing; // service messages (joins, pins, …)
        }

        var activity = new ChannelActivity
        {
            Channel = TelegramBots.ChannelName,
            ConversationId = ConversationId(bot, message.Chat, user.Id),
            EventId = eventId,
            From = UserOf(user),
            Kind = ActivityKind.Message,
            Text = text,
            Attachments = attachments,
            SourceLink = MessageLink(message.Chat, message.Id),
            Locale = user.LanguageCode,
            ChannelAccount = bot.Name,
            ReceivedAt = now,
        };

        if (!IsGroup(message.Chat))
        {
            if (message.Text is { } command && DeepLinkPayload(command) is { } payload)
            {
                // t.me/<bot>?start=<payload>: where the customer came from, and usually which product.
                activity = activity with
                {
                    ProductHint = payload,
                    SourceLink = botUsername is null ? null : $"https://t.me/{botUsername}?start={Uri.EscapeDataString(payload)}",
                };
            }

            return new TelegramInbound(TelegramRoute.Converse, activity);
        }

        var addressed = RepliesToBot(message, botId) || Mentions(message, botId, botUsername);
        var comment = activity with { Kind = ActivityKind.Comment };
        if (addressed)
        {
            return new TelegramInbound(TelegramRoute.Converse, comment, ReplyTo: (message.Id, message.IsTopicMessage ? message.MessageThreadId : null));
        }

        return bot.RecordGroupChatter ? new TelegramInbound(TelegramRoute.RecordOnly, comment) : TelegramInbound.Nothing;
    }

    /// <summary><c>/start product_123</c> (or <c>/start@bot product_123</c>) → <c>product_123</c>.</summary>
    internal static string? DeepLinkPayload(string text)
    {
        if (!text.StartsWith("/start", StringComparison.Ordinal))
        {
            return null;
        }

        var rest = text.AsSpan(6);
        if (rest.Length > 0 && rest[0] == '@')
        {
            var space = rest.IndexOf(' ');
            rest = space < 0 ? [] : rest[space..];
        }

        if (rest.Length == 0 || rest[0] != ' ')
        {
            return null;
        }

        var payload = rest.Trim().ToString();
        return payload.Length is > 0 and <= 64 ? payload : null;
    }

    private static bool RepliesToBot(Message message, long botId) =>
        message.ReplyToMessage?.From?.Id == botId;

    private static bool Mentions(Message message, long botId, string? botUsername)
    {
        var text = message.Text ?? message.Caption;
        var entities = message.Entities ?? message.CaptionEntities;
        if (text is null || entities is null)
        {
            return false;
        }

        foreach (var entity in entities)
        {
            if (entity.Type == MessageEntityType.TextMention && entity.User?.Id == botId)
            {
                return true;
            }

            if (botUsername is null || entity.Offset < 0 || entity.Offset + entity.Length > text.Length)
            {
                continue;
            }

            var span = text.AsSpan(entity.Offset, entity.Length);
            if (entity.Type == MessageEntityType.Mention && span.Length > 1 && span[1..].Equals(botUsername, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }

            if (entity.Type == MessageEntityType.BotCommand && span.IndexOf('@') is var at and > 0 && span[(at + 1)..].Equals(botUsername, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private static List<ActivityAttachment> Attachments(TelegramBotOptions bot, Message message)
    {
        var list = new List<ActivityAttachment>();
        if (message.Photo is { Length: > 0 } sizes)
        {
            var largest = sizes.MaxBy(p => (long)p.Width * p.Height)!;
            list.Add(new ActivityAttachment("image/jpeg", FileUrl(bot, largest.FileId), "photo.jpg"));
        }

        if (message.Document is { } document)
        {
            list.Add(new ActivityAttachment(document.MimeType ?? "application/octet-stream", FileUrl(bot, document.FileId), document.FileName ?? "document"));
        }

        if (message.Voice is { } voice)
        {
            list.Add(new ActivityAttachment(voice.MimeType ?? "audio/ogg", FileUrl(bot, voice.FileId), "voice.ogg"));
        }

        if (message.Audio is { } audio)
        {
            list.Add(new ActivityAttachment(audio.MimeType ?? "audio/mpeg", FileUrl(bot, audio.FileId), audio.FileName ?? "audio"));
        }

        if (message.Video is { } video)
        {
            list.Add(new ActivityAttachment(video.MimeType ?? "video/mp4", FileUrl(bot, video.FileId), video.FileName ?? "video.mp4"));
        }

        if (message.Location is { } location)
        {
            var at = string.Create(CultureInfo.InvariantCulture, $"{location.Latitude:0.######},{location.Longitude:0.######}");
            list.Add(new ActivityAttachment("application/geo+json", "geo:" + at, "location " + at));
        }

        if (message.Contact is { } contact)
        {
            var name = string.Join(' ', new[] { contact.FirstName, contact.LastName }.Where(n => !string.IsNullOrEmpty(n)));
            list.Add(new ActivityAttachment("text/vcard", "tel:" + contact.PhoneNumber, $"{name} {contact.PhoneNumber}".Trim()));
        }

        return list;
    }

    /// <summary>Our own proxy for a Telegram file: the Bot API file URL carries the token, so it never leaves the host.</summary>
    public static string FileUrl(TelegramBotOptions bot, string fileId) =>
        $"/api/channels/telegram/{Uri.EscapeDataString(bot.Name)}/files/{Uri.EscapeDataString(fileId)}";

    public static bool IsGroup(Chat chat) => chat.Type is ChatType.Group or ChatType.Supergroup or ChatType.Channel;

    /// <summary>
    /// <c>telegram:&lt;bot&gt;:&lt;chat&gt;</c> for a private chat; <c>telegram:&lt;bot&gt;:&lt;chat&gt;:&lt;user&gt;</c> in a group,
    /// so each member has their own dialog while answers go to the group.
    /// </summary>
    public static string ConversationId(TelegramBotOptions bot, Chat chat, long userId) => IsGroup(chat)
        ? string.Create(CultureInfo.InvariantCulture, $"telegram:{bot.Name}:{chat.Id}:{userId}")
        : string.Create(CultureInfo.InvariantCulture, $"telegram:{bot.Name}:{chat.Id}");

    /// <summary>The chat id back from our conversation id.</summary>
    public static bool TryParseConversation(string conversationId, out string botName, out long chatId)
    {
        botName = "";
        chatId = 0;
        var parts = conversationId.Split(':');
        if (parts.Length is < 3 or > 4 || parts[0] != TelegramBots.ChannelName)
        {
            return false;
        }

        botName = parts[1];
        return long.TryParse(parts[2], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out chatId);
    }

    /// <summary>A link that opens the message: public groups and channels by username, private supergroups by t.me/c (members only).</summary>
    public static string? MessageLink(Chat chat, int messageId)
    {
        if (chat.Type == ChatType.Private)
        {
            return null;
        }

        if (chat.Username is { Length: > 0 } username)
        {
            return string.Create(CultureInfo.InvariantCulture, $"https://t.me/{username}/{messageId}");
        }

        var id = chat.Id.ToString(CultureInfo.InvariantCulture);
        return id.StartsWith("-100", StringComparison.Ordinal) ? string.Create(CultureInfo.InvariantCulture, $"https://t.me/c/{id[4..]}/{messageId}") : null;
    }

    private static ChannelUser UserOf(User user)
    {
        var name = string.Join(' ', new[] { user.FirstName, user.LastName }.Where(n => !string.IsNullOrEmpty(n)));
        return new ChannelUser(
            user.Id.ToString(CultureInfo.InvariantCulture),
            name.Length > 0 ? name : user.Username,
            null,
            user.Username is { Length: > 0 } username ? "https://t.me/" + username : null);
    }
}

using System.Globalization;
using SupportBot.Contracts;
using SupportBot.Dialogs;
using SupportBot.Interests;
using SupportBot.Pipeline;
using Telegram.Bot;
using Telegram.Bot.Types;

namespace SupportBot.Channels.Telegram;

/// <summary>
/// One place where an update, from the webhook or from polling, becomes work: a turn for the
/// pipeline (deduplicated by update_id there), a record on the interest log, or a status change.
/// Callback queries are always answered, even when handling them failed.
/// </summary>
public sealed class TelegramUpdateHandler(
    TelegramBots bots,
    TelegramStore store,
    TelegramBlocking blocking,
    TelegramProfilePhotos photos,
    TelegramAgentLink agentLink,
    PipelineIngress ingress,
    InterestLog interests,
    TimeProvider time,
    ILogger<TelegramUpdateHandler> logger)
{
    public async Task HandleAsync(TelegramBotOptions bot, Update update, CancellationToken cancellationToken)
    {
        string? callbackId = update.CallbackQuery?.Id;
        try
        {
            if (await agentLink.TryHandleAsync(bot, update, cancellationToken))
            {
                return; // an agent linking their chat for reminders, not a customer
            }

            string? username = null;
            if (update.Message?.Chat is { } chat && TelegramAdapter.IsGroup(chat))
            {
                username = (await bots.IdentityAsync(bot, cancellationToken)).Username; // mentions need it; private chats do not
            }
            else if (update.Message?.Text?.StartsWith("/start", StringComparison.Ordinal) == true)
            {
                username = await UsernameOrNullAsync(bot, cancellationToken); // for the deep link on the record; not worth failing over
            }

            var inbound = await TelegramAdapter.ToInboundAsync(bot, update, TelegramBots.BotId(bot), username, store.CallbackValueAsync, time.GetUtcNow());
            callbackId = inbound.CallbackQueryId ?? callbackId;
            if (inbound is { Route: TelegramRoute.Converse or TelegramRoute.RecordOnly, Activity: { } recorded })
            {
                inbound = inbound with { Activity = recorded with { From = await photos.WithPhotoAsync(bot, recorded.From, cancellationToken) } };
            }

            switch (inbound)
            {
                case { Route: TelegramRoute.Converse, Activity: { } activity }:
                    if (update.Message is { Chat.Type: global::Telegram.Bot.Types.Enums.ChatType.Private, From: { } writer } written && await blocking.IsBlockedAsync(bot.Name, written.Chat.Id))
                    {
                        // Writing to the bot means they unblocked it, even if that my_chat_member update was missed.
                        // Before the accept: the reply must not find the chat still marked blocked.
                        await blocking.SetAsync(bot.Name, written.Chat.Id, writer.Id, blocked: false);
                    }
                    else if ((update.Message?.Chat ?? update.CallbackQuery?.Message?.Chat) is { } groupChat && TelegramAdapter.IsGroup(groupChat)
                        && await blocking.IsBlockedAsync(bot.Name, groupChat.Id))
                    {
                        // A 403 marked the group (the bot was removed); hearing it again means the bot is back, so it may answer there.
                        await store.SetChatStatusAsync(bot.Name, groupChat.Id, blocked: false);
                    }

                    if (inbound.ReplyTo is { } target)
                    {
                        await store.RememberReplyTargetAsync(bot.Name, activity.EventId, target.MessageId, target.ThreadId);
                    }

                    var accepted = await ingress.AcceptAsync(activity);
                    TelegramLog.UpdateAccepted(logger, bot.Name, activity.EventId, activity.Kind, accepted.Accepted);
                    break;
                case { Route: TelegramRoute.RecordOnly, Activity: { } activity }:
                    await interests.AppendAsync(RecordOf(activity, inbound.Fields));
                    TelegramLog.UpdateRecorded(logger, bot.Name, activity.EventId, activity.Kind);
                    break;
                case { Route: TelegramRoute.Status, Activity: { } activity, Blocked: { } blocked }:
                    if (TelegramAdapter.TryParseConversation(activity.ConversationId, out _, out var chatId))
                    {
                        await blocking.SetAsync(bot.Name, chatId, long.Parse(activity.From.Id, CultureInfo.InvariantCulture), blocked);
                    }

                    TelegramLog.ChatStatusChanged(logger, bot.Name, activity.ConversationId, blocked ? "blocked" : "unblocked");
                    break;
                default:
                    TelegramLog.UpdateIgnored(logger, bot.Name, update.Id, update.Type.ToString());
                    break;
            }
        }
        finally
        {
            if (callbackId is not null)
            {
                await AnswerCallbackAsync(bot, callbackId);
            }
        }
    }

    private async Task<string?> UsernameOrNullAsync(TelegramBotOptions bot, CancellationToken cancellationToken)
    {
        try
        {
            return (await bots.IdentityAsync(bot, cancellationToken)).Username;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            TelegramLog.GetMeFailed(logger, bot.Name, e.Message);
            return null;
        }
    }

    /// <summary>Stops the button's spinner. A failure (an old or repeated query) is logged, never thrown.</summary>
    private async Task AnswerCallbackAsync(TelegramBotOptions bot, string callbackId)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await bots.Client(bot).AnswerCallbackQuery(callbackId, cancellationToken: timeout.Token);
        }
        catch (Exception e)
        {
            TelegramLog.CallbackAnswerFailed(logger, bot.Name, e.Message);
        }
    }

    /// <summary>The lead-card record for an update that is recorded but not answered.</summary>
    internal static InterestRecord RecordOf(ChannelActivity activity, IReadOnlyDictionary<string, string>? fields) => new()
    {
        Id = InterestLog.RecordId("in", activity.ConversationId, activity.EventId),
        Date = activity.ReceivedAt,
        SourceType = activity.Channel,
        SourceLink = activity.SourceLink,
        Author = new InterestAuthor(activity.From.Id, activity.From.Name, activity.From.PhotoUrl, activity.From.ProfileUrl),
        Action = activity.Kind.ToString().ToLowerInvariant(),
        Direction = "in",
        Text = activity.Text,
        Product = activity.ProductHint,
        ConversationId = activity.ConversationId,
        ChannelAccount = activity.ChannelAccount,
        Language = LanguageDetector.FromLocale(activity.Locale),
        Processed = false,
        ReplyAction = activity.SourceLink ?? "conversation:" + activity.ConversationId,
        Fields = Pipeline.ConversationProcessor.Merge(activity.Fields, fields),
        EventId = activity.EventId,
    };
}

internal static partial class TelegramLog
{
    [LoggerMessage(200, LogLevel.Debug, "Telegram {Bot}: update {UpdateId} ({Kind}) accepted={Accepted}")]
    public static partial void UpdateAccepted(ILogger logger, string bot, string updateId, ActivityKind kind, bool accepted);

    [LoggerMessage(201, LogLevel.Debug, "Telegram {Bot}: update {UpdateId} ({Kind}) recorded, not answered")]
    public static partial void UpdateRecorded(ILogger logger, string bot, string updateId, ActivityKind kind);

    [LoggerMessage(202, LogLevel.Debug, "Telegram {Bot}: update {UpdateId} of type {Type} ignored")]
    public static partial void UpdateIgnored(ILogger logger, string bot, int updateId, string type);

    [LoggerMessage(203, LogLevel.Information, "Telegram {Bot}: the customer of {ConversationId} {Status} the bot")]
    public static partial void ChatStatusChanged(ILogger logger, string bot, string conversationId, string status);

    [LoggerMessage(204, LogLevel.Warning, "Telegram {Bot}: answerCallbackQuery failed: {Error}")]
    public static partial void CallbackAnswerFailed(ILogger logger, string bot, string error);

    [LoggerMessage(205, LogLevel.Warning, "Telegram {Bot}: getMe failed: {Error}")]
    public static partial void GetMeFailed(ILogger logger, string bot, string error);

    [LoggerMessage(206, LogLevel.Information, "Telegram {Bot}: webhook registered")]
    public static partial void WebhookRegistered(ILogger logger, string bot);

    [LoggerMessage(207, LogLevel.Warning, "Telegram {Bot}: {Operation} failed, trying again in {DelaySeconds:F0} s: {Error}")]
    public static partial void ConnectFailed(ILogger logger, string bot, string operation, double delaySeconds, string error);

    [LoggerMessage(208, LogLevel.Information, "Telegram {Bot}: long polling started")]
    public static partial void PollingStarted(ILogger logger, string bot);

    [LoggerMessage(209, LogLevel.Warning, "Telegram {Bot}: the customer of {ConversationId} has blocked the bot; the reply is not retried")]
    public static partial void SendBlocked(ILogger logger, string bot, string conversationId);

    [LoggerMessage(210, LogLevel.Warning, "Telegram {Bot}: webhook request refused: {Reason}")]
    public static partial void WebhookRefused(ILogger logger, string bot, string reason);

    [LoggerMessage(211, LogLevel.Error, "Telegram {Bot}: update {UpdateId} could not be handled")]
    public static partial void UpdateFailed(ILogger logger, Exception exception, string bot, int updateId);

    [LoggerMessage(212, LogLevel.Warning, "Telegram {Bot}: getUserProfilePhotos failed, the author is recorded without a photo: {Error}")]
    public static partial void ProfilePhotoFailed(ILogger logger, string bot, string error);

    [LoggerMessage(217, LogLevel.Error, "Telegram {Bot}: the profile photo lookup failed unexpectedly, the author is recorded without a photo")]
    public static partial void ProfilePhotoError(ILogger logger, string bot, Exception exception);

    [LoggerMessage(218, LogLevel.Warning, "Telegram {Bot}: getFile or the download failed: {Error}")]
    public static partial void FileFailed(ILogger logger, string bot, string error);

    [LoggerMessage(213, LogLevel.Information, "Telegram {Bot}: agent {AgentId} linked their chat for reminders")]
    public static partial void AgentChatLinked(ILogger logger, string bot, string agentId);

    [LoggerMessage(214, LogLevel.Warning, "Telegram {Bot}: the link confirmation could not be sent: {Error}")]
    public static partial void AgentLinkReplyFailed(ILogger logger, string bot, string error);
}

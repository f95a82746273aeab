using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using SupportBot.Pipeline.Outbox;
using SupportBot.Storage;
using Telegram.Bot;
using Telegram.Bot.Exceptions;
using Telegram.Bot.Types;
using Telegram.Bot.Types.Enums;
using Telegram.Bot.Types.ReplyMarkups;

namespace SupportBot.Channels.Telegram;

/// <summary>
/// Sends a reply with sendMessage: HTML-escaped text, split at 4,096 characters, choices as an
/// inline keyboard under the last part. Waits for the per-bot, per-chat and per-group rate limits
/// (queues, never drops; a wait past ten seconds goes back to the outbox). A 429 becomes a retry after Telegram's retry_after; a 403 (blocked)
/// is recorded and not retried. Parts already sent are remembered, so a retry sends only the rest.
/// </summary>
internal sealed class TelegramSender(
    TelegramBots bots,
    TelegramStore store,
    TelegramBlocking blocking,
    TelegramRateLimits limits,
    ILogger<TelegramSender> logger) : IChannelSender
{
    public const int MaxMessageLength = 4096;

    /// <summary>How long a sent part's record waits out a Redis outage: well within the conversation's lease (30 s by default).</summary>
    private static readonly TimeSpan RecordSentPatience = TimeSpan.FromSeconds(10);

    public async Task<ChannelSendResult> SendAsync(OutboxItem item, CancellationToken cancellationToken)
    {
        if (!TelegramAdapter.TryParseConversation(item.ConversationId, out var botName, out var chatId)
            || bots.Find(item.ChannelAccount ?? botName) is not { } bot)
        {
            throw new ChannelSendException($"No configured Telegram bot for conversation '{item.ConversationId}'.", permanent: true);
        }

        // Both reads in one round trip.
        var blockedRead = blocking.IsBlockedAsync(bot.Name, chatId);
        var sentRead = store.SentPartsAsync(item.ConversationId, item.Id);
        await Task.WhenAll(blockedRead, sentRead);
        if (blockedRead.Result)
        {
            // Known blocked (my_chat_member or an earlier 403): Telegram would refuse; don't ask, until the customer writes again.
            throw new ChannelSendException("The customer has blocked the bot on Telegram; not sent.", permanent: true, recipientRefuses: chatId > 0);
        }

        var parts = Split(item.Message.Text);
        var sent = sentRead.Result;
        var group = chatId < 0;
        (int MessageId, int? ThreadId)? replyTo = group && item.InReplyToEventId is { } eventId ? await store.ReplyTargetAsync(bot.Name, eventId) : null;
        var client = bots.Client(bot);
        Message? first = null;
        for (var i = 0; i < parts.Count; i++)
        {
            if (sent.ContainsKey(i))
            {
                continue;
            }

            var markup = i == parts.Count - 1 ? await KeyboardAsync(item) : null;
            var waitStarted = Stopwatch.GetTimestamp();
            using (await limits.AcquireAsync(bot.Name, chatId, group, cancellationToken))
            {
                // Only a long wait in line can outlast the conversation's lease; after a short one nobody else can have sent it.
                if (Stopwatch.GetElapsedTime(waitStarted) > TimeSpan.FromSeconds(1) && await store.SentPartAsync(item.ConversationId, item.Id, i) is { } already)
                {
                    sent[i] = already; // another instance sent it while this one waited its turn
                    continue;
                }

                Message message;
                while (true)
                {
                    try
                    {
                        message = await client.SendMessage(
                            chatId,
                            Html(parts[i]),
                            ParseMode.Html,
                            replyParameters: replyTo is { } target && i == 0 ? new ReplyParameters { MessageId = target.MessageId, AllowSendingWithoutReply = true } : null,
                            replyMarkup: markup,
                            messageThreadId: replyTo?.ThreadId,
                            cancellationToken: cancellationToken);
                        break;
                    }
                    catch (ApiRequestException e) when (e.ErrorCode == (int)HttpStatusCode.BadRequest && e.Parameters?.MigrateToChatId is { } migrated && migrated != chatId)
                    {
                        // The group became a supergroup (a new chat id): what was said in it before is answered there.
                        chatId = migrated;
                    }
                    catch (ApiRequestException e) when (e.ErrorCode == (int)HttpStatusCode.TooManyRequests)
                    {
                        var wait = TimeSpan.FromSeconds(e.Parameters?.RetryAfter ?? 1);
                        throw new ChannelSendException($"Telegram 429: too many requests, retry after {wait.TotalSeconds:0} s.", retryAfter: wait, inner: e);
                    }
                    catch (ApiRequestException e) when (e.ErrorCode == (int)HttpStatusCode.Forbidden)
                    {
                        TelegramLog.SendBlocked(logger, bot.Name, item.ConversationId);
                        // In a private chat the chat id is the user's id; in a group it is the bot that was removed, not a customer who blocked it.
                        if (!group)
                        {
                            await blocking.SetAsync(bot.Name, chatId, chatId, blocked: true);
                        }
                        else
                        {
                            await store.SetChatStatusAsync(bot.Name, chatId, blocked: true);
                        }
                        throw new ChannelSendException($"Telegram 403: {e.Message} (the customer blocked the bot or left the chat).", permanent: true, inner: e, recipientRefuses: !group);
                    }
                    catch (ApiRequestException e) when (e.ErrorCode == (int)HttpStatusCode.BadRequest)
                    {
                        throw new ChannelSendException($"Telegram 400: {e.Message}", permanent: true, inner: e);
                    }
                    catch (ApiRequestException e)
                    {
                        throw new ChannelSendException($"Telegram {e.ErrorCode}: {e.Message}", inner: e);
                    }
                    catch (RequestException e)
                    {
                        throw new ChannelSendException("Telegram could not be reached: " + e.Message, inner: e);
                    }
                }

                first ??= message;
                sent[i] = message.Id;
                await RecordSentAsync(item, i, message.Id, cancellationToken);
            }
        }

        var ids = string.Join(',', Enumerable.Range(0, parts.Count).Select(i => sent[i].ToString(CultureInfo.InvariantCulture)));
        var link = first is not null ? TelegramAdapter.MessageLink(first.Chat, first.Id) : null;
        return new ChannelSendResult(ids, link);
    }

    /// <summary>
    /// Telegram has the message now. sendMessage has no idempotency key, so forgetting that to a short Redis outage
    /// would send it again on the retry: keep trying to write it down for a while before giving up.
    /// </summary>
    private async Task RecordSentAsync(OutboxItem item, int part, int messageId, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            try
            {
                await store.RecordSentPartAsync(item.ConversationId, item.Id, part, messageId);
                return;
            }
            catch (Exception e) when (StoreOutage.IsOutage(e) && Stopwatch.GetElapsedTime(started) < RecordSentPatience)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
            }
        }
    }

    private async Task<InlineKeyboardMarkup?> KeyboardAsync(OutboxItem item)
    {
        if (item.Message.Choices is not { Count: > 0 } choices)
        {
            return null;
        }

        var buttons = new List<InlineKeyboardButton>();
        foreach (var choice in choices)
        {
            buttons.Add(InlineKeyboardButton.WithCallbackData(Truncate(choice.Title, 64), await store.CallbackDataAsync(choice.Value)));
        }

        // Short labels side by side (up to three; five tiny ones, such as the ratings "1 😞" … "5 😀"), longer ones one per
        // row, so none is cut off on a phone.
        var oneRow = (buttons.Count <= 3 && choices.All(c => c.Title.Length <= 14)) || (buttons.Count <= 5 && choices.All(c => c.Title.Length <= 4));
        var rows = oneRow ? new[] { buttons.ToArray() } : buttons.Select(b => new[] { b }).ToArray();
        return new InlineKeyboardMarkup(rows);
    }

    /// <summary>Escapes the three characters HTML parse mode treats specially; everything else is sent as written.</summary>
    internal static string Html(string text)
    {
        if (text.AsSpan().IndexOfAny('<', '>', '&') < 0)
        {
            return text; // the usual case: nothing to escape
        }

        var builder = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            _ = c switch
            {
                '<' => builder.Append("&lt;"),
                '>' => builder.Append("&gt;"),
                '&' => builder.Append("&amp;"),
                _ => builder.Append(c),
            };
        }

        return builder.ToString();
    }

    /// <summary>
    /// Splits a text into parts of at most 4,096 characters (Telegram counts after entity parsing,
    /// i.e. before our escaping), preferring a paragraph break, then a line break, then a space;
    /// never inside a surrogate pair.
    /// </summary>
    internal static List<string> Split(string text, int max = MaxMessageLength)
    {
        var parts = new List<string>();
        var rest = text.AsSpan().Trim();
        while (rest.Length > max)
        {
            var window = rest[..max];
            var cut = Boundary(window, "\n\n", max) ?? Boundary(window, "\n", max) ?? Boundary(window, " ", max) ?? max;
            if (char.IsHighSurrogate(rest[cut - 1]))
            {
                cut--;
            }

            var part = rest[..cut].TrimEnd();
            if (part.Length > 0)
            {
                parts.Add(part.ToString());
            }

            rest = rest[cut..].TrimStart();
        }

        if (rest.Length > 0 || parts.Count == 0)
        {
            parts.Add(rest.Length > 0 ? rest.ToString() : " ");
        }

        return parts;
    }

    /// <summary>The last occurrence of the separator past the first quarter of the window (so parts do not get tiny).</summary>
    private static int? Boundary(ReadOnlySpan<char> window, string separator, int max)
    {
        var at = window.LastIndexOf(separator, StringComparison.Ordinal);
        return at >= max / 4 ? at + separator.Length : null;
    }

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}

/// <summary>
/// Telegram's sending limits as queues (System.Threading.RateLimiting): about 30 messages/s per
/// bot, about 1/s per chat, 20/min per group. A send waits its turn; it is never dropped. The
/// limits are per host instance (several instances share Telegram's budget between them).
/// </summary>
public sealed class TelegramRateLimits : IDisposable
{
    private readonly TelegramOptions _options;
    private readonly ConcurrentDictionary<string, RateLimiter> _perBot = new(StringComparer.OrdinalIgnoreCase);
    private readonly PartitionedRateLimiter<(string Bot, long Chat)> _perChat;
    private readonly PartitionedRateLimiter<(string Bot, long Chat)> _perGroup;

    public TelegramRateLimits(IOptions<TelegramOptions> options)
    {
        _options = options.Value;
        var perChat = _options.PerChatPerSecond;
        var perGroup = _options.PerGroupPerMinute;
        _perChat = PartitionedRateLimiter.Create<(string Bot, long Chat), (string, long)>(key => RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = perChat,
            TokensPerPeriod = perChat,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 10_000,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        }));
        _perGroup = PartitionedRateLimiter.Create<(string Bot, long Chat), (string, long)>(key => RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = perGroup,
            TokensPerPeriod = 1,
            ReplenishmentPeriod = TimeSpan.FromMinutes(1) / perGroup,
            QueueLimit = 10_000,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        }));
    }

    /// <summary>
    /// The longest a send waits in line here. The outbox holds the conversation's lease meanwhile, so a longer
    /// wait (a busy group) hands the item back to the outbox to retry shortly instead of outliving the lease.
    /// </summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(10);

    /// <summary>Waits until the chat, the group (if it is one) and the bot may send one more message.</summary>
    public async Task<IDisposable> AcquireAsync(string bot, long chatId, bool group, CancellationToken cancellationToken)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(MaxWait);
        try
        {
            return await AcquireAllAsync(bot, chatId, group, bounded.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ChannelSendException($"Telegram send limits: still waiting after {MaxWait.TotalSeconds:0} s; the outbox tries again shortly.", retryAfter: TimeSpan.FromSeconds(3));
        }
    }

    private async Task<IDisposable> AcquireAllAsync(string bot, long chatId, bool group, CancellationToken cancellationToken)
    {
        var leases = new List<RateLimitLease>(3);
        try
        {
            // The narrowest limit first, so a chat waiting its turn does not hold the bot's budget.
            leases.Add(await _perChat.AcquireAsync((bot, chatId), 1, cancellationToken));
            if (group)
            {
                leases.Add(await _perGroup.AcquireAsync((bot, chatId), 1, cancellationToken));
            }

            var perBot = _perBot.GetOrAdd(bot, _ => new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
            {
                TokenLimit = _options.PerBotPerSecond,
                TokensPerPeriod = _options.PerBotPerSecond,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = 100_000,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            }));
            leases.Add(await perBot.AcquireAsync(1, cancellationToken));
            if (leases.Any(l => !l.IsAcquired))
            {
                throw new ChannelSendException("Telegram send queue is full; trying again shortly.", retryAfter: TimeSpan.FromSeconds(5));
            }

            return new Leases(leases);
        }
        catch
        {
            leases.ForEach(l => l.Dispose());
            throw;
        }
    }

    public void Dispose()
    {
        _perChat.Dispose();
        _perGroup.Dispose();
        foreach (var limiter in _perBot.Values)
        {
            limiter.Dispose();
        }
    }

    private sealed class Leases(List<RateLimitLease> leases) : IDisposable
    {
        public void Dispose() => leases.ForEach(l => l.Dispose());
    }
}

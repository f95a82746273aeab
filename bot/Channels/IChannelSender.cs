using SupportBot.Pipeline.Outbox;

namespace SupportBot.Channels;

/// <summary>
/// Delivers one reply on one channel. Registered keyed by channel name; the outbox dispatcher
/// calls it with retries, so a sender makes one attempt and reports how it failed.
/// </summary>
public interface IChannelSender
{
    /// <exception cref="ChannelSendException">The attempt failed; <see cref="ChannelSendException.Permanent"/> says whether to retry.</exception>
    Task<ChannelSendResult> SendAsync(OutboxItem item, CancellationToken cancellationToken);
}

/// <param name="ChannelMessageId">The channel's id of the sent message: the evidence that a reply went out.</param>
/// <param name="Link">Where the sent message can be opened, if the channel has links.</param>
public sealed record ChannelSendResult(string ChannelMessageId, string? Link = null);

public sealed class ChannelSendException(string message, bool permanent = false, TimeSpan? retryAfter = null, Exception? inner = null, bool recipientRefuses = false)
    : Exception(message, inner)
{
    /// <summary>Retrying cannot help (blocked by the user, chat gone, bad request).</summary>
    public bool Permanent { get; } = permanent || recipientRefuses;

    /// <summary>The customer does not accept our messages on this channel (blocked the bot, has not allowed the community's messages).</summary>
    public bool RecipientRefuses { get; } = recipientRefuses;

    /// <summary>The channel asked us to wait this long (Telegram retry_after, HTTP Retry-After).</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;
}

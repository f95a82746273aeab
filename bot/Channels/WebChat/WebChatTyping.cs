using SupportBot.Handoff;
using StackExchange.Redis;

namespace SupportBot.Channels.WebChat;

/// <summary>
/// "Anna is typing…" in the website chat: a Direct Line <c>typing</c> activity pushed to the conversation's open streams
/// (on any instance, through the same pub/sub channel that announces new activities). Not kept in the transcript:
/// a page opened later has nothing to show for it, and polling clients do not see it.
/// </summary>
internal sealed class WebChatTyping(IConnectionMultiplexer redis) : IChannelTyping
{
    /// <summary>The pub/sub message's prefix; an ordinary append publishes "1".</summary>
    public const string Prefix = "typing:";

    public Task ShowTypingAsync(string conversationId, string? channelAccount, string? agentName, CancellationToken cancellationToken) =>
        redis.GetSubscriber().PublishAsync(RedisKeys.DirectLineNotify(conversationId), Prefix + agentName, CommandFlags.FireAndForget);
}

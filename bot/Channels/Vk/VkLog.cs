namespace SupportBot.Channels.Vk;

/// <summary>The VK channel's log lines: ids and codes only; text and tokens never above Debug.</summary>
internal static partial class VkLog
{
    [LoggerMessage(700, LogLevel.Debug, "VK {Community}: ignored event {Type}")]
    public static partial void Ignored(ILogger logger, string community, string type);

    [LoggerMessage(701, LogLevel.Debug, "VK {Community}: {Type} {EventId} accepted into {ConversationId} (duplicate: {Duplicate})")]
    public static partial void Accepted(ILogger logger, string community, string type, string eventId, string conversationId, bool duplicate);

    [LoggerMessage(702, LogLevel.Warning, "VK {Community}: callback refused: {Reason}")]
    public static partial void CallbackRefused(ILogger logger, string community, string reason);

    [LoggerMessage(703, LogLevel.Warning, "VK {Community}: users.get failed, the author is recorded without a name: {Error}")]
    public static partial void UsersGetFailed(ILogger logger, string community, string error);

    [LoggerMessage(704, LogLevel.Warning, "VK {Community}: messages.sendMessageEventAnswer failed: {Error}")]
    public static partial void EventAnswerFailed(ILogger logger, string community, string error);

    [LoggerMessage(705, LogLevel.Information, "VK {Community}: user {UserId} {Change} messages from the community")]
    public static partial void MessagesPermission(ILogger logger, string community, long userId, string change);

    [LoggerMessage(706, LogLevel.Information, "VK {Community}: long poll started")]
    public static partial void LongPollStarted(ILogger logger, string community);

    [LoggerMessage(707, LogLevel.Information, "VK {Community}: long poll answered failed={Failed}; {Action}")]
    public static partial void LongPollFailed(ILogger logger, string community, long failed, string action);

    [LoggerMessage(708, LogLevel.Warning, "VK {Community}: long poll error, retrying in {DelaySeconds} s: {Error}")]
    public static partial void LongPollError(ILogger logger, string community, double delaySeconds, string error);

    [LoggerMessage(709, LogLevel.Error, "VK {Community}: event {Type} {EventId} could not be handled")]
    public static partial void EventFailed(ILogger logger, Exception exception, string community, string type, string eventId);

    [LoggerMessage(710, LogLevel.Debug, "VK {Community}: sending to {ConversationId}: {Text}")]
    public static partial void Sending(ILogger logger, string community, string conversationId, string text);
}

using SupportBot.Contracts;

namespace SupportBot;

/// <summary>
/// The host's log lines. Structured, with the conversation id; no message text or personal data
/// above Debug.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Embedded Garnet started on 127.0.0.1:{Port}, data in {DataDir}")]
    public static partial void EmbeddedGarnetStarted(ILogger logger, int port, string dataDir);

    [LoggerMessage(10, LogLevel.Debug, "Turn committed in {ConversationId}: #{Sequence} ({Kind}), {Replies} replies")]
    public static partial void TurnCommitted(ILogger logger, string conversationId, long sequence, ActivityKind kind, int replies);

    [LoggerMessage(11, LogLevel.Error, "The bot's turn failed in {ConversationId} at #{Sequence}; the customer was told and the conversation queued for a person")]
    public static partial void BotTurnFailed(ILogger logger, Exception exception, string conversationId, long sequence);

    [LoggerMessage(12, LogLevel.Information, "Conversation {ConversationId} handed to the queue: {Reason}")]
    public static partial void HandoffRequested(ILogger logger, string conversationId, string reason);

    [LoggerMessage(13, LogLevel.Warning, "Lost the lease on {ConversationId}; another worker continues it")]
    public static partial void LeaseLost(ILogger logger, string conversationId);

    [LoggerMessage(14, LogLevel.Warning, "Pipeline paused, Redis unavailable: {Reason}")]
    public static partial void PipelineStoreUnavailable(ILogger logger, string reason);

    [LoggerMessage(15, LogLevel.Error, "Pipeline worker failed; it continues")]
    public static partial void PipelineLoopFailed(ILogger logger, Exception exception);

    [LoggerMessage(16, LogLevel.Error, "An inbound activity of {ConversationId} could not be read; moved to pipeline:unreadable")]
    public static partial void ActivityUnreadable(ILogger logger, string conversationId);

    [LoggerMessage(9200, LogLevel.Error, "A queued reply of {ConversationId} could not be read; moved to pipeline:unreadable")]
    public static partial void OutboxItemUnreadable(ILogger logger, string conversationId);

    [LoggerMessage(17, LogLevel.Warning, "The saved state of {ConversationId} could not be read; the conversation continues with a fresh state")]
    public static partial void StateUnreadable(ILogger logger, string conversationId);

    [LoggerMessage(20, LogLevel.Warning, "Send on {Channel} failed in {ConversationId} (attempt {Attempt}), retry in {DelaySeconds:F1} s: {Error}")]
    public static partial void SendFailed(ILogger logger, string channel, string conversationId, int attempt, double delaySeconds, string error);

    [LoggerMessage(21, LogLevel.Error, "Send on {Channel} in {ConversationId} dead-lettered after {Attempts} attempts: {Reason}")]
    public static partial void SendDeadLettered(ILogger logger, string channel, string conversationId, int attempts, string reason);

    [LoggerMessage(30, LogLevel.Warning, "Api:Keys is empty: the /api endpoints refuse every request until a key is configured")]
    public static partial void NoApiKeys(ILogger logger);

    [LoggerMessage(31, LogLevel.Warning, "Channels:WebChat:Secret is empty: Direct Line tokens/generate is off; the website widget uses /api/webchat/token")]
    public static partial void NoWebChatSecret(ILogger logger);

    [LoggerMessage(40, LogLevel.Information, "Conversation {ConversationId} queued for a person in {Department} ({Reason})")]
    public static partial void HandoffQueued(ILogger logger, string conversationId, string department, string reason);

    [LoggerMessage(41, LogLevel.Information, "Agent {AgentId} did not answer {ConversationId} in time: back to the queue")]
    public static partial void AnswerLeaseExpired(ILogger logger, string conversationId, string agentId);

    [LoggerMessage(67, LogLevel.Information, "Customer {CustomerId} erased on request: {Conversations} conversations, {Records} interest records, {FollowUps} follow-ups")]
    public static partial void CustomerErased(ILogger logger, string customerId, int conversations, int records, int followUps);

    [LoggerMessage(66, LogLevel.Information, "{ConversationId} resolved: its customer has not answered agent {AgentId} for the idle time")]
    public static partial void IdleChatResolved(ILogger logger, string conversationId, string agentId);

    [LoggerMessage(44, LogLevel.Information, "Supervisor {SupervisorId} moved {ConversationId} from agent {FromAgentId}")]
    public static partial void ChatReassigned(ILogger logger, string supervisorId, string conversationId, string fromAgentId);

    [LoggerMessage(45, LogLevel.Warning, "The interest records of {ConversationId} could not follow the chat to {Responsible}: {Error}")]
    public static partial void RecordsDidNotFollowChat(ILogger logger, string conversationId, string responsible, string error);

    [LoggerMessage(42, LogLevel.Warning, "Handoff round failed, trying again shortly: {Error}")]
    public static partial void HandoffMonitorFailed(ILogger logger, string error);

    [LoggerMessage(43, LogLevel.Warning, "A handoff notice could not be passed to the agents' live connections: {Error}")]
    public static partial void HandoffNoticeDropped(ILogger logger, string error);

    [LoggerMessage(46, LogLevel.Debug, "The typing indicator for {ConversationId} could not be shown: {Error}")]
    public static partial void TypingNotShown(ILogger logger, string conversationId, string error);

    [LoggerMessage(50, LogLevel.Error, "Interest observer {Observer} failed; the record is stored")]
    public static partial void InterestObserverFailed(ILogger logger, string observer, Exception exception);

    [LoggerMessage(51, LogLevel.Information, "Removed {Count} interest records older than {Days} days")]
    public static partial void RetentionSwept(ILogger logger, int count, int days);

    [LoggerMessage(52, LogLevel.Warning, "Interest retention sweep failed, trying again later: {Error}")]
    public static partial void RetentionSweepFailed(ILogger logger, string error);

    [LoggerMessage(53, LogLevel.Error, "Interest retention sweep failed unexpectedly, trying again later")]
    public static partial void RetentionSweepError(ILogger logger, Exception exception);

    [LoggerMessage(54, LogLevel.Warning, "Interest record {RecordId} could not be read; retention removes it by its id: {Error}")]
    public static partial void UnreadableInterestRemoved(ILogger logger, string recordId, string error);

    [LoggerMessage(55, LogLevel.Information, "Moved {Count} report counter hashes of the earlier layout to one hash per dimension")]
    public static partial void ReportCountersUpgraded(ILogger logger, int count);

    [LoggerMessage(56, LogLevel.Warning, "Report counters of the earlier layout were not moved; trying again at the next start: {Error}")]
    public static partial void ReportCountersUpgradeFailed(ILogger logger, string error);

    [LoggerMessage(60, LogLevel.Information, "Console sign-in refused: {Reason}")]
    public static partial void ConsoleSignInRefused(ILogger logger, string reason);

    [LoggerMessage(61, LogLevel.Information, "Console account {AgentId} created or updated from configuration")]
    public static partial void FirstAdminEnsured(ILogger logger, string agentId);

    [LoggerMessage(62, LogLevel.Warning, "Departments saved in Redis were not applied: {Reason}")]
    public static partial void DepartmentSettingsRefused(ILogger logger, string reason);

    [LoggerMessage(63, LogLevel.Warning, "{Queue} round failed, trying again shortly: {Error}")]
    public static partial void QueueRoundFailed(ILogger logger, string queue, string error);

    [LoggerMessage(64, LogLevel.Error, "{Queue} failed unexpectedly; it goes on")]
    public static partial void QueueLoopFailed(ILogger logger, Exception exception, string queue);

    [LoggerMessage(65, LogLevel.Warning, "An open console page's account could not be re-checked ({Error}); the page stays signed in until the next check")]
    public static partial void ConsoleRevalidationDeferred(ILogger logger, string error);
}

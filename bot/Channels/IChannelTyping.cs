namespace SupportBot.Channels;

/// <summary>
/// Shows the customer that a person of the team is writing to them ("Anna is typing…"), registered per channel like the
/// senders. Best effort and short-lived (a few seconds on every channel): a lost signal costs nothing, so nothing retries it.
/// </summary>
public interface IChannelTyping
{
    /// <param name="conversationId">A private chat (<see cref="DirectChats"/>); the caller checks.</param>
    /// <param name="channelAccount">Our bot or community in that channel, as the conversation's profile has it.</param>
    /// <param name="agentName">The agent's name, or null when their account has none.</param>
    Task ShowTypingAsync(string conversationId, string? channelAccount, string? agentName, CancellationToken cancellationToken);
}

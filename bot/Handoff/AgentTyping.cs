using SupportBot.Channels;

namespace SupportBot.Handoff;

/// <summary>
/// Tells a customer that the agent holding their chat is writing ("Anna is typing…"), through the channel's
/// <see cref="IChannelTyping"/>. Only in private chats (web chat, Telegram and VK messages): in a group or a comment
/// thread the bot's account would seem to type to everyone. The console calls it while the agent types, a few seconds apart.
/// </summary>
public sealed class AgentTyping(IServiceProvider services, HandoffStore store, ILogger<AgentTyping> logger)
{
    /// <returns>Whether the signal went out.</returns>
    public async Task<bool> ShowAsync(string conversationId, string agentId, CancellationToken cancellationToken = default)
    {
        if (!DirectChats.IsDirect(conversationId))
        {
            return false;
        }

        try
        {
            // Only the holder: someone reading the chat (a supervisor, an agent before claiming it) is not writing to the customer.
            if ((await store.OwnerAsync(conversationId)).AgentId != agentId
                || await store.GetProfileAsync(conversationId) is not { } profile
                || services.GetKeyedService<IChannelTyping>(profile.Channel) is not { } typing)
            {
                return false;
            }

            var agent = await store.GetAgentAsync(agentId);
            var name = agent?.Name is { Length: > 0 } n && n != agentId ? n : null;
            await typing.ShowTypingAsync(conversationId, profile.ChannelAccount, name, cancellationToken);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // A lost "typing…" costs nothing; the agent's reply itself goes through the outbox with its retries.
            Log.TypingNotShown(logger, conversationId, e.Message);
            return false;
        }
    }
}

using System.Globalization;
using Microsoft.Extensions.Options;

namespace SupportBot.Channels.Vk;

/// <summary>"typing…" in the customer's VK dialog with the community (messages.setActivity; VK shows it for about 10 seconds).</summary>
internal sealed class VkTyping(IOptions<VkOptions> options, VkApiClient api) : IChannelTyping
{
    public async Task ShowTypingAsync(string conversationId, string? channelAccount, string? agentName, CancellationToken cancellationToken)
    {
        if (VkConversation.Parse(conversationId) is { PeerId: { } peer } conversation
            && (options.Value.Find(channelAccount ?? conversation.Community) ?? options.Value.Find(conversation.Community)) is { } community)
        {
            await api.CallAsync(community, "messages.setActivity",
            [
                new("peer_id", peer.ToString(CultureInfo.InvariantCulture)),
                new("type", "typing"),
                new("group_id", community.GroupId.ToString(CultureInfo.InvariantCulture)),
            ], cancellationToken);
        }
    }
}

using SupportBot.Channels.Telegram;
using SupportBot.Channels.Vk;
using SupportBot.Channels.WebChat;

namespace SupportBot.Channels;

/// <summary>
/// Whether a conversation is a private chat with one customer (the web chat, a Telegram private chat, VK messages),
/// where the bot may say something of its own, such as that an agent handed the chat back. Not a comment thread or a
/// group, where everyone would read it, nor an e-mail thread, where it would be one more mail.
/// </summary>
internal static class DirectChats
{
    // VK numbers its group chats' peers from 2,000,000,000; users below.
    private const long VkFirstGroupChatPeer = 2_000_000_000;

    public static bool IsDirect(string conversationId) => conversationId.Split(':') switch
    {
        [DirectLineTranscript.ChannelName, _] => true,
        [TelegramBots.ChannelName, _, _] => TelegramAdapter.TryParseConversation(conversationId, out _, out var chat) && chat > 0,
        [VkConversation.Channel, ..] => VkConversation.Parse(conversationId) is { PeerId: > 0 and < VkFirstGroupChatPeer },
        _ => false,
    };
}

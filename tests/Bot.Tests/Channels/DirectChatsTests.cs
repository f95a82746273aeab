using SupportBot.Channels;

namespace SupportBot.Tests.Channels;

public sealed class DirectChatsTests
{
    /// <summary>Where the bot may tell the customer that an agent handed the chat back: only in a chat with them alone.</summary>
    [Theory]
    [InlineData("webchat:2ff6df5f18a047fd8f2da2ed01e635e4", true)]
    [InlineData("telegram:shop:123456789", true)]             // a private chat
    [InlineData("telegram:shop:-1001234567890:42", false)]    // a member of a group: the group would read it
    [InlineData("vk:shop:345678", true)]                       // community messages
    [InlineData("vk:shop:2000000004", false)]                  // a VK group chat
    [InlineData("vk:shop:wall-123_456:789", false)]            // a comment thread under a wall post: public
    [InlineData("vk:shop:signals:789", false)]                 // likes and joins
    [InlineData("email:shop:abc@mail.example", false)]         // one more mail
    [InlineData("form:site:1", false)]
    [InlineData("", false)]
    public void IsDirect_OnlyAChatWithTheCustomerAlone(string conversationId, bool direct) =>
        Assert.Equal(direct, DirectChats.IsDirect(conversationId));
}

using SupportBot.Pipeline;

namespace SupportBot.Tests.Pipeline;

public sealed class ConversationIdsTests
{
    [Theory]
    [InlineData("telegram:main:12345")]
    [InlineData("webchat:0123456789abcdef0123456789abcdef")]
    public void Validate_ChannelIds_Accepted(string id) => ConversationIds.Validate(id);

    [Theory]
    [InlineData("")]
    [InlineData("a}b")]
    [InlineData("{c:x}")]
    public void Validate_BracesOrEmpty_Refused(string id) => Assert.Throws<ArgumentException>(() => ConversationIds.Validate(id));
}

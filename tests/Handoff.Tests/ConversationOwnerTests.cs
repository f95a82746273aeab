using SupportBot.Handoff;

namespace SupportBot.Handoff.Tests;

public sealed class ConversationOwnerTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("bot")]
    public void Parse_MissingOrBot_IsBot(string? stored) => Assert.True(ConversationOwner.Parse(stored).IsBot);

    [Fact]
    public void Parse_Agent_KeepsTheAgentId()
    {
        var owner = ConversationOwner.Parse("agent:anna@example.com");
        Assert.True(owner.IsAgent);
        Assert.False(owner.IsBot);
        Assert.Equal("anna@example.com", owner.AgentId);
        Assert.Equal(owner, ConversationOwner.Agent("anna@example.com"));
    }

    [Fact]
    public void Parse_Queued_RoundTrips() => Assert.Equal("queued", ConversationOwner.Parse(ConversationOwner.Queued.Value).Value);

    [Theory]
    [InlineData("agent:")]
    [InlineData("robot")]
    public void Parse_Unknown_Throws(string stored) => Assert.Throws<FormatException>(() => ConversationOwner.Parse(stored));
}

using SupportBot.Contracts;
using SupportBot.Pipeline;

namespace SupportBot.Tests.Pipeline;

/// <summary>The lead card's action words, and the record fields a channel adds to the bot's.</summary>
public sealed class InterestActionTests
{
    [Theory]
    [InlineData(ActivityKind.Message, "message")]
    [InlineData(ActivityKind.Button, "message")]
    [InlineData(ActivityKind.Email, "message")]
    [InlineData(ActivityKind.Comment, "comment")]
    [InlineData(ActivityKind.Post, "post")]
    [InlineData(ActivityKind.Like, "like")]
    [InlineData(ActivityKind.Join, "join")]
    [InlineData(ActivityKind.Leave, "leave")]
    public void ActionOf_Kind_TheRecordsActionWord(ActivityKind kind, string action) => Assert.Equal(action, ConversationProcessor.ActionOf(kind));

    [Fact]
    public void Merge_ChannelAndBotFields_BothKeptTheBotWinsAClash()
    {
        var merged = ConversationProcessor.Merge(
            new Dictionary<string, string> { ["removed"] = "true", ["intent"] = "channel" },
            new Dictionary<string, string> { ["intent"] = "faq:delivery" });

        Assert.Equal("true", merged!["removed"]);
        Assert.Equal("faq:delivery", merged["intent"]);
        Assert.Null(ConversationProcessor.Merge(null, null));
        Assert.Equal("x", ConversationProcessor.Merge(null, new Dictionary<string, string> { ["a"] = "x" })!["a"]);
    }
}

using System.Text.Json.Nodes;
using SupportBot.Channels.WebChat;

namespace SupportBot.Tests.Channels.WebChat;

public sealed class PostedActivityTests
{
    [Fact]
    public void Read_WebChatMessage_TakesTextClientIdAndPage()
    {
        var posted = PostedActivity.Read(JsonNode.Parse("""
            {"type":"message","text":"hi","locale":"de-DE","from":{"id":"u1","name":"Ann","role":"user"},
             "channelData":{"clientActivityID":"c-1","pageUrl":"https://shop.example.com/kettle"}}
            """)!.AsObject());

        Assert.Null(posted.Error);
        Assert.Equal("hi", posted.Text);
        Assert.Equal("de-DE", posted.Locale);
        Assert.Equal("c-1", posted.ClientActivityId);
        Assert.Equal("https://shop.example.com/kettle", posted.PageUrl);
        Assert.False(posted.IsButton);
    }

    [Fact]
    public void Read_PostBack_TextFromValueAndMarkedAsButton()
    {
        var posted = PostedActivity.Read(JsonNode.Parse("""{"type":"message","value":"human","channelData":{"postBack":true}}""")!.AsObject());

        Assert.Equal("human", posted.Text);
        Assert.True(posted.IsButton);
    }

    [Theory]
    [InlineData("""{"type":"message","text":5}""", "'text' must be a string")]
    [InlineData("""{"type":"message"}""", "needs 'text'")]
    [InlineData("""{"type":"invoke","text":"x"}""", "'type'")]
    [InlineData("""{"text":"x"}""", "'type'")]
    [InlineData("""{"type":"message","text":"x","from":{"id":[1]}}""", "'id' must be a string")]
    public void Read_Invalid_SaysWhatIsWrong(string json, string expected) =>
        Assert.Contains(expected, PostedActivity.Read(JsonNode.Parse(json)!.AsObject()).Error);

    [Fact]
    public void Read_JavascriptPageUrl_Dropped() =>
        Assert.Null(PostedActivity.Read(JsonNode.Parse("""{"type":"message","text":"x","channelData":{"pageUrl":"javascript:alert(1)"}}""")!.AsObject()).PageUrl);
}

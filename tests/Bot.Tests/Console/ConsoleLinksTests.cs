using SupportBot.AgentConsole;

namespace SupportBot.Tests.Console;

public sealed class ConsoleLinksTests
{
    [Theory]
    [InlineData("https://sun1.userapi.com/photo_1_100.jpg")]
    [InlineData("http://example.com/a")]
    [InlineData("/api/channels/telegram/shop/files/AgACAgIAAxUAAW")]
    public void Safe_WebLinksAndPathsOnThisHost_Kept(string url) => Assert.Equal(url, ConsoleLinks.Safe(url));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("//evil.example/x.png")]
    [InlineData("/\\evil.example/x.png")]
    [InlineData("javascript:alert(1)")]
    [InlineData("data:image/png;base64,AAAA")]
    [InlineData("file:///etc/passwd")]
    [InlineData("photo.jpg")]
    public void Safe_AnythingElse_Null(string? url) => Assert.Null(ConsoleLinks.Safe(url));
}

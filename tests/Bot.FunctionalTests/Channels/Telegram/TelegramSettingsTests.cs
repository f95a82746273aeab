using Microsoft.Extensions.Options;
using SupportBot.Channels.Telegram;
using SupportBot.FunctionalTests.Infrastructure;

namespace SupportBot.FunctionalTests.Channels.Telegram;

/// <summary>Start-up refuses a wrong bot setting with its path; and the pure pieces the sender and adapter rely on.</summary>
public sealed class TelegramSettingsTests
{
    [Fact]
    public async Task Start_BadTokenAndMissingWebhookSecret_StopsWithOneLineNamingEachSetting()
    {
        var workDir = Directory.CreateTempSubdirectory("sb-telegram-").FullName;
        await using var bot = BotProcess.Start(workDir, new Dictionary<string, string>
        {
            ["Storage__DataDir"] = Path.Combine(workDir, "data"),
            ["Channels__Telegram__Bots__0__Name"] = "shop",
            ["Channels__Telegram__Bots__0__Token"] = "not-a-token",
            ["Channels__Telegram__Bots__1__Name"] = "brand2",
            ["Channels__Telegram__Bots__1__Token"] = "123:abc",
            ["Channels__Telegram__Bots__1__Mode"] = "webhook",
            ["Channels__Telegram__Bots__1__WebhookUrl"] = "http://insecure.example.com/hook",
        });

        Assert.Equal(1, await bot.WaitForExitAsync(TimeSpan.FromSeconds(120)));
        var line = Assert.Single(bot.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("Channels:Telegram:Bots:0:Token", line, StringComparison.Ordinal);
        Assert.Contains("Channels:Telegram:Bots:1:WebhookUrl", line, StringComparison.Ordinal);
        Assert.Contains("Channels:Telegram:Bots:1:WebhookSecret", line, StringComparison.Ordinal);
        Assert.DoesNotContain("not-a-token", line, StringComparison.Ordinal); // a token is never echoed
    }

    [Fact]
    public void Validator_DuplicateNames_Refused()
    {
        var options = new TelegramOptions { Bots = [new() { Name = "a", Token = "1:x" }, new() { Name = "A", Token = "2:y" }] };

        var result = new TelegramOptionsValidator().Validate(null, options);

        Assert.Contains(result.Failures!, f => f.StartsWith("Channels:Telegram:Bots:1:Name", StringComparison.Ordinal));
    }

    [Fact]
    public void Split_PrefersParagraphThenLineThenWord()
    {
        var text = new string('a', 3000) + "\n\n" + new string('b', 2000) + "\n" + new string('c', 3000) + " " + new string('d', 100);

        var parts = TelegramSender.Split(text);

        Assert.Equal([new string('a', 3000), new string('b', 2000), new string('c', 3000) + " " + new string('d', 100)], parts);
        Assert.All(TelegramSender.Split(new string('x', 9000)), p => Assert.True(p.Length <= 4096));
        Assert.Equal(3, TelegramSender.Split(new string('x', 9000)).Count);
        // An emoji (a surrogate pair) is never cut in half.
        var emojis = string.Concat(Enumerable.Repeat("😀", 3000));
        Assert.All(TelegramSender.Split(emojis), p => Assert.False(char.IsHighSurrogate(p[^1])));
    }

    [Fact]
    public void Html_EscapesOnlyTheThreeSpecialCharacters() =>
        Assert.Equal("a &lt;b&gt; &amp;amp; \"q\" 'x' ü", TelegramSender.Html("a <b> &amp; \"q\" 'x' ü"));

    [Theory]
    [InlineData("/start product_123", "product_123")]
    [InlineData("/start@northwind_test_bot product_123", "product_123")]
    [InlineData("/start", null)]
    [InlineData("/starting", null)]
    [InlineData("hello /start x", null)]
    public void DeepLinkPayload(string text, string? payload) => Assert.Equal(payload, TelegramAdapter.DeepLinkPayload(text));

    [Fact]
    public void WebhookSecret_ComparedWhole() =>
        Assert.Equal([true, false, false, false], new[] { "abc_def-0123456789", "abc_def-012345678", "abc_def-01234567890", "" }
            .Select(s => TelegramEndpoints.SecretMatches(s, "abc_def-0123456789")));
}

public sealed class TelegramRateLimitTests
{
    [Fact]
    public async Task GroupLimit_QueuesPastTheBurst_NothingRefused()
    {
        using var limits = new TelegramRateLimits(Microsoft.Extensions.Options.Options.Create(new TelegramOptions { PerChatPerSecond = 100, PerGroupPerMinute = 120 }));
        var started = DateTime.UtcNow;

        // 120/min: a burst of 120, then one every half second.
        for (var i = 0; i < 122; i++)
        {
            using var lease = await limits.AcquireAsync("shop", -1001, group: true, TestContext.Current.CancellationToken);
        }

        Assert.InRange((DateTime.UtcNow - started).TotalSeconds, 0.8, 5);
    }
}

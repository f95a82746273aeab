using System.Net;
using SupportBot.FunctionalTests.Infrastructure;
using static SupportBot.FunctionalTests.Infrastructure.TestCancellation;

namespace SupportBot.FunctionalTests.Interests;

public sealed class FeedQueryOnRedisTests(BotHostFixture<RedisServerFixture> host)
    : FeedQueryTests(host.Factory), IClassFixture<BotHostFixture<RedisServerFixture>>;

public sealed class FeedQueryOnGarnetTests(BotHostFixture<GarnetFixture> host)
    : FeedQueryTests(host.Factory), IClassFixture<BotHostFixture<GarnetFixture>>;

/// <summary>The feed's filters and full-text search, as a support team member uses them.</summary>
public abstract class FeedQueryTests(BotFactory factory)
{
    private readonly FeedSupport _feed = new(factory);

    [Fact]
    public async Task Filters_EachNarrowsTheFeed_AndTheFeedShowsWhatCustomersDidNewestFirst()
    {
        var product = "Kettle " + FeedSupport.UniqueWord();
        var p = "?pageSize=500&product=" + Uri.EscapeDataString(product);
        var now = DateTimeOffset.UtcNow;
        var telegramMessage = await _feed.SeedAsync("Does it boil fast?", product, date: now.AddMinutes(-5));
        var vkComment = await _feed.SeedAsync("Nice kettle", product, source: "vk", action: "comment", date: now.AddMinutes(-4));
        var ourReply = await _feed.SeedAsync("It does, in two minutes.", product, direction: "out", responsible: "bot", date: now.AddMinutes(-3));
        var like = await _feed.SeedAsync(null!, product, source: "vk", action: "like", processed: true, date: now.AddMinutes(-2));
        var review = await _feed.SeedAsync("Broke after a week", product, action: "review", responsible: "agent:olga", date: now.AddMinutes(-1));

        Assert.Equal([review.Id, like.Id, vkComment.Id, telegramMessage.Id], await _feed.IdsAsync(p));
        Assert.Equal([review.Id, like.Id, ourReply.Id, vkComment.Id, telegramMessage.Id], await _feed.IdsAsync(p + "&direction=all"));
        Assert.Equal([ourReply.Id], await _feed.IdsAsync(p + "&direction=out"));
        Assert.Equal([like.Id, vkComment.Id], await _feed.IdsAsync(p + "&source=vk"));
        Assert.Equal([like.Id], await _feed.IdsAsync(p + "&action=like"));
        Assert.Equal([like.Id], await _feed.IdsAsync(p + "&processed=yes"));
        Assert.Equal([review.Id, vkComment.Id, telegramMessage.Id], await _feed.IdsAsync(p + "&processed=no"));
        Assert.Equal([review.Id], await _feed.IdsAsync(p + "&responsible=agent:olga"));
        Assert.Equal([like.Id, vkComment.Id, telegramMessage.Id], await _feed.IdsAsync(p + "&responsible=unassigned"));
        Assert.Equal([vkComment.Id], await _feed.IdsAsync(p + "&processed=no&source=vk&responsible=unassigned"));
        var from = Uri.EscapeDataString(now.AddMinutes(-4.5).ToString("O"));
        var to = Uri.EscapeDataString(now.AddMinutes(-1.5).ToString("O"));
        Assert.Equal([like.Id, vkComment.Id], await _feed.IdsAsync(p + $"&from={from}&to={to}"));
        Assert.Equal([review.Id, like.Id, vkComment.Id, telegramMessage.Id], await _feed.IdsAsync("?pageSize=500&product=" + Uri.EscapeDataString(product.ToUpperInvariant())));
        Assert.Empty(await _feed.IdsAsync(p + "&processed=no&direction=out"));
    }

    [Fact]
    public async Task Paging_WithFiltersThatNeedChecking_PagesDoNotOverlapAndTheLastSaysSo()
    {
        var product = "Toaster " + FeedSupport.UniqueWord();
        var now = DateTimeOffset.UtcNow;
        var seeded = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            seeded.Add((await _feed.SeedAsync($"question {i}", product, source: i % 2 == 0 ? "vk" : "telegram", date: now.AddSeconds(-i))).Id);
        }

        var vk = seeded.Where((_, i) => i % 2 == 0).ToList(); // newest first already
        var q = "?pageSize=2&source=vk&product=" + Uri.EscapeDataString(product);
        var pages = new[] { await _feed.PageAsync(q + "&page=1"), await _feed.PageAsync(q + "&page=2") };

        Assert.Equal(vk, pages.SelectMany(pg => pg["items"]!.AsArray().Select(i => i!["id"]!.GetValue<string>())));
        Assert.True(pages[0]["hasMore"]!.GetValue<bool>());
        Assert.False(pages[1]["hasMore"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Search_AllWordsMustMatch_TextOrAuthor_CaseAndAccentsFolded_LatinAndCyrillic()
    {
        var word = FeedSupport.UniqueWord();
        var german = await _feed.SeedAsync($"Ich möchte den Wasserkocher zurückgeben {word}", authorName: "Zoë Müller");
        var russian = await _feed.SeedAsync($"Хочу вернуть чайник, {word}!", source: "vk", authorName: "Пётр Иванов");
        var other = await _feed.SeedAsync($"{word} something else entirely", authorName: "Ann");

        Assert.Equal([other.Id, russian.Id, german.Id], await _feed.IdsAsync($"?q={word}"));
        Assert.Equal([german.Id], await _feed.IdsAsync($"?q={word}+MOCHTE"));
        Assert.Equal([german.Id], await _feed.IdsAsync($"?q={Uri.EscapeDataString(word + " zurückgeben")}"));
        Assert.Equal([german.Id], await _feed.IdsAsync($"?q={word}+zoe+muller"));
        Assert.Equal([russian.Id], await _feed.IdsAsync($"?q={Uri.EscapeDataString(word + " ЧАЙНИК")}"));
        Assert.Equal([russian.Id], await _feed.IdsAsync($"?q={Uri.EscapeDataString(word + " петр")}"));
        Assert.Equal([russian.Id], await _feed.IdsAsync($"?q={Uri.EscapeDataString(word + " пётр")}&source=vk"));
        Assert.Empty(await _feed.IdsAsync($"?q={Uri.EscapeDataString(word + " чайник kettle")}"));
        Assert.Empty(await _feed.IdsAsync($"?q={word}&source=email"));
    }

    [Fact]
    public async Task Search_OverTheRealPipeline_FindsWhatTheCustomerWrote()
    {
        var word = FeedSupport.UniqueWord();
        var chat = new DirectLineTestClient(factory.CreateClient());
        var conversation = await chat.StartAsync();
        await chat.SendAsync(conversation, $"Where is my order {word}?");
        await chat.WaitForBotMessagesAsync(conversation, 2);

        var items = (await _feed.PageAsync($"?q=ORDER+{word}&source=webchat"))["items"]!.AsArray();

        var found = Assert.Single(items)!;
        Assert.Equal($"Where is my order {word}?", found["text"]!.GetValue<string>());
        Assert.Equal("webchat:" + conversation.ConversationId, found["conversationId"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("?processed=maybe", "processed")]
    [InlineData("?direction=sideways", "direction")]
    [InlineData("?responsible=olga", "responsible")]
    [InlineData("?responsible=agent:%7Bbad%7D", "responsible")]
    [InlineData("?action=dance", "action")]
    [InlineData("?from=yesterday", "from")]
    public async Task List_BadFilter_400NamesTheFilter(string query, string field)
    {
        var problem = await ProblemAssert.IsProblemAsync(await _feed.Api().GetAsync("/api/interests" + query, Ct), HttpStatusCode.BadRequest);
        Assert.Contains(field, problem["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task List_OverlongSearchOrProduct_400NamesIt()
    {
        var q = await ProblemAssert.IsProblemAsync(await _feed.Api().GetAsync("/api/interests?q=" + new string('a', 201), Ct), HttpStatusCode.BadRequest);
        Assert.Contains("q", q["detail"]!.GetValue<string>());
        var product = await ProblemAssert.IsProblemAsync(await _feed.Api().GetAsync("/api/interests?product=" + new string('a', 101), Ct), HttpStatusCode.BadRequest);
        Assert.Contains("product", product["detail"]!.GetValue<string>());
    }
}

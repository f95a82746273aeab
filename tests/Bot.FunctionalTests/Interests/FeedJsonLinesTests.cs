using System.Net;
using System.Text.Json.Nodes;
using SupportBot.FunctionalTests.Infrastructure;
using static SupportBot.FunctionalTests.Infrastructure.TestCancellation;

namespace SupportBot.FunctionalTests.Interests;

public sealed class FeedJsonLinesOnRedisTests(BotHostFixture<RedisServerFixture> host)
    : FeedJsonLinesTests(host.Factory), IClassFixture<BotHostFixture<RedisServerFixture>>;

public sealed class FeedJsonLinesOnGarnetTests(BotHostFixture<GarnetFixture> host)
    : FeedJsonLinesTests(host.Factory), IClassFixture<BotHostFixture<GarnetFixture>>;

/// <summary>The feed as JSON Lines for another system: the same filtered records as the CSV, one JSON object a line.</summary>
public abstract class FeedJsonLinesTests(BotFactory factory)
{
    private readonly FeedSupport _feed = new(factory);

    [Fact]
    public async Task ExportJsonLines_TheFilteredRecords_OnePerLine_NewestFirst_SameAsCsv()
    {
        var product = "Grill " + FeedSupport.UniqueWord();
        var now = DateTimeOffset.UtcNow;
        var multiLine = await _feed.SeedAsync("Hello, \"shop\"\nsecond line", product, authorName: "O'Brien, Pat", date: now.AddSeconds(-5));
        var plain = await _feed.SeedAsync("Плита на газе?", product, date: now.AddSeconds(-4));
        await _feed.SeedAsync("Our answer", product, direction: "out", date: now.AddSeconds(-3));
        await _feed.SeedAsync("Elsewhere", product, source: "vk", date: now.AddSeconds(-2));
        var query = "?source=telegram&product=" + Uri.EscapeDataString(product);

        var response = await _feed.Api().GetAsync("/api/interests/export.jsonl" + query, Ct);
        var csv = await _feed.Api().GetStringAsync("/api/interests/export.csv" + query, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/jsonl", response.Content.Headers.ContentType?.MediaType);
        Assert.EndsWith(".jsonl", response.Content.Headers.ContentDisposition?.FileNameStar ?? response.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.EndsWith("\n", text);
        Assert.Contains("Плита на газе?", text, StringComparison.Ordinal); // readable, not \u-escaped
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        Assert.Equal([plain.Id, multiLine.Id], lines.Select(l => l["id"]!.GetValue<string>()));
        Assert.Equal("Hello, \"shop\"\nsecond line", lines[1]["text"]!.GetValue<string>());
        Assert.Equal("O'Brien, Pat", lines[1]["author"]!["name"]!.GetValue<string>());
        Assert.Equal("Плита на газе?", lines[0]["text"]!.GetValue<string>());
        Assert.Equal(product, lines[0]["product"]!.GetValue<string>());
        Assert.False(lines[0]["processed"]!.GetValue<bool>());
        Assert.All(lines.Select(l => l["id"]!.GetValue<string>()), id => Assert.Contains(id, csv));
    }

    [Fact]
    public async Task ExportJsonLines_BadFilter_400_NoKey_401()
    {
        var problem = await ProblemAssert.IsProblemAsync(await _feed.Api().GetAsync("/api/interests/export.jsonl?from=yesterday", Ct), HttpStatusCode.BadRequest);
        Assert.Contains("from", problem["detail"]!.GetValue<string>());
        await ProblemAssert.IsProblemAsync(await _feed.Api(key: null).GetAsync("/api/interests/export.jsonl", Ct), HttpStatusCode.Unauthorized);
    }
}

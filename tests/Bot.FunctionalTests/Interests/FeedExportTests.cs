using System.Globalization;
using System.Net;
using CsvHelper;
using Microsoft.Extensions.DependencyInjection;
using SupportBot.AgentConsole.Accounts;
using SupportBot.FunctionalTests.Infrastructure;
using static SupportBot.FunctionalTests.Infrastructure.TestCancellation;

namespace SupportBot.FunctionalTests.Interests;

public sealed class FeedExportOnRedisTests(BotHostFixture<RedisServerFixture> host)
    : FeedExportTests(host.Factory), IClassFixture<BotHostFixture<RedisServerFixture>>;

public sealed class FeedExportOnGarnetTests(BotHostFixture<GarnetFixture> host)
    : FeedExportTests(host.Factory), IClassFixture<BotHostFixture<GarnetFixture>>;

/// <summary>The CSV a team member downloads and opens in a spreadsheet.</summary>
public abstract class FeedExportTests(BotFactory factory)
{
    private readonly FeedSupport _feed = new(factory);

    [Fact]
    public async Task Export_WhatTheFilterShows_QuotedSafely_FormulasDefused()
    {
        var product = "Grill " + FeedSupport.UniqueWord();
        var now = DateTimeOffset.UtcNow;
        var tricky = await _feed.SeedAsync("Hello, \"shop\"\nsecond line", product, authorName: "O'Brien, Pat", date: now.AddSeconds(-5));
        var formula = await _feed.SeedAsync("=HYPERLINK(\"http://evil.invalid\",\"click\")", product, authorName: "@admin", date: now.AddSeconds(-4));
        var plus = await _feed.SeedAsync("+7 999 123-45-67", product, authorName: "-Minus", date: now.AddSeconds(-3));
        await _feed.SeedAsync("Our answer", product, direction: "out", date: now.AddSeconds(-2));
        await _feed.SeedAsync("Elsewhere", product, source: "vk", date: now.AddSeconds(-1));

        var response = await _feed.Api().GetAsync("/api/interests/export.csv?source=telegram&product=" + Uri.EscapeDataString(product), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("attachment", response.Content.Headers.ContentDisposition?.ToString());
        var raw = await response.Content.ReadAsStringAsync(Ct);
        var rows = Parse(raw);
        Assert.Equal("id", rows[0][0]);
        var byId = rows.Skip(1).ToDictionary(r => r[0]);
        Assert.Equal([plus.Id, formula.Id, tricky.Id], rows.Skip(1).Select(r => r[0])); // newest first, only inbound telegram
        var text = Array.IndexOf(rows[0], "text");
        var author = Array.IndexOf(rows[0], "author_name");
        Assert.Equal("Hello, \"shop\"\nsecond line", byId[tricky.Id][text]);
        Assert.Equal("O'Brien, Pat", byId[tricky.Id][author]);
        Assert.Equal("'=HYPERLINK(\"http://evil.invalid\",\"click\")", byId[formula.Id][text]);
        Assert.Equal("'@admin", byId[formula.Id][author]);
        Assert.Equal("'+7 999 123-45-67", byId[plus.Id][text]);
        Assert.Equal("'-Minus", byId[plus.Id][author]);
        Assert.Equal("no", byId[plus.Id][Array.IndexOf(rows[0], "processed")]);
    }

    [Fact]
    public async Task Export_AgentSignIn_403_SupervisorSignIn_GetsTheFile()
    {
        var product = "Kettle " + FeedSupport.UniqueWord();
        var record = await _feed.SeedAsync("Is the kettle in stock?", product);
        var query = "?product=" + Uri.EscapeDataString(product);
        var accounts = factory.Services.GetRequiredService<AgentAccountStore>();
        const string Password = "export rights 0123456789";
        var word = FeedSupport.UniqueWord();

        await accounts.UpsertAsync($"agent.{word}@example.com", "Export Agent", AgentRoles.Agent, ["support"], Password);
        var agent = ConsoleBrowser.Create(factory);
        Assert.Equal(HttpStatusCode.Redirect, (await ConsoleBrowser.SignInAsync(agent, $"agent.{word}@example.com", Password)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await agent.GetAsync("/api/interests" + query, Ct)).StatusCode); // the feed itself is theirs to read
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.GetAsync("/api/interests/export.csv" + query, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.GetAsync("/api/interests/export.jsonl" + query, Ct)).StatusCode);

        await accounts.UpsertAsync($"supervisor.{word}@example.com", "Export Supervisor", AgentRoles.Supervisor, [], Password);
        var supervisor = ConsoleBrowser.Create(factory);
        Assert.Equal(HttpStatusCode.Redirect, (await ConsoleBrowser.SignInAsync(supervisor, $"supervisor.{word}@example.com", Password)).StatusCode);
        var csv = await supervisor.GetAsync("/api/interests/export.csv" + query, Ct);
        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        Assert.Equal([record.Id], Parse(await csv.Content.ReadAsStringAsync(Ct)).Skip(1).Select(r => r[0]));
        var jsonLines = await supervisor.GetAsync("/api/interests/export.jsonl" + query, Ct);
        Assert.Equal(HttpStatusCode.OK, jsonLines.StatusCode);
        Assert.Contains(record.Id, await jsonLines.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_BadFilter_400()
    {
        var problem = await ProblemAssert.IsProblemAsync(await _feed.Api().GetAsync("/api/interests/export.csv?processed=perhaps", Ct), HttpStatusCode.BadRequest);
        Assert.Contains("processed", problem["detail"]!.GetValue<string>());
    }

    private static List<string[]> Parse(string csv)
    {
        using var reader = new CsvReader(new StringReader(csv), CultureInfo.InvariantCulture);
        var rows = new List<string[]>();
        while (reader.Read())
        {
            rows.Add([.. Enumerable.Range(0, reader.Parser.Count).Select(i => reader.GetField(i)!)]);
        }

        return rows;
    }
}

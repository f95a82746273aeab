using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SupportBot.FunctionalTests.Infrastructure;
using static SupportBot.FunctionalTests.Infrastructure.TestCancellation;

namespace SupportBot.FunctionalTests.Interests;

public sealed class InterestsApiOnRedisTests(BotHostFixture<RedisServerFixture> host)
    : InterestsApiTests(host.Factory), IClassFixture<BotHostFixture<RedisServerFixture>>;

public sealed class InterestsApiOnGarnetTests(BotHostFixture<GarnetFixture> host)
    : InterestsApiTests(host.Factory), IClassFixture<BotHostFixture<GarnetFixture>>;

/// <summary>Every inbound activity and every reply becomes a lead-card record, listed by the API.</summary>
public abstract class InterestsApiTests(BotFactory factory)
{
    private readonly DirectLineTestClient _chat = new(factory.CreateClient());

    private HttpClient ApiClient(string? key = BotFactory.ApiKey)
    {
        var client = factory.CreateClient();
        if (key is not null)
        {
            client.DefaultRequestHeaders.Add("X-Api-Key", key);
        }

        return client;
    }

    [Fact]
    public async Task Exchange_OnWebChat_RecordsTheQuestionAsAnsweredAndTheReplyWithEvidence()
    {
        var since = DateTimeOffset.UtcNow.AddSeconds(-1);
        var conversation = await _chat.StartAsync();
        var questionId = await _chat.SendAsync(conversation, "Which payment methods do you accept?");
        await _chat.WaitForBotMessagesAsync(conversation, 2);

        var records = await RecordsOfAsync(conversation.ConversationId, $"?source=webchat&direction=all&from={Uri.EscapeDataString(since.ToString("O"))}&pageSize=500", 3);

        var question = records.Single(r => r["direction"]!.GetValue<string>() == "in");
        Assert.Equal("webchat", question["sourceType"]!.GetValue<string>());
        Assert.Equal("message", question["action"]!.GetValue<string>());
        Assert.Equal("Which payment methods do you accept?", question["text"]!.GetValue<string>());
        Assert.Equal(questionId, question["eventId"]!.GetValue<string>());
        Assert.True(question["processed"]!.GetValue<bool>());
        Assert.Equal("bot", question["responsible"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(question["author"]!["id"]!.GetValue<string>()));
        var answer = records.Single(r => r["direction"]!.GetValue<string>() == "out" && r["text"]!.GetValue<string>().Contains("PayPal"));
        Assert.StartsWith(conversation.ConversationId + "|", answer["channelMessageId"]!.GetValue<string>());
    }

    [Fact]
    public async Task IntakeDialog_OverWebChat_EndsInAnOpenRequestWithTheCollectedFields()
    {
        var conversation = await _chat.StartAsync();
        var steps = new[] { ("Please call me back", "What is your name?"), ("Alice", "What can I help with?"), ("Returns", "How can we reach you?"), ("alice@example.com", "Shall I open a request about Returns for Alice?"), ("yes", "Thank you, Alice!") };
        for (var i = 0; i < steps.Length; i++)
        {
            await _chat.SendAsync(conversation, steps[i].Item1);
            var replies = await _chat.WaitForBotMessagesAsync(conversation, i + 2);
            Assert.StartsWith(steps[i].Item2, replies[i + 1]["text"]!.GetValue<string>());
        }

        var request = Assert.Single(await RecordsOfAsync(conversation.ConversationId, "?action=request&pageSize=500", 1));
        Assert.False(request["processed"]!.GetValue<bool>());
        Assert.Equal("returns", request["fields"]!["topic"]!.GetValue<string>());
        Assert.Equal("alice@example.com", request["fields"]!["contact"]!.GetValue<string>());

        // The web chat had no name: from now on the console calls the customer by the one they gave.
        await _chat.SendAsync(conversation, "I want a human");
        await _chat.WaitForBotMessagesAsync(conversation, steps.Length + 3);
        using var api = factory.CreateClient();
        api.DefaultRequestHeaders.Add("X-Api-Key", BotFactory.ApiKey);
        var details = await api.GetFromJsonAsync<JsonObject>($"/api/handoff/webchat:{conversation.ConversationId}", Ct);
        Assert.Equal("Alice", details!["customer"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task HandedOff_Question_IsNotProcessedAndSitsWithTheQueue()
    {
        var conversation = await _chat.StartAsync();
        await _chat.SendAsync(conversation, "I want a human");
        await _chat.WaitForBotMessagesAsync(conversation, 3); // greeting, "passing you to a person", place in line

        var records = await RecordsOfAsync(conversation.ConversationId, "?source=webchat&action=message&direction=all&pageSize=500", 4);

        var question = records.Single(r => r["direction"]!.GetValue<string>() == "in");
        Assert.False(question["processed"]!.GetValue<bool>());
        Assert.Equal("queue", question["responsible"]!.GetValue<string>());
    }

    [Fact]
    public async Task List_Paged_NewestFirstWithHasMore()
    {
        var conversation = await _chat.StartAsync();
        await _chat.SendAsync(conversation, "Where is my order?");
        await _chat.WaitForBotMessagesAsync(conversation, 2);

        var first = (await ApiClient().GetFromJsonAsync<JsonObject>("/api/interests?pageSize=1&direction=all", Ct))!;
        var second = (await ApiClient().GetFromJsonAsync<JsonObject>("/api/interests?pageSize=1&page=2&direction=all", Ct))!;

        Assert.True(first["hasMore"]!.GetValue<bool>());
        var newest = first["items"]![0]!;
        var next = second["items"]![0]!;
        Assert.NotEqual(newest["id"]!.GetValue<string>(), next["id"]!.GetValue<string>());
        Assert.True(newest["date"]!.GetValue<DateTimeOffset>() >= next["date"]!.GetValue<DateTimeOffset>());
    }

    [Fact]
    public async Task List_DateRangeInTheFuture_Empty()
    {
        var page = (await ApiClient().GetFromJsonAsync<JsonObject>("/api/interests?from=2099-01-01&to=2099-12-31", Ct))!;
        Assert.Empty(page["items"]!.AsArray());
        Assert.False(page["hasMore"]!.GetValue<bool>());
    }

    [Fact]
    public async Task List_WithoutKey_401_WithWrongKey_401()
    {
        await ProblemAssert.IsProblemAsync(await ApiClient(key: null).GetAsync("/api/interests", Ct), HttpStatusCode.Unauthorized);
        await ProblemAssert.IsProblemAsync(await ApiClient(key: "guess").GetAsync("/api/interests", Ct), HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData("?from=yesterday")]
    [InlineData("?to=2026-13-45")]
    [InlineData("?action=dance")]
    [InlineData("?source=WEB%7Bc%3A1%7D")]
    [InlineData("?pageSize=0")]
    [InlineData("?pageSize=100000")]
    [InlineData("?page=0")]
    [InlineData("?page=abc")]
    public async Task List_BadQuery_400(string query)
    {
        await ProblemAssert.IsProblemAsync(await ApiClient().GetAsync("/api/interests" + query, Ct), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Get_UnknownRecord_404()
    {
        await ProblemAssert.IsProblemAsync(await ApiClient().GetAsync("/api/interests/in-000000", Ct), HttpStatusCode.NotFound);
    }

    private async Task<List<JsonObject>> RecordsOfAsync(string directLineId, string query, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var page = (await ApiClient().GetFromJsonAsync<JsonObject>("/api/interests" + query, Ct))!;
            var mine = page["items"]!.AsArray().Select(i => i!.AsObject())
                .Where(i => i["conversationId"]!.GetValue<string>() == "webchat:" + directLineId).ToList();
            if (mine.Count >= count || DateTime.UtcNow > deadline)
            {
                Assert.Equal(count, mine.Count);
                return mine;
            }

            await Task.Delay(50, Ct);
        }
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;
using SupportBot.Channels.WebChat;
using SupportBot.FunctionalTests.Infrastructure;
using static SupportBot.FunctionalTests.Infrastructure.DirectLineTestClient;

using static SupportBot.FunctionalTests.Infrastructure.TestCancellation;

namespace SupportBot.FunctionalTests.Channels.WebChat;

public sealed class DirectLineApiOnRedisTests(BotHostFixture<RedisServerFixture> host)
    : DirectLineApiTests(host.Factory), IClassFixture<BotHostFixture<RedisServerFixture>>;

public sealed class DirectLineApiOnGarnetTests(BotHostFixture<GarnetFixture> host)
    : DirectLineApiTests(host.Factory), IClassFixture<BotHostFixture<GarnetFixture>>;

/// <summary>Direct Line 3.0 over HTTP, as Web Chat and DirectLineJS use it, against the demo bot.</summary>
public abstract class DirectLineApiTests(BotFactory factory)
{
    private readonly DirectLineTestClient _client = new(factory.CreateClient());

    [Fact]
    public async Task StartConversation_NewVisitor_BotGreetsFirst()
    {
        var conversation = await _client.StartAsync();

        var greeting = Assert.Single(await _client.WaitForBotMessagesAsync(conversation, 1));
        Assert.Contains("Northwind", greeting["text"]!.GetValue<string>());
        Assert.StartsWith("ws://", conversation.StreamUrl);
        Assert.Contains($"/v3/directline/conversations/{conversation.ConversationId}/stream?t=", conversation.StreamUrl);
    }

    [Fact]
    public async Task Conversation_KeptForTheConversationTtl_NotForEver()
    {
        var conversation = await _client.StartAsync();
        (await _client.PostActivityAsync(conversation, Message("How long does delivery take?"))).EnsureSuccessStatusCode();
        await _client.WaitForBotMessagesAsync(conversation, 2);

        // Every visitor who opens the chat makes one: each of its keys ends with the rest of the conversation's state.
        var db = factory.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();
        var ttl = TimeSpan.FromDays(factory.Services.GetRequiredService<IOptions<SupportBot.Pipeline.PipelineOptions>>().Value.ConversationTtlDays);
        var id = DirectLineTranscript.ConversationIdOf(conversation.ConversationId);
        foreach (var key in new[] { SupportBot.Handoff.RedisKeys.DirectLineMeta(id), SupportBot.Handoff.RedisKeys.DirectLineLog(id), SupportBot.Handoff.RedisKeys.DirectLineAppended(id) })
        {
            var expiry = await db.KeyTimeToLiveAsync(key);
            Assert.True(expiry is { } left && left > TimeSpan.Zero && left <= ttl, $"{key} expires in {expiry?.ToString() ?? "never"}");
        }
    }

    [Fact]
    public async Task StartConversation_SameTokenTwice_SecondAnswers200WithoutSecondGreeting()
    {
        var conversation = await _client.StartAsync();

        using var again = Request(HttpMethod.Post, "/v3/directline/conversations", conversation.Token);
        var response = await _client.Http.SendAsync(again, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(conversation.ConversationId, (await response.Content.ReadFromJsonAsync<JsonObject>(Ct))!["conversationId"]!.GetValue<string>());
        await _client.WaitForBotMessagesAsync(conversation, 1); // the one greeting (slow under load)…
        await Task.Delay(300, Ct); // …and no second one after it
        Assert.Single(BotMessages(await _client.GetActivitiesAsync(conversation)));
    }

    [Fact]
    public async Task StartConversation_RetriedAfterAStartThatDiedMidway_StillGreetsOnce()
    {
        var tokenResponse = await _client.Http.PostAsync("/api/webchat/token", null, Ct);
        var token = (await tokenResponse.Content.ReadFromJsonAsync<JsonObject>(Ct))!;
        var conversationId = token["conversationId"]!.GetValue<string>();
        // The first start created the conversation, then its host died (or Redis went away) before the greeting was queued.
        await factory.Services.GetRequiredService<DirectLineTranscript>().CreateAsync(conversationId, "u_retry", "en-US");

        using var retry = Request(HttpMethod.Post, "/v3/directline/conversations", token["token"]!.GetValue<string>(), new JsonObject { ["locale"] = "en-US" });
        var response = await _client.Http.SendAsync(retry, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var conversation = new StartedConversation(conversationId, token["token"]!.GetValue<string>(), "");
        Assert.Contains("Northwind", Assert.Single(await _client.WaitForBotMessagesAsync(conversation, 1))["text"]!.GetValue<string>());
    }

    [Fact]
    public async Task PostActivity_FaqQuestion_EchoKeepsClientIdAndBotAnswersFromContent()
    {
        var conversation = await _client.StartAsync();

        var id = await _client.SendAsync(conversation, "How long does delivery take?", clientActivityId: "client-1");

        var replies = await _client.WaitForBotMessagesAsync(conversation, 2);
        Assert.Contains("2–4 working days", replies[1]["text"]!.GetValue<string>());
        Assert.Equal(id, replies[1]["replyToId"]?.GetValue<string>());
        var echo = (await _client.GetActivitiesAsync(conversation))["activities"]!.AsArray().Single(a => a!["id"]!.GetValue<string>() == id)!;
        Assert.Equal("client-1", echo["channelData"]!["clientActivityID"]!.GetValue<string>());
        Assert.Equal("user", echo["from"]!["role"]!.GetValue<string>());
        Assert.EndsWith("Z", echo["timestamp"]!.GetValue<string>());
    }

    [Fact]
    public async Task PostActivity_RussianQuestion_AnsweredInRussian()
    {
        var conversation = await _client.StartAsync("ru-RU");

        await _client.SendAsync(conversation, "Сколько стоит доставка?");

        var replies = await _client.WaitForBotMessagesAsync(conversation, 2);
        Assert.Contains("Доставка бесплатна", replies[1]["text"]!.GetValue<string>());
    }

    [Fact]
    public async Task PostActivity_CustomerSwitchesLanguage_BotAnswersInItFromThenOn()
    {
        var conversation = await _client.StartAsync("en-US");

        await _client.SendAsync(conversation, "по-русски, пожалуйста");
        var switched = await _client.WaitForBotMessagesAsync(conversation, 2);
        Assert.Equal("Хорошо, продолжим по-русски.", switched[1]["text"]!.GetValue<string>());

        await _client.SendAsync(conversation, "Where is my order?");
        var answer = await _client.WaitForBotMessagesAsync(conversation, 3);
        Assert.Contains("Ссылка для отслеживания", answer[2]["text"]!.GetValue<string>());
    }

    [Fact]
    public async Task PostActivity_CustomerSwitchesLanguageMidDialog_TheOpenQuestionIsAskedAgainInIt_AndTheDialogGoesOnInIt()
    {
        // Before: "Gern, machen wir auf Deutsch weiter." and then "What can I help with?" in English.
        var conversation = await _client.StartAsync("en-US");
        await _client.SendAsync(conversation, "Please call me back");
        Assert.Equal("What is your name?", (await _client.WaitForBotMessagesAsync(conversation, 2))[1]["text"]!.GetValue<string>());

        await _client.SendAsync(conversation, "auf Deutsch bitte");
        var switched = await _client.WaitForBotMessagesAsync(conversation, 4);
        Assert.Equal("Gern, machen wir auf Deutsch weiter.", switched[2]["text"]!.GetValue<string>());
        Assert.Equal("Wie heißen Sie?", switched[3]["text"]!.GetValue<string>());

        await _client.SendAsync(conversation, "Boris");
        var next = (await _client.WaitForBotMessagesAsync(conversation, 5))[4];
        Assert.Equal("Wobei kann ich helfen?", next["text"]!.GetValue<string>());
        Assert.Contains("Lieferung", next["suggestedActions"]!["actions"]!.AsArray().Select(a => a!["title"]!.GetValue<string>()));
    }

    [Fact]
    public async Task PostActivity_AskForHuman_Acknowledged_ThenBotStaysQuietUntilCancelled()
    {
        var conversation = await _client.StartAsync();

        await _client.SendAsync(conversation, "I want a human");
        var acknowledged = await _client.WaitForBotMessagesAsync(conversation, 3);
        Assert.Contains("passing you to a person", acknowledged[1]["text"]!.GetValue<string>());
        Assert.Matches(@"You're number \d+ in line\. Nobody from our team is online", acknowledged[2]["text"]!.GetValue<string>()); // no agent in this host

        await _client.SendAsync(conversation, "How long does delivery take?");
        await Task.Delay(500, Ct);
        Assert.Equal(3, BotMessages(await _client.GetActivitiesAsync(conversation)).Count);

        await _client.SendAsync(conversation, "never mind");
        var back = await _client.WaitForBotMessagesAsync(conversation, 4);
        Assert.Contains("I'm back", back[3]["text"]!.GetValue<string>());
    }

    [Fact]
    public async Task PostTyping_InAChatAnAgentHolds_ThatAgentHearsIt_ItIsNotKept_AndWithTheBotNobodyDoes()
    {
        var conversation = await _client.StartAsync();
        var conversationId = "webchat:" + conversation.ConversationId;
        await using var agent = new AgentTestClient(factory, "typing-" + Guid.NewGuid().ToString("N")[..8]);
        (await agent.SetPresenceAsync("away")).EnsureSuccessStatusCode(); // claims, but is never offered other tests' chats
        await agent.ConnectHubAsync();
        await _client.WaitForBotMessagesAsync(conversation, 1);
        var typing = new JsonObject { ["type"] = "typing", ["from"] = new JsonObject { ["id"] = "visitor" } };

        // With the bot: nobody to tell.
        Assert.Equal(HttpStatusCode.OK, (await _client.PostActivityAsync(conversation, typing.DeepClone().AsObject())).StatusCode);

        await _client.SendAsync(conversation, "I want a human");
        await _client.WaitForBotMessagesAsync(conversation, 3);
        (await agent.ClaimAsync(conversationId)).EnsureSuccessStatusCode(); // the queue notice came after the chat was queued
        var before = (await _client.GetActivitiesAsync(conversation))["activities"]!.AsArray().Count;

        Assert.Equal(HttpStatusCode.OK, (await _client.PostActivityAsync(conversation, typing.DeepClone().AsObject())).StatusCode);

        var notice = await agent.NextNoticeAsync(n => n["type"]?.GetValue<string>() is "customer_typing" or "customer_message" && n["conversationId"]?.GetValue<string>() == conversationId);
        Assert.Equal(("customer_typing", agent.AgentId), (notice["type"]!.GetValue<string>(), notice["agentId"]!.GetValue<string>()));
        Assert.Null(notice["text"]);
        Assert.Equal(before, (await _client.GetActivitiesAsync(conversation))["activities"]!.AsArray().Count); // typing is not a line of the chat
    }

    [Fact]
    public async Task PostActivity_SameClientActivityIdFiveTimes_OneEchoAndOneReply()
    {
        var conversation = await _client.StartAsync();
        await _client.WaitForBotMessagesAsync(conversation, 1);

        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await _client.SendAsync(conversation, "Which payment methods do you accept?", clientActivityId: "retried-post"));
        }

        Assert.Single(ids.Distinct());
        await _client.WaitForBotMessagesAsync(conversation, 2);
        await Task.Delay(500, Ct); // give a duplicate time to show up, if there were one
        var activities = (await _client.GetActivitiesAsync(conversation))["activities"]!.AsArray();
        Assert.Single(activities, a => a!["from"]!["role"]!.GetValue<string>() == "user");
        Assert.Equal(2, BotMessages(await _client.GetActivitiesAsync(conversation)).Count);
    }

    [Fact]
    public async Task GetActivities_WithWatermark_ReturnsOnlyNewerOnes()
    {
        var conversation = await _client.StartAsync();
        await _client.WaitForBotMessagesAsync(conversation, 1);
        var first = await _client.GetActivitiesAsync(conversation);
        var watermark = long.Parse(first["watermark"]!.GetValue<string>());

        await _client.SendAsync(conversation, "Where is my order?");
        await _client.WaitForBotMessagesAsync(conversation, 2);

        var newer = (await _client.GetActivitiesAsync(conversation, watermark))["activities"]!.AsArray();
        Assert.Equal(2, newer.Count);
        Assert.Equal("Where is my order?", newer[0]!["text"]!.GetValue<string>());
    }

    [Fact]
    public async Task TokensGenerate_WithSecret_IssuesTokenForNewConversation_AndRefreshKeepsIt()
    {
        using var generate = Request(HttpMethod.Post, "/v3/directline/tokens/generate", BotFactory.DirectLineSecret, new JsonObject { ["user"] = new JsonObject { ["id"] = "site-user-7" } });
        var response = await _client.Http.SendAsync(generate, Ct);
        response.EnsureSuccessStatusCode();
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>(Ct))!;
        Assert.Equal(1800, body["expires_in"]!.GetValue<int>());
        var token = body["token"]!.GetValue<string>();

        using var refresh = Request(HttpMethod.Post, "/v3/directline/tokens/refresh", token);
        var refreshed = (await (await _client.Http.SendAsync(refresh, Ct)).Content.ReadFromJsonAsync<JsonObject>(Ct))!;
        Assert.Equal(body["conversationId"]!.GetValue<string>(), refreshed["conversationId"]!.GetValue<string>());
    }

    [Fact]
    public async Task TokensGenerate_WithoutCredentials_401_WithWrongSecret_403()
    {
        await ProblemAssert.IsProblemAsync(await _client.Http.PostAsync("/v3/directline/tokens/generate", null, Ct), HttpStatusCode.Unauthorized);

        using var wrong = Request(HttpMethod.Post, "/v3/directline/tokens/generate", "not-the-secret");
        await ProblemAssert.IsProblemAsync(await _client.Http.SendAsync(wrong, Ct), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Token_OfAnotherConversation_IsRefused403()
    {
        var mine = await _client.StartAsync();
        var theirs = await _client.StartAsync();

        using var read = Request(HttpMethod.Get, $"/v3/directline/conversations/{theirs.ConversationId}/activities", mine.Token);
        await ProblemAssert.IsProblemAsync(await _client.Http.SendAsync(read, Ct), HttpStatusCode.Forbidden);
        using var post = Request(HttpMethod.Post, $"/v3/directline/conversations/{theirs.ConversationId}/activities", mine.Token, Message("hi"));
        await ProblemAssert.IsProblemAsync(await _client.Http.SendAsync(post, Ct), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Token_Forged_Or_Expired_IsRefused403()
    {
        var conversation = await _client.StartAsync();
        var forged = conversation.Token[..^4] + (conversation.Token.EndsWith("AAAA", StringComparison.Ordinal) ? "BBBB" : "AAAA");
        using var forgedRead = Request(HttpMethod.Get, $"/v3/directline/conversations/{conversation.ConversationId}/activities", forged);
        await ProblemAssert.IsProblemAsync(await _client.Http.SendAsync(forgedRead, Ct), HttpStatusCode.Forbidden);

        // A token issued by the same signer an hour ago, with a 30-minute lifetime.
        var past = new FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(-1));
        var oldSigner = new DirectLineTokens(
            factory.Services.GetRequiredService<IOptions<WebChatOptions>>(), factory.Services.GetRequiredService<IConnectionMultiplexer>(), past);
        var expired = await oldSigner.IssueAsync(conversation.ConversationId, "visitor");
        using var expiredRead = Request(HttpMethod.Get, $"/v3/directline/conversations/{conversation.ConversationId}/activities", expired.Token);
        await ProblemAssert.IsProblemAsync(await _client.Http.SendAsync(expiredRead, Ct), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task UnknownConversation_404()
    {
        using var unknown = Request(HttpMethod.Get, $"/v3/directline/conversations/{Guid.NewGuid():N}/activities", BotFactory.DirectLineSecret);
        await ProblemAssert.IsProblemAsync(await _client.Http.SendAsync(unknown, Ct), HttpStatusCode.NotFound);

        using var garbage = Request(HttpMethod.Post, "/v3/directline/conversations/..%2F..%2Fetc/activities", BotFactory.DirectLineSecret, Message("hi"));
        await ProblemAssert.IsProblemAsync(await _client.Http.SendAsync(garbage, Ct), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task PostActivity_MissingToken_401()
    {
        var conversation = await _client.StartAsync();
        using var request = Request(HttpMethod.Post, $"/v3/directline/conversations/{conversation.ConversationId}/activities", null, Message("hi"));
        await ProblemAssert.IsProblemAsync(await _client.Http.SendAsync(request, Ct), HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData("{\"type\":\"message\",\"text\":")]
    [InlineData("not json at all")]
    [InlineData("[1,2,3]")]
    [InlineData("{\"type\":\"message\",\"text\":42}")]
    [InlineData("{\"text\":\"no type\"}")]
    [InlineData("{\"type\":\"message\"}")]
    [InlineData("{\"type\":\"conversationUpdate\",\"text\":\"x\"}")]
    public async Task PostActivity_MalformedBody_400WithProblem(string body)
    {
        var conversation = await _client.StartAsync();
        using var request = Request(HttpMethod.Post, $"/v3/directline/conversations/{conversation.ConversationId}/activities", conversation.Token);
        request.Content = new StringContent(body, Encoding.UTF8, "application/json");

        await ProblemAssert.IsProblemAsync(await _client.Http.SendAsync(request, Ct), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task PostActivity_DeeplyNested_400()
    {
        var conversation = await _client.StartAsync();
        var nested = "{\"type\":\"message\",\"text\":\"x\",\"channelData\":" + new string('[', 5000) + new string(']', 5000) + "}";
        using var request = Request(HttpMethod.Post, $"/v3/directline/conversations/{conversation.ConversationId}/activities", conversation.Token);
        request.Content = new StringContent(nested, Encoding.UTF8, "application/json");

        await ProblemAssert.IsProblemAsync(await _client.Http.SendAsync(request, Ct), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task PostActivity_BodyOver256KB_413()
    {
        var conversation = await _client.StartAsync();
        var activity = Message(new string('a', 300 * 1024));

        await ProblemAssert.IsProblemAsync(await _client.PostActivityAsync(conversation, activity), HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task PostActivity_NotJson_415()
    {
        var conversation = await _client.StartAsync();
        using var request = Request(HttpMethod.Post, $"/v3/directline/conversations/{conversation.ConversationId}/activities", conversation.Token);
        request.Content = new StringContent("text=hi", Encoding.UTF8, "application/x-www-form-urlencoded");

        await ProblemAssert.IsProblemAsync(await _client.Http.SendAsync(request, Ct), HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task Preflight_FromAnotherSite_AllowsTheHeadersWebChatSends()
    {
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/v3/directline/conversations");
        preflight.Headers.Add("Origin", "https://shop.example.com");
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        preflight.Headers.Add("Access-Control-Request-Headers", "authorization,content-type,x-ms-bot-agent,x-requested-with");

        var response = await _client.Http.SendAsync(preflight, Ct);

        Assert.True(response.IsSuccessStatusCode);
        var allowed = string.Join(",", response.Headers.GetValues("Access-Control-Allow-Headers")).ToLowerInvariant();
        foreach (var header in new[] { "authorization", "content-type", "x-ms-bot-agent", "x-requested-with" })
        {
            Assert.Contains(header, allowed);
        }
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using SupportBot.Channels;
using SupportBot.Contracts;
using SupportBot.FunctionalTests.Infrastructure;
using SupportBot.Interests;
using SupportBot.Pipeline.Outbox;
using static SupportBot.FunctionalTests.Channels.Vk.VkHostFixture<SupportBot.TestSupport.RedisServerFixture>;
using static SupportBot.FunctionalTests.Infrastructure.TestCancellation;

namespace SupportBot.FunctionalTests.Channels.Vk;

public sealed class VkChannelOnRedisTests(VkHostFixture<RedisServerFixture> host)
    : VkChannelTests<RedisServerFixture>(host), IClassFixture<VkHostFixture<RedisServerFixture>>;

public sealed class VkChannelOnGarnetTests(VkHostFixture<GarnetFixture> host)
    : VkChannelTests<GarnetFixture>(host), IClassFixture<VkHostFixture<GarnetFixture>>;

/// <summary>
/// The VK channel over real HTTP: VK's side is <see cref="VkApiStandIn"/> on a loopback port, the
/// events are shaped like the Callback API documentation's examples, and the client under test is
/// the real one.
/// </summary>
public abstract class VkChannelTests<TStore>(VkHostFixture<TStore> host) where TStore : IStore, IAsyncLifetime, new()
{
    private readonly VkApiStandIn _vk = host.Vk;

    [Fact]
    public async Task Confirmation_EachCommunity_AnsweredWithItsOwnCodeAsPlainText()
    {
        var shop = await host.Http.PostAsync("/api/channels/vk/shop", Json("""{"type":"confirmation","group_id":1001}"""), Ct);
        var brand = await host.Http.PostAsync("/api/channels/vk/brand2", Json("""{"type":"confirmation","group_id":2002}"""), Ct);

        Assert.Equal(HttpStatusCode.OK, shop.StatusCode);
        Assert.Equal("text/plain", shop.Content.Headers.ContentType?.MediaType);
        Assert.Equal(ShopConfirmation, await shop.Content.ReadAsStringAsync(Ct));
        Assert.Equal("zz99yy88", await brand.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task Callback_WrongOrMissingSecret_403AndNothingRecorded()
    {
        var user = NewUserId();
        var eventId = NewEventId();

        var wrong = await host.PostEventAsync("message_new", Message(user, "hello"), eventId, secret: "guess");
        var missing = await host.PostEventAsync("message_new", Message(user, "hello"), eventId, secret: null);
        var otherCommunitys = await host.PostEventAsync("message_new", Message(user, "hello"), eventId, secret: "brand-secret");

        Assert.Equal(HttpStatusCode.Forbidden, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, missing.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, otherCommunitys.StatusCode);
        Assert.Null(await host.Interests.GetAsync(InterestLog.RecordId("in", $"vk:shop:{user}", eventId)));
    }

    [Fact]
    public async Task Callback_BadRequests_404UnknownCommunity400MalformedJson413Oversized403OtherGroup()
    {
        var unknown = await host.Http.PostAsync("/api/channels/vk/nobody", Json("""{"type":"confirmation","group_id":1}"""), Ct);
        var malformed = await host.Http.PostAsync("/api/channels/vk/shop", Json("""{"type":"message_new","object":"""), Ct);
        var noType = await host.Http.PostAsync("/api/channels/vk/shop", Json("""[1,2]"""), Ct);
        var huge = await host.Http.PostAsync("/api/channels/vk/shop", Json("""{"type":"message_new","x":""" + "\"" + new string('a', 300 * 1024) + "\"}"), Ct);
        var otherGroup = await host.Http.PostAsync("/api/channels/vk/shop", Json("""{"type":"confirmation","group_id":2002}"""), Ct);

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, noType.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, huge.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, otherGroup.StatusCode);
    }

    [Fact]
    public async Task MessageNew_SameEventThreeTimes_OneRecordOneSetOfRepliesWithAuthorFromUsersGet()
    {
        var user = NewUserId();
        var eventId = NewEventId();
        var conversation = $"vk:shop:{user}";

        for (var i = 0; i < 3; i++)
        {
            var response = await host.PostEventAsync("message_new", Message(user, "How long does delivery take?"), eventId);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("ok", await response.Content.ReadAsStringAsync(Ct));
        }

        var sends = await EventuallyAsync(() => Task.FromResult(SendsTo(user)), s => s.Any(c => c["message"].Contains("2–4 working days")));
        await Task.Delay(700, Ct); // room for any (wrong) second turn
        sends = SendsTo(user);
        Assert.Contains(sends, c => c["message"].Contains("2–4 working days"));
        Assert.Equal(sends.Count, sends.Select(c => c["random_id"]).Distinct().Count());
        Assert.Single(sends, c => c["message"].Contains("2–4 working days"));

        var record = await host.Interests.GetAsync(InterestLog.RecordId("in", conversation, eventId));
        Assert.NotNull(record);
        Assert.Equal("vk", record.SourceType);
        Assert.Equal("message", record.Action);
        Assert.Equal("shop", record.ChannelAccount);
        Assert.Equal(eventId, record.EventId);
        Assert.Equal($"Ivan Petrov{user}", record.Author.Name);
        Assert.Equal($"https://sun1.userapi.com/photo_{user}_100.jpg", record.Author.PhotoUrl);
        Assert.Equal($"https://vk.com/id{user}", record.Author.ProfileUrl);
        Assert.Equal($"https://vk.com/gim1001?sel={user}", record.SourceLink);
        Assert.Single(_vk.CallsOf("users.get"), c => c["user_ids"] == user.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.All(sends, c => Assert.Equal("vk1.a.shop-token", c["access_token"]));

        var replies = await OutRecordsAsync(conversation, 2);
        Assert.All(replies, r => Assert.False(string.IsNullOrEmpty(r.ChannelMessageId)));
    }

    [Fact]
    public async Task StartButton_Начать_GreetedOnce_NotTakenForAQuestion()
    {
        // VK shows "Начать" to someone opening the community's messages for the first time; it sends {"command":"start"}.
        var user = NewUserId();
        var start = Message(user, "Начать");
        start["message"]!["payload"] = "{\"command\":\"start\"}";
        start["client_info"]!["lang_id"] = 0;

        Assert.Equal(HttpStatusCode.OK, (await host.PostEventAsync("message_new", start, NewEventId())).StatusCode);

        await EventuallyAsync(() => Task.FromResult(SendsTo(user)), s => s.Count > 0);
        await Task.Delay(700, Ct);
        var greeting = Assert.Single(SendsTo(user));
        Assert.StartsWith("Здравствуйте! Я помощник магазина Northwind.", greeting["message"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_Error6ThenSuccess_RetriedWithTheSameRandomIdAndDelivered()
    {
        var user = NewUserId();
        _vk.FailNext("messages.send", user, 6, "Too many requests per second");

        await host.PostEventAsync("message_new", Message(user, "Hi"));

        var sends = await EventuallyAsync(() => Task.FromResult(SendsTo(user)), s => s.Count >= 2 && s.Select(c => c["random_id"]).Distinct().Count() < s.Count);
        var first = sends[0];
        Assert.Equal(2, sends.Count(c => c["random_id"] == first["random_id"]));
        var delivered = await OutRecordsAsync($"vk:shop:{user}", 1);
        Assert.Contains(delivered, r => r.Text == first["message"] && !string.IsNullOrEmpty(r.ChannelMessageId));
    }

    [Fact]
    public async Task Send_Error901_NotRetriedRecordedAsNotAllowedUntilMessageAllow()
    {
        var user = NewUserId();
        var field = user.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _vk.FailNext("messages.send", user, 901, "Can't send messages for users without permission");
        var since = DateTimeOffset.UtcNow.AddSeconds(-1);

        await host.PostEventAsync("message_new", Message(user, "How long does delivery take?"));

        var letters = await EventuallyAsync(() => DeadLettersOfAsync($"vk:shop:{user}"), l => l.Count >= 2);
        Assert.All(letters, l => Assert.Contains("customer has not allowed messages", l.Reason));
        Assert.Single(SendsTo(user)); // the second reply was not even tried: VK already said no
        var redis = host.Factory.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();
        Assert.True(await redis.HashExistsAsync("vk:messages-refused:shop", field));

        var allow = await host.PostEventAsync("message_allow", new JsonObject { ["user_id"] = user, ["key"] = "abc" });

        Assert.Equal("ok", await allow.Content.ReadAsStringAsync(Ct));
        Assert.False(await redis.HashExistsAsync("vk:messages-refused:shop", field));
        await host.PostEventAsync("message_deny", new JsonObject { ["user_id"] = user });
        Assert.True(await redis.HashExistsAsync("vk:messages-refused:shop", field));
        _ = since;
    }

    [Fact]
    public async Task CustomerErased_TheirVkProfileRefusalAndDeadLettersGoToo()
    {
        // A VK customer who refused messages: their name and photo cached from users.get, the refusal noted, two dead letters.
        var user = NewUserId();
        var field = user.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var conversation = $"vk:shop:{user}";
        _vk.FailNext("messages.send", user, 901, "Can't send messages for users without permission");
        await host.PostEventAsync("message_new", Message(user, "How long does delivery take?"));
        await EventuallyAsync(() => DeadLettersOfAsync(conversation), l => l.Count >= 2);
        var redis = host.Factory.Services.GetRequiredService<IConnectionMultiplexer>();
        Assert.True(await redis.GetDatabase().KeyExistsAsync("vk:user:" + field));
        using var api = host.Factory.CreateClient();
        api.DefaultRequestHeaders.Add("X-Api-Key", BotFactory.ApiKey);
        var customerId = (await api.GetFromJsonAsync<JsonObject>($"/api/customers/by-conversation/{conversation}", Ct))!["id"]!.GetValue<string>();

        Assert.Equal(HttpStatusCode.OK, (await api.DeleteAsync($"/api/customers/{customerId}", Ct)).StatusCode);

        Assert.Empty(await RedisScan.KeysHoldingAsync(redis, "Ivan Petrov" + field)); // the name users.get gave
        Assert.Empty(await RedisScan.KeysHoldingAsync(redis, conversation));
        Assert.False(await redis.GetDatabase().KeyExistsAsync("vk:user:" + field));
        Assert.False(await redis.GetDatabase().HashExistsAsync("vk:messages-refused:shop", field));
        Assert.Empty(await DeadLettersOfAsync(conversation));
    }

    [Fact]
    public async Task Send_LongMessage_SplitIntoPartsUnder4096WithStableRandomIdsAndKeyboardOnTheLast()
    {
        var user = NewUserId();
        var text = string.Join("\n\n", Enumerable.Range(1, 120).Select(i => $"Paragraph {i}: " + new string('x', 80)));
        var sender = host.Factory.Services.GetRequiredKeyedService<IChannelSender>("vk");
        var item = new OutboxItem
        {
            Id = $"vk:shop:{user}:1:0",
            Channel = "vk",
            ConversationId = $"vk:shop:{user}",
            ChannelAccount = "shop",
            RecipientId = user.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Message = new OutgoingMessage(text, [new SuggestedChoice("Yes", "yes"), new SuggestedChoice("No", "no")]),
        };

        var sent = await sender.SendAsync(item, Ct);
        var again = await sender.SendAsync(item, Ct); // a resend (e.g. after a crash) is no second message

        var parts = SendsTo(user);
        Assert.Equal(6, parts.Count);
        var firstRound = parts.Take(3).ToList();
        Assert.All(firstRound, p => Assert.True(p["message"].Length <= 4096));
        Assert.Equal(text, string.Concat(firstRound.Select(p => p["message"])));
        Assert.Equal(3, firstRound.Select(p => p["random_id"]).Distinct().Count());
        Assert.Equal(firstRound.Select(p => p["random_id"]), parts.Skip(3).Select(p => p["random_id"]));
        Assert.Equal(sent.ChannelMessageId, again.ChannelMessageId);
        Assert.Equal(3, sent.ChannelMessageId.Split(',').Length);
        Assert.Equal("", firstRound[0]["keyboard"]);
        Assert.NotEqual("", firstRound[2]["keyboard"]);
    }

    [Fact]
    public async Task CallbackButton_RoundTrip_InlineKeyboardThenMessageEventAnsweredAndRecorded()
    {
        var user = NewUserId();
        var sender = host.Factory.Services.GetRequiredKeyedService<IChannelSender>("vk");
        await sender.SendAsync(new OutboxItem
        {
            Id = $"vk:shop:{user}:1:0",
            Channel = "vk",
            ConversationId = $"vk:shop:{user}",
            ChannelAccount = "shop",
            Message = new OutgoingMessage("Did you mean…", [new SuggestedChoice("Delivery time", "How long does delivery take?"), new SuggestedChoice("A person", "human")]),
        }, Ct);
        var keyboard = JsonNode.Parse(Assert.Single(SendsTo(user))["keyboard"])!;
        Assert.True(keyboard["inline"]!.GetValue<bool>());
        var button = keyboard["buttons"]![0]![0]!["action"]!;
        Assert.Equal("callback", button["type"]!.GetValue<string>());
        Assert.Equal("Delivery time", button["label"]!.GetValue<string>());
        var payload = button["payload"]!.GetValue<string>();

        // What VK sends when the customer presses it: message_event with the button's payload (as an object, as deliveries have it).
        var eventId = NewEventId();
        var press = await host.PostEventAsync("message_event", new JsonObject
        {
            ["user_id"] = user,
            ["peer_id"] = user,
            ["event_id"] = "3159dc190b1f",
            ["payload"] = JsonNode.Parse(payload),
            ["conversation_message_id"] = 1,
        }, eventId);

        Assert.Equal("ok", await press.Content.ReadAsStringAsync(Ct));
        var answers = await EventuallyAsync(() => Task.FromResult(_vk.CallsOf("messages.sendMessageEventAnswer").Where(c => c["user_id"] == user.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList()), a => a.Count > 0);
        var answer = Assert.Single(answers);
        Assert.Equal("3159dc190b1f", answer["event_id"]);
        Assert.Equal(user.ToString(System.Globalization.CultureInfo.InvariantCulture), answer["peer_id"]);
        await EventuallyAsync(() => Task.FromResult(SendsTo(user)), s => s.Any(c => c["message"].Contains("2–4 working days")));
        var record = await host.Interests.GetAsync(InterestLog.RecordId("in", $"vk:shop:{user}", eventId));
        Assert.NotNull(record);
        Assert.Equal("How long does delivery take?", record.Text);
    }

    [Fact]
    public async Task CallbackButton_ValueLongerThanVksPayloadLimit_SentAndPressedWithTheWholeValue()
    {
        var user = NewUserId();
        var longValue = "How long does delivery take? " + new string('x', 300);
        var sender = host.Factory.Services.GetRequiredKeyedService<IChannelSender>("vk");
        await sender.SendAsync(new OutboxItem
        {
            Id = $"vk:shop:{user}:1:0",
            Channel = "vk",
            ConversationId = $"vk:shop:{user}",
            ChannelAccount = "shop",
            Message = new OutgoingMessage("Did you mean…", [new SuggestedChoice("Delivery time", longValue), new SuggestedChoice("A person", "human")]),
        }, Ct);
        var keyboard = JsonNode.Parse(Assert.Single(SendsTo(user))["keyboard"])!;
        var payload = keyboard["buttons"]![0]![0]!["action"]!["payload"]!.GetValue<string>();
        Assert.InRange(payload.Length, 1, 255); // VK refuses the whole message otherwise

        var eventId = NewEventId();
        await host.PostEventAsync("message_event", new JsonObject
        {
            ["user_id"] = user,
            ["peer_id"] = user,
            ["event_id"] = "51e1bc3f0a2d",
            ["payload"] = JsonNode.Parse(payload),
            ["conversation_message_id"] = 1,
        }, eventId);

        var record = await EventuallyAsync(() => host.Interests.GetAsync(InterestLog.RecordId("in", $"vk:shop:{user}", eventId)), r => r is not null);
        Assert.Equal(longValue, record!.Text);
    }

    [Fact]
    public async Task WallReplyNew_AnsweredWithWallCreateCommentInTheThreadWithSourceLinks()
    {
        var user = NewUserId();
        var eventId = NewEventId();
        var comment = new JsonObject
        {
            ["id"] = 77,
            ["from_id"] = user,
            ["date"] = 1700000000,
            ["text"] = "How long does delivery take?",
            ["post_owner_id"] = -1001,
            ["post_id"] = 42,
            ["parents_stack"] = new JsonArray(),
            ["thread"] = new JsonObject { ["count"] = 0 },
        };

        var ok = await host.PostEventAsync("wall_reply_new", comment, eventId);
        // Our own reply in the thread comes back as an event too: it must not be answered.
        var own = await host.PostEventAsync("wall_reply_new", new JsonObject { ["id"] = 78, ["from_id"] = -1001, ["text"] = "Hello!", ["post_owner_id"] = -1001, ["post_id"] = 42 });

        Assert.Equal("ok", await ok.Content.ReadAsStringAsync(Ct));
        Assert.Equal("ok", await own.Content.ReadAsStringAsync(Ct));
        var conversation = $"vk:shop:wall-1001_42:{user}";
        var record = await EventuallyAsync(() => host.Interests.GetAsync(InterestLog.RecordId("in", conversation, eventId)), r => r is not null);
        Assert.NotNull(record);
        Assert.Equal("comment", record.Action);
        Assert.Equal("https://vk.com/wall-1001_42?reply=77", record.SourceLink);

        var comments = await EventuallyAsync(
            () => Task.FromResult(_vk.CallsOf("wall.createComment").Where(c => c["reply_to_comment"] == "77").ToList()),
            c => c.Any(x => x["message"].Contains("2–4 working days")));
        Assert.All(comments, c =>
        {
            Assert.Equal("-1001", c["owner_id"]);
            Assert.Equal("42", c["post_id"]);
            Assert.Equal("1001", c["from_group"]);
            Assert.NotEqual("", c["guid"]);
        });
        Assert.Empty(SendsTo(user));
        var replies = await OutRecordsAsync(conversation, comments.Count);
        Assert.All(replies, r => Assert.Matches(@"^https://vk\.com/wall-1001_42\?reply=\d+$", r.SourceLink!));
        Assert.DoesNotContain(_vk.CallsOf("wall.createComment"), c => c["reply_to_comment"] == "78");
    }

    [Fact]
    public async Task WallReplyNew_AnsweredFromTheFeedByAnAgent_WallCreateCommentRepliesToTheCustomersComment()
    {
        var user = NewUserId();
        var conversation = $"vk:shop:wall-1001_43:{user}";
        await host.PostEventAsync("wall_reply_new", new JsonObject
        {
            ["id"] = 91, ["from_id"] = user, ["date"] = 1700000000, ["text"] = "I want a human", ["post_owner_id"] = -1001, ["post_id"] = 43,
        });
        await EventuallyAsync(() => Task.FromResult(_vk.CallsOf("wall.createComment").Count(c => c["reply_to_comment"] == "91")), n => n > 0);
        await using var agent = new AgentTestClient(host.Factory, "agent-vk-" + user.ToString(System.Globalization.CultureInfo.InvariantCulture));
        (await agent.SetPresenceAsync("away")).EnsureSuccessStatusCode(); // claims, but is never offered other tests' chats
        await EventuallyAsync(async () => (await agent.ClaimAsync(conversation)).IsSuccessStatusCode || (await agent.DetailsAsync(conversation)).ToJsonString().Contains(agent.AgentId), ok => ok);

        var sent = await agent.SendAsync(conversation, "Hello! We have checked your order: it leaves today.");

        Assert.True(sent.IsSuccessStatusCode, await sent.Content.ReadAsStringAsync(Ct));
        var reply = await EventuallyAsync(
            () => Task.FromResult(_vk.CallsOf("wall.createComment").FirstOrDefault(c => c["message"] == "Hello! We have checked your order: it leaves today.")),
            c => c is not null);
        Assert.NotNull(reply);
        Assert.Equal("91", reply["reply_to_comment"]);
        Assert.Equal("43", reply["post_id"]);
        Assert.Equal("-1001", reply["owner_id"]);
        // The bot's own replies are recorded already; the agent's is written just after VK took it: wait for that one.
        var records = await EventuallyAsync(() => OutRecordsAsync(conversation, 1), r => r.Any(x => x.Author.Id == "agent:" + agent.AgentId));
        var record = records.Single(r => r.Author.Id == "agent:" + agent.AgentId);
        Assert.Matches(@"^https://vk\.com/wall-1001_43\?reply=\d+$", record.SourceLink ?? "");
    }

    [Fact]
    public async Task LikeAdd_RecordedAsLikeWithALinkToThePost_NeverMessaged()
    {
        var user = NewUserId();
        var eventId = NewEventId();

        await host.PostEventAsync("like_add", new JsonObject
        {
            ["liker_id"] = user,
            ["object_type"] = "post",
            ["object_owner_id"] = -1001,
            ["object_id"] = 42,
            ["thread_reply_id"] = 0,
            ["post_id"] = 0,
        }, eventId);

        var record = await EventuallyAsync(() => host.Interests.GetAsync(InterestLog.RecordId("in", $"vk:shop:signals:{user}", eventId)), r => r is not null);
        Assert.NotNull(record);
        Assert.Equal("like", record.Action);
        Assert.Equal("https://vk.com/wall-1001_42", record.SourceLink);
        Assert.Equal($"Ivan Petrov{user}", record.Author.Name);
        await Task.Delay(300, Ct);
        Assert.Empty(SendsTo(user));
        // A like is a signal, not a question: the bot takes no turn, so nothing is even attempted.
        Assert.Empty(await DeadLettersOfAsync($"vk:shop:signals:{user}"));
    }

    [Fact]
    public async Task Callback_LongPollCommunity_404EvenWithoutSecretAndNothingRecorded()
    {
        // "dev" polls VK itself and has no Callback API secret: a post to its callback URL could only be forged.
        var user = NewUserId();
        var eventId = NewEventId();

        var forged = await host.PostEventAsync("message_new", Message(user, "hello"), eventId, community: "dev", groupId: DevGroup, secret: null);
        var withSomeSecret = await host.PostEventAsync("message_new", Message(user, "hello"), eventId, community: "dev", groupId: DevGroup, secret: "anything");
        var confirmation = await host.Http.PostAsync("/api/channels/vk/dev", Json("""{"type":"confirmation","group_id":3003}"""), Ct);

        await ProblemAssert.IsProblemAsync(forged, HttpStatusCode.NotFound);
        await ProblemAssert.IsProblemAsync(withSomeSecret, HttpStatusCode.NotFound);
        await ProblemAssert.IsProblemAsync(confirmation, HttpStatusCode.NotFound);
        await Task.Delay(300, Ct);
        Assert.Null(await host.Interests.GetAsync(InterestLog.RecordId("in", $"vk:dev:{user}", eventId)));
        Assert.Empty(SendsTo(user));
    }

    [Fact]
    public async Task MarketCommentAndLeave_RecordedWithProductAndLeaveNoted()
    {
        var user = NewUserId();
        var commentEvent = NewEventId();
        var leaveEvent = NewEventId();

        await host.PostEventAsync("market_comment_new", new JsonObject
        {
            ["id"] = 5, ["from_id"] = user, ["date"] = 1700000000, ["text"] = "Is it in stock?", ["market_owner_id"] = -1001, ["item_id"] = 314,
        }, commentEvent);
        await host.PostEventAsync("group_leave", new JsonObject { ["user_id"] = user, ["self"] = 1 }, leaveEvent);

        var comment = await EventuallyAsync(() => host.Interests.GetAsync(InterestLog.RecordId("in", $"vk:shop:market-1001_314:{user}", commentEvent)), r => r is not null);
        Assert.Equal("comment", comment!.Action);
        Assert.Equal("market-1001_314", comment.Product);
        Assert.Equal("https://vk.com/product-1001_314", comment.SourceLink);
        var answer = await EventuallyAsync(() => Task.FromResult(_vk.CallsOf("market.createComment").FirstOrDefault(c => c["item_id"] == "314" && c["reply_to_comment"] == "5")), c => c is not null);
        Assert.NotNull(answer);
        Assert.Equal(("-1001", "1001"), (answer["owner_id"], answer["from_group"]));
        var leave = await EventuallyAsync(() => host.Interests.GetAsync(InterestLog.RecordId("in", $"vk:shop:signals:{user}", leaveEvent)), r => r is not null);
        Assert.Equal("leave", leave!.Action);
        Assert.Null(leave.Text);
        Assert.Equal($"https://vk.com/id{user}", leave.SourceLink);
    }

    [Fact]
    public async Task WallPostByAUserAndLeaves_PostAnsweredInItsComments_FeedFiltersAndReportsCountPostAndLeave()
    {
        var user = NewUserId();
        var postEvent = NewEventId();
        var leaveEvent = NewEventId();
        var removedEvent = NewEventId();
        var unlikeEvent = NewEventId();

        // A wall post object as the Callback API sends it (v 5.199).
        await host.PostEventAsync("wall_post_new", new JsonObject
        {
            ["id"] = 501, ["owner_id"] = -1001, ["from_id"] = user, ["created_by"] = user, ["date"] = 1700000000, ["text"] = "How long does delivery take?",
            ["post_type"] = "post", ["attachments"] = new JsonArray(), ["comments"] = new JsonObject { ["count"] = 0 }, ["marked_as_ads"] = 0,
        }, postEvent);
        await host.PostEventAsync("group_leave", new JsonObject { ["user_id"] = user, ["self"] = 1 }, leaveEvent);
        await host.PostEventAsync("group_leave", new JsonObject { ["user_id"] = user, ["self"] = 0 }, removedEvent);
        await host.PostEventAsync("like_remove", new JsonObject { ["liker_id"] = user, ["object_type"] = "post", ["object_owner_id"] = -1001, ["object_id"] = 501, ["post_id"] = 0 }, unlikeEvent);

        var postConversation = $"vk:shop:wall-1001_501:{user}";
        var post = await EventuallyAsync(() => host.Interests.GetAsync(InterestLog.RecordId("in", postConversation, postEvent)), r => r is not null);
        Assert.Equal("post", post!.Action);
        Assert.Equal("How long does delivery take?", post.Text);
        Assert.Equal("https://vk.com/wall-1001_501", post.SourceLink);
        // Answered in the post's own comments (a post is no comment to reply to).
        var answer = await EventuallyAsync(() => Task.FromResult(_vk.CallsOf("wall.createComment").FirstOrDefault(c => c["post_id"] == "501" && c["message"].Contains("2–4 working days"))), c => c is not null);
        Assert.Equal(("-1001", "1001", ""), (answer!["owner_id"], answer["from_group"], answer["reply_to_comment"]));

        var signals = $"vk:shop:signals:{user}";
        var left = await EventuallyAsync(() => host.Interests.GetAsync(InterestLog.RecordId("in", signals, leaveEvent)), r => r is not null);
        var removed = await EventuallyAsync(() => host.Interests.GetAsync(InterestLog.RecordId("in", signals, removedEvent)), r => r is not null);
        var unliked = await EventuallyAsync(() => host.Interests.GetAsync(InterestLog.RecordId("in", signals, unlikeEvent)), r => r is not null);
        Assert.Equal(("leave", false), (left!.Action, left.Fields?.ContainsKey("removed") == true));
        Assert.Equal(("leave", "true", "[removed from the community]"), (removed!.Action, removed.Fields?["removed"], removed.Text));
        Assert.Equal(("like", "true"), (unliked!.Action, unliked.Fields?["removed"]));
        Assert.Empty(await DeadLettersOfAsync(signals)); // signals get no turn: nothing was even tried

        using var api = host.Factory.CreateClient();
        api.DefaultRequestHeaders.Add("X-Api-Key", BotFactory.ApiKey);
        async Task<List<string>> FeedIdsAsync(string action) =>
            [.. (await api.GetFromJsonAsync<JsonObject>($"/api/interests?source=vk&action={action}&pageSize=500", Ct))!["items"]!.AsArray().Select(i => i!["id"]!.GetValue<string>())];
        Assert.Contains(post.Id, await FeedIdsAsync("post"));
        Assert.DoesNotContain(post.Id, await FeedIdsAsync("comment"));
        Assert.Contains(left.Id, await FeedIdsAsync("leave"));
        Assert.DoesNotContain(left.Id, await FeedIdsAsync("join"));
        var summary = (await api.GetFromJsonAsync<JsonObject>("/api/reports/summary?groupBy=action", Ct))!["groups"]!.AsArray();
        Assert.True(summary.Single(g => g!["key"]!.GetValue<string>() == "post")!["count"]!.GetValue<long>() >= 1);
        Assert.True(summary.Single(g => g!["key"]!.GetValue<string>() == "leave")!["count"]!.GetValue<long>() >= 2);
    }

    [Theory]
    [InlineData(9, "Flood control", 55)]
    [InlineData(29, "Rate limit reached", 295)]
    public async Task Send_Error9Or29_KeptAndRetriedAfterVksBackOff_NeverDeadLettered(int code, string message, int atLeastSeconds)
    {
        var user = NewUserId();
        var conversation = $"vk:shop:{user}";
        _vk.FailNext("messages.send", user, code, message);

        await host.PostEventAsync("message_new", Message(user, "How long does delivery take?"));

        // The first reply failed; it stays at the head of the outbox, due again only after VK's back-off, and nothing behind it overtakes it.
        var redis = host.Factory.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();
        var head = await EventuallyAsync(
            async () => await redis.ListGetByIndexAsync(SupportBot.Handoff.RedisKeys.Outbox(conversation), 0) is { IsNull: false } raw ? JsonNode.Parse((string)raw!)!.AsObject() : null,
            h => h?["attempts"]?.GetValue<int>() == 1);
        Assert.NotNull(head);
        Assert.Contains($"VK error {code}", head["lastError"]!.GetValue<string>());
        var due = DateTimeOffset.Parse(head["nextAttemptAt"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(due - DateTimeOffset.UtcNow >= TimeSpan.FromSeconds(atLeastSeconds), $"due again in {(due - DateTimeOffset.UtcNow).TotalSeconds:F0} s");
        await Task.Delay(500, Ct);
        Assert.Single(SendsTo(user));
        Assert.Empty(await DeadLettersOfAsync(conversation));
        await redis.KeyDeleteAsync(SupportBot.Handoff.RedisKeys.Outbox(conversation)); // so the retry does not run into later tests
    }

    [Fact]
    public async Task MessageDenyThenAllow_CustomerCardBlockedThenContacted()
    {
        var user = NewUserId();
        await host.PostEventAsync("message_new", Message(user, "How long does delivery take?"));
        await EventuallyAsync(() => CustomerStatusAsync(user), s => s is not null);

        var deny = await host.PostEventAsync("message_deny", new JsonObject { ["user_id"] = user });

        Assert.Equal("ok", await deny.Content.ReadAsStringAsync(Ct));
        Assert.Equal("blocked", await CustomerStatusAsync(user));
        var allow = await host.PostEventAsync("message_allow", new JsonObject { ["user_id"] = user, ["key"] = "abc" });
        Assert.Equal("ok", await allow.Content.ReadAsStringAsync(Ct));
        Assert.Equal("contacted", await CustomerStatusAsync(user));

        // Denied again, then the customer simply writes: they may be answered, and the card says so.
        await host.PostEventAsync("message_deny", new JsonObject { ["user_id"] = user });
        Assert.Equal("blocked", await CustomerStatusAsync(user));
        await host.PostEventAsync("message_new", Message(user, "Are you there?"));
        Assert.Equal("contacted", await CustomerStatusAsync(user));
    }

    [Fact]
    public async Task Typing_BothWays_InADialogAnAgentHolds_NothingRecorded()
    {
        var user = NewUserId();
        var conversation = $"vk:shop:{user}";
        await using var agent = new AgentTestClient(host.Factory, $"vera-typing-{user}");
        (await agent.SetPresenceAsync("away", name: "Vera")).EnsureSuccessStatusCode(); // claims, but is never offered other tests' chats
        await host.PostEventAsync("message_new", Message(user, "I want a human"));
        var handoff = host.Factory.Services.GetRequiredService<SupportBot.Handoff.HandoffStore>();
        await EventuallyAsync(async () => (await handoff.GetTranscriptAsync(conversation)).Any(e => e.From == "customer"), done => done);
        (await agent.ClaimAsync(conversation)).EnsureSuccessStatusCode();

        Assert.True(await host.Factory.Services.GetRequiredService<SupportBot.Handoff.AgentTyping>().ShowAsync(conversation, agent.AgentId, Ct));

        var call = Assert.Single(_vk.CallsOf("messages.setActivity"), c => c["peer_id"] == user.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("typing", call["type"]);
        Assert.Equal(("vk1.a.shop-token", "1001"), (call["access_token"], call["group_id"]));

        // The customer types back (message_typing_state): the agent hears it live; no record, no turn.
        await agent.ConnectHubAsync();
        var typingEvent = NewEventId();
        var typing = await host.PostEventAsync("message_typing_state", new JsonObject { ["state"] = "typing", ["from_id"] = user, ["to_id"] = -ShopGroup }, typingEvent);
        Assert.Equal(HttpStatusCode.OK, typing.StatusCode);
        var notice = await agent.NextNoticeAsync(n => n["type"]?.GetValue<string>() == "customer_typing" && n["conversationId"]?.GetValue<string>() == conversation);
        Assert.Equal(agent.AgentId, notice["agentId"]!.GetValue<string>());
        Assert.Null(await host.Interests.GetAsync(InterestLog.RecordId("in", conversation, typingEvent)));
    }

    [Fact]
    public async Task AgentReply_Error901_CardBlockedAndTheChatPageSaysTheReplyWasNotDelivered()
    {
        const string password = "a-long-enough-password";
        var user = NewUserId();
        var conversation = $"vk:shop:{user}";
        var account = await host.Factory.Services.GetRequiredService<SupportBot.AgentConsole.Accounts.AgentAccountStore>()
            .UpsertAsync($"vk-901-{user}@example.com", "Vera", SupportBot.AgentConsole.Accounts.AgentRoles.Supervisor, ["support"], password);
        await using var agent = new AgentTestClient(host.Factory, account.Id);
        (await agent.SetPresenceAsync("away")).EnsureSuccessStatusCode(); // claims, but is never offered other tests' chats
        await host.PostEventAsync("message_new", Message(user, "I want a human"));
        var redis = host.Factory.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();
        var handoff = host.Factory.Services.GetRequiredService<SupportBot.Handoff.HandoffStore>();
        await EventuallyAsync( // the customer's turn committed (the chat waits in the queue) and the bot's part went out
            async () => (await handoff.GetTranscriptAsync(conversation)).Any(e => e.From == "customer") && await redis.ListLengthAsync(SupportBot.Handoff.RedisKeys.Outbox(conversation)) == 0,
            done => done);
        var claim = await agent.ClaimAsync(conversation);
        Assert.True(claim.IsSuccessStatusCode, await claim.Content.ReadAsStringAsync(Ct));
        _vk.FailNext("messages.send", user, 901, "Can't send messages for users without permission");

        var sent = await agent.SendAsync(conversation, "Let me check your order.");

        Assert.True(sent.IsSuccessStatusCode, await sent.Content.ReadAsStringAsync(Ct));
        var details = await agent.WaitForAsync(conversation, d => d["transcript"]!.AsArray().Any(e => e!["from"]!.GetValue<string>() == "agent" && e["delivery"]?.GetValue<string>() == "refused"));
        var failure = Assert.Single(details["transcript"]!.AsArray(), e => e!["from"]!.GetValue<string>() == "system");
        Assert.Equal(("refused", account.Id), (failure!["kind"]!.GetValue<string>(), failure["agent"]!.GetValue<string>()));
        Assert.Contains("customer has not allowed messages", failure["text"]!.GetValue<string>());
        Assert.Single(SendsTo(user), c => c["message"] == "Let me check your order."); // not retried
        Assert.Equal("blocked", await CustomerStatusAsync(user));

        var page = await ConsoleBrowser.SignedInPageAsync(host.Factory, account.Email, password, $"/console/chats/{conversation}");
        Assert.Contains("The customer does not accept messages on VK; your reply was not delivered.", page, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"undelivered\"", page, StringComparison.Ordinal);
    }

    private async Task<string?> CustomerStatusAsync(long user)
    {
        var customers = host.Factory.Services.GetRequiredService<SupportBot.Customers.CustomerStore>();
        return await customers.FindByIdentityAsync("vk", user.ToString(System.Globalization.CultureInfo.InvariantCulture)) is { } id ? (await customers.GetAsync(id))?.Status : null;
    }

    private List<VkCall> SendsTo(long peer) =>
        [.. _vk.CallsOf("messages.send").Where(c => c["peer_id"] == peer.ToString(System.Globalization.CultureInfo.InvariantCulture))];

    private async Task<IReadOnlyList<InterestRecord>> OutRecordsAsync(string conversationId, int atLeast)
    {
        return await EventuallyAsync(
            async () => (IReadOnlyList<InterestRecord>)[.. (await host.Interests.QueryAsync(new InterestQuery(new InterestFilter { From = DateTimeOffset.UtcNow.AddMinutes(-5), Source = "vk", Direction = "out" }, 1, 500))).Items
                .Where(r => r.ConversationId == conversationId && r.Direction == "out")],
            r => r.Count >= atLeast);
    }

    private async Task<IReadOnlyList<DeadLetter>> DeadLettersOfAsync(string conversationId)
    {
        var (items, _) = await host.Factory.Services.GetRequiredService<DeadLetterStore>().ListAsync(0, 500);
        return [.. items.Where(l => l.Item.ConversationId == conversationId)];
    }

    /// <summary>A message_new object as in the Callback API documentation (v ≥ 5.103).</summary>
    internal static JsonObject Message(long user, string text, long? peer = null) => new()
    {
        ["message"] = new JsonObject
        {
            ["date"] = 1700000000,
            ["from_id"] = user,
            ["id"] = 0,
            ["out"] = 0,
            ["attachments"] = new JsonArray(),
            ["conversation_message_id"] = 12,
            ["fwd_messages"] = new JsonArray(),
            ["important"] = false,
            ["is_hidden"] = false,
            ["peer_id"] = peer ?? user,
            ["random_id"] = 0,
            ["text"] = text,
        },
        ["client_info"] = new JsonObject
        {
            ["button_actions"] = new JsonArray("text", "vkpay", "open_app", "location", "open_link", "callback", "intent_subscribe", "intent_unsubscribe"),
            ["keyboard"] = true,
            ["inline_keyboard"] = true,
            ["carousel"] = true,
            ["lang_id"] = 3,
        },
    };

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}

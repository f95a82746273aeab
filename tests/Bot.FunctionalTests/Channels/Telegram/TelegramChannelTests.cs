using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using SupportBot.Channels;
using SupportBot.Channels.Telegram;
using SupportBot.Contracts;
using SupportBot.FunctionalTests.Infrastructure;
using SupportBot.Pipeline.Outbox;

using static SupportBot.FunctionalTests.Infrastructure.TestCancellation;

namespace SupportBot.FunctionalTests.Channels.Telegram;

public sealed class TelegramChannelOnRedisTests(TelegramHostFixture<RedisServerFixture> host)
    : TelegramChannelTests<RedisServerFixture>(host), IClassFixture<TelegramHostFixture<RedisServerFixture>>;

public sealed class TelegramChannelOnGarnetTests(TelegramHostFixture<GarnetFixture> host)
    : TelegramChannelTests<GarnetFixture>(host), IClassFixture<TelegramHostFixture<GarnetFixture>>;

/// <summary>
/// The Telegram channel over real HTTP: Telegram's side is <see cref="TelegramApiStandIn"/>, the
/// client is the real Telegram.Bot one, the host is the real Program on Redis or Garnet.
/// </summary>
public abstract class TelegramChannelTests<TStore>(TelegramHostFixture<TStore> host) where TStore : IStore, IAsyncLifetime, new()
{
    private const string DeliveryQuestion = "How long does delivery take?";

    [Fact]
    public async Task Start_WebhookBot_RegistersUrlSecretAndUpdateTypes()
    {
        await Eventually.TrueAsync(() => host.Api.CallsOf("setWebhook").Any(c => c.Token == TelegramHostFixture<TStore>.ShopToken), "setWebhook");

        var call = host.Api.CallsOf("setWebhook").First(c => c.Token == TelegramHostFixture<TStore>.ShopToken);
        Assert.DoesNotContain(host.Api.CallsOf("setWebhook"), c => c.Token == TelegramHostFixture<TStore>.DevToken); // the polling bot has none
        Assert.Equal("https://bot.example.com/api/channels/telegram/shop", call.Body["url"]!.GetValue<string>());
        Assert.Equal(TelegramHostFixture<TStore>.Secret, call.Body["secret_token"]!.GetValue<string>());
        var allowed = call.Body["allowed_updates"]!.AsArray().Select(u => u!.GetValue<string>()).ToList();
        Assert.Contains("message", allowed);
        Assert.Contains("callback_query", allowed);
        Assert.Contains("message_reaction", allowed);
        Assert.Contains("my_chat_member", allowed);
    }

    [Fact]
    public async Task Webhook_WrongOrMissingSecret_403AndNothingRecorded()
    {
        var chat = TelegramHostFixture<TStore>.NextChatId();
        var update = Updates.Message(TelegramHostFixture<TStore>.NextUpdateId(), chat, DeliveryQuestion);

        await ProblemAssert.IsProblemAsync(await host.PostUpdateAsync(update, secret: "webhook-secret_0123456789abcdeX"), HttpStatusCode.Forbidden);
        await ProblemAssert.IsProblemAsync(await host.PostUpdateAsync(update, secret: null), HttpStatusCode.Forbidden);
        await ProblemAssert.IsProblemAsync(await host.PostUpdateAsync(update, bot: "nosuchbot"), HttpStatusCode.NotFound);
        // The polling bot has no webhook: it is not a way in.
        await ProblemAssert.IsProblemAsync(await host.PostUpdateAsync(update, bot: "dev"), HttpStatusCode.NotFound);

        await Task.Delay(300, Ct);
        Assert.Empty(await host.RecordsAsync($"telegram:shop:{chat}"));
        Assert.Empty(host.Api.MessagesTo(chat));
    }

    [Fact]
    public async Task Webhook_MalformedOrOversizedBody_400And413()
    {
        using var client = host.Factory.CreateClient();
        using var malformed = new HttpRequestMessage(HttpMethod.Post, "/api/channels/telegram/shop") { Content = new StringContent("{\"update_id\": 5, \"message\": ", Encoding.UTF8, "application/json") };
        malformed.Headers.Add("X-Telegram-Bot-Api-Secret-Token", TelegramHostFixture<TStore>.Secret);
        await ProblemAssert.IsProblemAsync(await client.SendAsync(malformed, Ct), HttpStatusCode.BadRequest);

        using var huge = new HttpRequestMessage(HttpMethod.Post, "/api/channels/telegram/shop") { Content = new StringContent("{\"update_id\": 5, \"x\": \"" + new string('a', 2 * 1024 * 1024) + "\"}", Encoding.UTF8, "application/json") };
        huge.Headers.Add("X-Telegram-Bot-Api-Secret-Token", TelegramHostFixture<TStore>.Secret);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await client.SendAsync(huge, Ct)).StatusCode);
    }

    [Fact]
    public async Task Webhook_SameUpdateThreeTimes_OneRecordAndOneReply()
    {
        var chat = TelegramHostFixture<TStore>.NextChatId();
        var update = Updates.Message(TelegramHostFixture<TStore>.NextUpdateId(), chat, DeliveryQuestion);

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await host.PostUpdateAsync(update)).StatusCode);
        }

        // A new customer: the greeting, then the answer; once each.
        await Eventually.TrueAsync(() => host.Api.MessagesTo(chat).Count() >= 2, "the reply");
        await Task.Delay(700, Ct);
        var replies = host.Api.MessagesTo(chat).ToList();
        Assert.Equal(2, replies.Count);
        Assert.Contains("2–4 working days", replies[1].Body["text"]!.GetValue<string>());
        Assert.Equal("html", replies[1].Body["parse_mode"]!.GetValue<string>(), ignoreCase: true);
        var records = await host.RecordsAsync($"telegram:shop:{chat}");
        var inbound = Assert.Single(records, r => r.Direction == "in");
        Assert.Equal("message", inbound.Action);
        Assert.Equal("shop", inbound.ChannelAccount);
        Assert.Equal(update["update_id"]!.GetValue<int>().ToString(System.Globalization.CultureInfo.InvariantCulture), inbound.EventId);
        Assert.Equal("Test Lastname", inbound.Author.Name);
        // A reply's outbound record is written just after Telegram took it: the stand-in can have the answer first.
        await Eventually.TrueAsync(async () => (await host.RecordsAsync($"telegram:shop:{chat}")).Count(r => r.Direction == "out") == 2, "the two outbound records");
    }

    [Fact]
    public async Task Send_429ThenSuccess_WaitsRetryAfterAndSendsOnce()
    {
        var chat = TelegramHostFixture<TStore>.NextChatId();
        host.Api.FailNext("sendMessage", b => b["chat_id"]!.GetValue<long>() == chat, 429, "Too Many Requests: retry after 1", retryAfter: 1);

        await host.PostUpdateAsync(Updates.Message(TelegramHostFixture<TStore>.NextUpdateId(), chat, DeliveryQuestion));

        await Eventually.TrueAsync(() => host.Api.MessagesTo(chat).Count() >= 2, "the retried send");
        var calls = host.Api.MessagesTo(chat).ToList();
        Assert.True(calls[1].At - calls[0].At >= TimeSpan.FromSeconds(0.95), $"retried after {(calls[1].At - calls[0].At).TotalSeconds:F2} s, before retry_after");
        await Eventually.TrueAsync(async () => (await host.RecordsAsync($"telegram:shop:{chat}")).Count(r => r.Direction == "out") == 2, "the outbound records");
        await Task.Delay(300, Ct);
        Assert.Equal(3, host.Api.MessagesTo(chat).Count()); // greeting refused, greeting, answer
    }

    [Fact]
    public async Task Send_BlockedByUser403_NotRetriedAndRecordedAsBlocked()
    {
        var chat = TelegramHostFixture<TStore>.NextChatId();
        host.Api.FailNext("sendMessage", b => b["chat_id"]!.GetValue<long>() == chat, 403, "Forbidden: bot was blocked by the user", times: 100);

        await host.PostUpdateAsync(Updates.Message(TelegramHostFixture<TStore>.NextUpdateId(), chat, DeliveryQuestion));

        var store = host.Factory.Services.GetRequiredService<TelegramStore>();
        await Eventually.TrueAsync(async () => await store.ChatStatusAsync("shop", chat) == "blocked", "blocked status");
        // The 403 marks the chat blocked before the reply is dead-lettered, and the answer after it follows later:
        // wait for both letters (with the outbox empty, nothing more can be tried).
        var deadLetters = host.Factory.Services.GetRequiredService<DeadLetterStore>();
        List<DeadLetter> dead = [];
        await Eventually.TrueAsync(async () => (dead = [.. (await deadLetters.ListAsync(0, 1000)).Items.Where(l => l.Item.ConversationId == $"telegram:shop:{chat}")]).Count >= 2, "both replies dead-lettered");
        Assert.Single(host.Api.MessagesTo(chat)); // the greeting was refused; the answer after it is not even tried
        Assert.Equal(2, dead.Count);
        Assert.All(dead, l => Assert.Equal(1, l.Item.Attempts));
        Assert.Contains("403", dead[0].Reason);
        Assert.Contains("blocked", dead[1].Reason);
        await Eventually.TrueAsync(async () => await CustomerStatusAsync(chat) is not null, "the customer card");
        Assert.Equal("blocked", await CustomerStatusAsync(chat));
    }

    [Fact]
    public async Task Send_10000Characters_ThreeMessagesEscapedWithKeyboardOnTheLast()
    {
        var chat = TelegramHostFixture<TStore>.NextChatId();
        var paragraph = "Tom & Jerry <b>not bold</b> " + new string('x', 60) + " " + string.Join(' ', Enumerable.Repeat("word", 80));
        var text = new StringBuilder();
        while (text.Length < 10_000)
        {
            text.Append(paragraph).Append("\n\n");
        }

        var body = text.ToString()[..10_000];
        var longValue = "I would like to know more about the " + new string('z', 80) + " option";
        var sender = host.Factory.Services.GetRequiredKeyedService<IChannelSender>("telegram");
        var item = new OutboxItem
        {
            Id = $"telegram:shop:{chat}:1:0",
            Channel = "telegram",
            ConversationId = $"telegram:shop:{chat}",
            ChannelAccount = "shop",
            Message = new OutgoingMessage(body, [new SuggestedChoice("Yes", "yes"), new SuggestedChoice("Tell me more", longValue)]),
        };

        var result = await sender.SendAsync(item, Ct);

        var sent = host.Api.MessagesTo(chat).ToList();
        Assert.Equal(3, sent.Count);
        Assert.Equal(3, result.ChannelMessageId.Split(',').Length);
        // About one message a second to a chat: the parts waited their turn rather than being refused.
        Assert.True(sent[2].At - sent[0].At >= TimeSpan.FromSeconds(1.9), $"three parts within {(sent[2].At - sent[0].At).TotalSeconds:F2} s");
        var texts = sent.Select(s => s.Body["text"]!.GetValue<string>()).ToList();
        Assert.All(texts, t => Assert.True(Unescape(t).Length <= 4096));
        Assert.All(texts, t => Assert.DoesNotContain("<b>", t));
        Assert.Contains("Tom &amp; Jerry &lt;b&gt;not bold&lt;/b&gt;", texts[0]);
        Assert.Equal(body.Replace("\n\n", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal),
            string.Concat(texts.Select(Unescape)).Replace("\n\n", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal));
        Assert.Null(sent[0].Body["reply_markup"]);
        var buttons = sent[2].Body["reply_markup"]!["inline_keyboard"]!.AsArray().SelectMany(row => row!.AsArray()).ToList();
        Assert.Equal(["yes", null], buttons.Select(b => b!["callback_data"]!.GetValue<string>()).Select(d => d.StartsWith('#') ? null : d));
        var shortId = buttons[1]!["callback_data"]!.GetValue<string>();
        Assert.True(Encoding.UTF8.GetByteCount(shortId) <= 64);
        Assert.Equal(longValue, await host.Factory.Services.GetRequiredService<TelegramStore>().CallbackValueAsync(shortId));

        // Sent again (the outbox retrying after a crash): the parts already out are not repeated.
        await sender.SendAsync(item, Ct);
        Assert.Equal(3, host.Api.MessagesTo(chat).Count());

        static string Unescape(string html) => html.Replace("&lt;", "<", StringComparison.Ordinal).Replace("&gt;", ">", StringComparison.Ordinal).Replace("&amp;", "&", StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallbackButton_RoundTrip_AnsweredAndTheDialogGoesOn()
    {
        var chat = TelegramHostFixture<TStore>.NextChatId();
        await host.PostUpdateAsync(Updates.Message(TelegramHostFixture<TStore>.NextUpdateId(), chat, "open a request"));
        await Eventually.TrueAsync(() => host.Api.MessagesTo(chat).Count() >= 2, "greeting and name prompt");
        await host.PostUpdateAsync(Updates.Message(TelegramHostFixture<TStore>.NextUpdateId(), chat, "Anna", messageId: 1366));
        await Eventually.TrueAsync(() => host.Api.MessagesTo(chat).Count() >= 3, "topic prompt");

        var prompt = host.Api.MessagesTo(chat).ElementAt(2);
        var button = prompt.Body["reply_markup"]!["inline_keyboard"]!.AsArray().SelectMany(row => row!.AsArray())
            .Single(b => b!["text"]!.GetValue<string>() == "Delivery")!;
        var callback = Updates.Callback(TelegramHostFixture<TStore>.NextUpdateId(), chat, 1001, button["callback_data"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, (await host.PostUpdateAsync(callback)).StatusCode);

        Assert.Contains(host.Api.CallsOf("answerCallbackQuery"), c => c.Body["callback_query_id"]!.GetValue<string>() == "4382bfdwdsb323b2d9");
        await Eventually.TrueAsync(() => host.Api.MessagesTo(chat).Count() >= 4, "the next step");
        Assert.Contains("e-mail", host.Api.MessagesTo(chat).ElementAt(3).Body["text"]!.GetValue<string>());
        var records = await host.RecordsAsync($"telegram:shop:{chat}");
        Assert.Contains(records, r => r.Direction == "in" && r.Text == "delivery" && r.EventId == callback["update_id"]!.ToString());
    }

    [Fact]
    public async Task CallbackButton_ExpiredShortId_StillAnsweredNoTurn()
    {
        var chat = TelegramHostFixture<TStore>.NextChatId();
        var callback = Updates.Callback(TelegramHostFixture<TStore>.NextUpdateId(), chat, 1001, "#cb:000000000000000000000000");
        callback["callback_query"]!["id"] = "expired-" + chat;

        Assert.Equal(HttpStatusCode.OK, (await host.PostUpdateAsync(callback)).StatusCode);

        Assert.Contains(host.Api.CallsOf("answerCallbackQuery"), c => c.Body["callback_query_id"]!.GetValue<string>() == "expired-" + chat);
        await Task.Delay(300, Ct);
        Assert.Empty(await host.RecordsAsync($"telegram:shop:{chat}"));
    }

    [Fact]
    public async Task StartDeepLink_PayloadIsTheRecordsProductAndSource()
    {
        var chat = TelegramHostFixture<TStore>.NextChatId();

        await host.PostUpdateAsync(Updates.Message(TelegramHostFixture<TStore>.NextUpdateId(), chat, "/start product_123",
            shape: m => m["entities"] = new JsonArray(new JsonObject { ["offset"] = 0, ["length"] = 6, ["type"] = "bot_command" })));

        await Eventually.TrueAsync(async () => (await host.RecordsAsync($"telegram:shop:{chat}")).Any(r => r.Direction == "in"), "the record");
        var record = (await host.RecordsAsync($"telegram:shop:{chat}")).Single(r => r.Direction == "in");
        Assert.Equal("product_123", record.Product);
        Assert.Equal($"https://t.me/{TelegramApiStandIn.BotUsername}?start=product_123", record.SourceLink);
        Assert.Equal("en", record.Language);

        // Pressing Start gets a hello, not "Did you mean one of these?" about "/start product_123". A second message
        // would come a second later (one message a second per chat): wait past that.
        await Eventually.TrueAsync(() => host.Api.MessagesTo(chat).Any(), "the greeting");
        await Task.Delay(1500, Ct);
        var sent = host.Api.MessagesTo(chat).Select(m => m.Body["text"]!.GetValue<string>()).ToList();
        Assert.True(sent.Count == 1, $"Expected the greeting alone, got: {string.Join(" | ", sent)}");
        var greeting = sent[0];
        Assert.StartsWith("Hi! I'm the Northwind Shop assistant.", greeting, StringComparison.Ordinal);
        Assert.EndsWith("to talk to a person.", greeting, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reaction_RecordedAsLike_NotAnswered()
    {
        var chat = TelegramHostFixture<TStore>.NextChatId();
        var update = new JsonObject
        {
            ["update_id"] = TelegramHostFixture<TStore>.NextUpdateId(),
            ["message_reaction"] = new JsonObject
            {
                ["chat"] = Updates.GroupChat(-100_000_000_0000 - chat),
                ["message_id"] = 77,
                ["user"] = Updates.User(chat),
                ["date"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
                ["old_reaction"] = new JsonArray(),
                ["new_reaction"] = new JsonArray(new JsonObject { ["type"] = "emoji", ["emoji"] = "👍" }),
            },
        };

        Assert.Equal(HttpStatusCode.OK, (await host.PostUpdateAsync(update)).StatusCode);

        var conversation = $"telegram:shop:{-100_000_000_0000 - chat}:{chat}";
        await Eventually.TrueAsync(async () => (await host.RecordsAsync(conversation)).Count > 0, "the like");
        Assert.Equal(HttpStatusCode.OK, (await host.PostUpdateAsync(update)).StatusCode); // delivered again: still one record
        await Task.Delay(300, Ct);
        var like = Assert.Single(await host.RecordsAsync(conversation));
        Assert.Equal("like", like.Action);
        Assert.Equal("👍", like.Text);
        Assert.Equal("https://t.me/northwind_fans/77", like.SourceLink);
        await Task.Delay(300, Ct);
        Assert.DoesNotContain(host.Api.CallsOf("sendMessage"), c => c.Body["chat_id"]!.GetValue<long>() == -100_000_000_0000 - chat);
    }

    [Fact]
    public async Task Group_MentionAnsweredAsCommentInReply_ChatterIgnored()
    {
        var user = TelegramHostFixture<TStore>.NextChatId();
        var group = -100_000_000_0000 - user;
        void InGroup(JsonObject m) => m["chat"] = Updates.GroupChat(group);

        await host.PostUpdateAsync(Updates.Message(TelegramHostFixture<TStore>.NextUpdateId(), user, "nice weather today", messageId: 50, shape: InGroup));
        var mention = $"@{TelegramApiStandIn.BotUsername} {DeliveryQuestion}";
        await host.PostUpdateAsync(Updates.Message(TelegramHostFixture<TStore>.NextUpdateId(), user, mention, messageId: 51, shape: m =>
        {
            InGroup(m);
            m["entities"] = new JsonArray(new JsonObject { ["offset"] = 0, ["length"] = TelegramApiStandIn.BotUsername.Length + 1, ["type"] = "mention" });
        }));

        await Eventually.TrueAsync(() => host.Api.MessagesTo(group).Any(m => m.Body["text"]!.GetValue<string>().Contains("working days", StringComparison.Ordinal)), "the answer in the group");
        await Task.Delay(300, Ct);
        Assert.All(host.Api.MessagesTo(group), answer => Assert.Equal(51, answer.Body["reply_parameters"]!["message_id"]!.GetValue<int>()));
        var records = await host.RecordsAsync($"telegram:shop:{group}:{user}");
        var comment = Assert.Single(records, r => r.Direction == "in");
        Assert.Equal("comment", comment.Action);
        Assert.Equal("https://t.me/northwind_fans/51", comment.SourceLink);
        var reply = records.First(r => r.Direction == "out");
        Assert.StartsWith("https://t.me/northwind_fans/", reply.SourceLink);
    }

    [Fact]
    public async Task Group_BotRemovedThenAddedBack_AnsweredAgain()
    {
        var user = TelegramHostFixture<TStore>.NextChatId();
        var group = -100_000_000_0000 - user;
        var store = host.Factory.Services.GetRequiredService<TelegramStore>();
        JsonObject Mention(int messageId) => Updates.Message(TelegramHostFixture<TStore>.NextUpdateId(), user, $"@{TelegramApiStandIn.BotUsername} {DeliveryQuestion}", messageId, m =>
        {
            m["chat"] = Updates.GroupChat(group);
            m["entities"] = new JsonArray(new JsonObject { ["offset"] = 0, ["length"] = TelegramApiStandIn.BotUsername.Length + 1, ["type"] = "mention" });
        });

        // The bot was removed from the group: the answer is refused with 403 and the group is marked.
        host.Api.FailNext("sendMessage", b => b["chat_id"]!.GetValue<long>() == group, 403, "Forbidden: bot was kicked from the supergroup chat");
        await host.PostUpdateAsync(Mention(70));
        await Eventually.TrueAsync(async () => await store.ChatStatusAsync("shop", group) == "blocked", "the group marked");
        await Task.Delay(500, Ct);
        var before = host.Api.MessagesTo(group).Count();

        // Added back: it hears the group again, so it answers there again.
        await host.PostUpdateAsync(Mention(71));

        await Eventually.TrueAsync(() => host.Api.MessagesTo(group).Count() > before, "an answer in the group after the bot came back");
        Assert.Equal("active", await store.ChatStatusAsync("shop", group));
    }

    [Fact]
    public async Task Group_ReplyToTheBotAnswered_ChatterRecordedOnlyWhereConfigured()
    {
        var user = TelegramHostFixture<TStore>.NextChatId();
        var group = -100_000_000_0000 - user;
        var botMessage = new JsonObject
        {
            ["message_id"] = 60,
            ["from"] = new JsonObject { ["id"] = 7000003, ["is_bot"] = true, ["first_name"] = "Northwind", ["username"] = TelegramApiStandIn.BotUsername },
            ["chat"] = Updates.GroupChat(group),
            ["date"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            ["text"] = "Ask me anything",
        };
        const string brand2Secret = TelegramHostFixture<TStore>.Secret + "-2";

        await host.PostUpdateAsync(Updates.Message(TelegramHostFixture<TStore>.NextUpdateId(), user, "nice weather today", messageId: 61, shape: m => m["chat"] = Updates.GroupChat(group)), brand2Secret, "brand2");
        await host.PostUpdateAsync(Updates.Message(TelegramHostFixture<TStore>.NextUpdateId(), user, DeliveryQuestion, messageId: 62, shape: m =>
        {
            m["chat"] = Updates.GroupChat(group);
            m["reply_to_message"] = botMessage;
        }), brand2Secret, "brand2");

        await Eventually.TrueAsync(() => host.Api.MessagesTo(group).Any(m => m.Body["text"]!.GetValue<string>().Contains("working days", StringComparison.Ordinal)), "the answer in the group");
        Assert.All(host.Api.MessagesTo(group), m => Assert.Equal(TelegramHostFixture<TStore>.Brand2Token, m.Token));
        Assert.All(host.Api.MessagesTo(group), m => Assert.Equal(62, m.Body["reply_parameters"]!["message_id"]!.GetValue<int>()));
        var records = (await host.RecordsAsync($"telegram:brand2:{group}:{user}")).Where(r => r.Direction == "in").OrderBy(r => r.Date).ToList();
        Assert.Equal(["nice weather today", DeliveryQuestion], records.Select(r => r.Text).Order(StringComparer.Ordinal).Reverse().ToList());
        Assert.All(records, r => Assert.Equal("comment", r.Action));
        Assert.False(records.Single(r => r.Text == "nice weather today").Processed);
    }

    [Fact]
    public async Task Polling_ApiErrors_BacksOffAndCarriesOn()
    {
        host.Api.FailNext("getUpdates", _ => true, 502, "Bad Gateway", times: 2);
        var chat = TelegramHostFixture<TStore>.NextChatId();

        host.Api.EnqueueUpdate(Updates.Message(TelegramHostFixture<TStore>.NextUpdateId(), chat, DeliveryQuestion));

        await Eventually.TrueAsync(() => host.Api.MessagesTo(chat).Count() >= 2, "the answer after the errors", seconds: 20);
        Assert.Equal(TelegramHostFixture<TStore>.DevToken, host.Api.MessagesTo(chat).Last().Token);
    }

    [Fact]
    public async Task Send_ChatNotFound400_DeadLetteredWithoutRetry()
    {
        var chat = TelegramHostFixture<TStore>.NextChatId();
        host.Api.FailNext("sendMessage", b => b["chat_id"]!.GetValue<long>() == chat, 400, "Bad Request: chat not found");
        var sender = host.Factory.Services.GetRequiredKeyedService<IChannelSender>("telegram");
        var item = new OutboxItem { Id = $"telegram:shop:{chat}:1:0", Channel = "telegram", ConversationId = $"telegram:shop:{chat}", ChannelAccount = "shop", Message = new OutgoingMessage("Hello") };

        var error = await Assert.ThrowsAsync<ChannelSendException>(() => sender.SendAsync(item, Ct));

        Assert.True(error.Permanent);
        Assert.Contains("chat not found", error.Message);
        Assert.DoesNotContain(TelegramHostFixture<TStore>.ShopToken, error.ToString());
    }

    [Fact]
    public async Task Send_GroupUpgradedToSupergroup_DeliveredToTheNewChat()
    {
        var user = TelegramHostFixture<TStore>.NextChatId();
        var group = -user; // a basic group's id
        var supergroup = -100_000_000_0000 - user;
        host.Api.FailNext("sendMessage", b => b["chat_id"]!.GetValue<long>() == group, 400, "Bad Request: group chat was upgraded to a supergroup chat", migrateToChatId: supergroup, times: 100);
        var sender = host.Factory.Services.GetRequiredKeyedService<IChannelSender>("telegram");
        var item = new OutboxItem { Id = $"telegram:shop:{group}:{user}:1:0", Channel = "telegram", ConversationId = $"telegram:shop:{group}:{user}", ChannelAccount = "shop", Message = new OutgoingMessage("Your parcel left the warehouse today.") };

        // An agent's answer in a conversation that began before the group became a supergroup.
        await sender.SendAsync(item, Ct);

        var delivered = Assert.Single(host.Api.MessagesTo(supergroup));
        Assert.Equal("Your parcel left the warehouse today.", delivered.Body["text"]!.GetValue<string>());
    }

    [Fact]
    public async Task EditedMessage_RecordedAsEditedMessage_NotAnsweredAgain()
    {
        var chat = TelegramHostFixture<TStore>.NextChatId();
        await host.PostUpdateAsync(Updates.Message(TelegramHostFixture<TStore>.NextUpdateId(), chat, DeliveryQuestion, messageId: 9));
        await Eventually.TrueAsync(() => host.Api.MessagesTo(chat).Count() >= 2, "the reply");

        var edit = Updates.Message(TelegramHostFixture<TStore>.NextUpdateId(), chat, "How long does delivery take to Berlin?", messageId: 9);
        edit["edited_message"] = edit["message"]!.DeepClone();
        edit.Remove("message");
        Assert.Equal(HttpStatusCode.OK, (await host.PostUpdateAsync(edit)).StatusCode);

        var records = await host.RecordsAsync($"telegram:shop:{chat}");
        var edited = Assert.Single(records, r => r.Fields?.ContainsKey("edited") == true);
        Assert.Equal("message", edited.Action);
        Assert.Equal("How long does delivery take to Berlin?", edited.Text);
        await Task.Delay(500, Ct);
        Assert.Equal(2, host.Api.MessagesTo(chat).Count()); // greeting and answer, nothing for the edit
    }

    [Fact]
    public async Task MyChatMember_KickedThenMember_BlockedThenActive()
    {
        var chat = TelegramHostFixture<TStore>.NextChatId();
        JsonObject Member(string oldStatus, string newStatus) => new()
        {
            ["update_id"] = TelegramHostFixture<TStore>.NextUpdateId(),
            ["my_chat_member"] = new JsonObject
            {
                ["chat"] = Updates.PrivateChat(chat),
                ["from"] = Updates.User(chat),
                ["date"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
                ["old_chat_member"] = ChatMember(oldStatus),
                ["new_chat_member"] = ChatMember(newStatus),
            },
        };
        var store = host.Factory.Services.GetRequiredService<TelegramStore>();
        await host.PostUpdateAsync(Updates.Message(TelegramHostFixture<TStore>.NextUpdateId(), chat, DeliveryQuestion));
        await Eventually.TrueAsync(async () => await CustomerStatusAsync(chat) is not null, "the customer card");

        Assert.Equal(HttpStatusCode.OK, (await host.PostUpdateAsync(Member("member", "kicked"))).StatusCode);
        Assert.Equal("blocked", await store.ChatStatusAsync("shop", chat));
        Assert.Equal("blocked", await CustomerStatusAsync(chat));
        Assert.Equal(HttpStatusCode.OK, (await host.PostUpdateAsync(Member("kicked", "member"))).StatusCode);
        Assert.Equal("active", await store.ChatStatusAsync("shop", chat));
        Assert.Equal("contacted", await CustomerStatusAsync(chat));
    }

    /// <summary>ChatMemberMember / ChatMemberBanned as the Bot API documents them (a banned member always has until_date; 0 is "forever").</summary>
    private static JsonObject ChatMember(string status)
    {
        var member = new JsonObject { ["status"] = status, ["user"] = new JsonObject { ["id"] = 7000001, ["is_bot"] = true, ["first_name"] = "Northwind", ["username"] = TelegramApiStandIn.BotUsername } };
        if (status == "kicked")
        {
            member["until_date"] = 0;
        }

        return member;
    }

    private async Task<string?> CustomerStatusAsync(long userId) => (await CustomerAsync(userId))?.Status;

    private async Task<SupportBot.Customers.Customer?> CustomerAsync(long userId)
    {
        var customers = host.Factory.Services.GetRequiredService<SupportBot.Customers.CustomerStore>();
        return await customers.FindByIdentityAsync("telegram", userId.ToString(System.Globalization.CultureInfo.InvariantCulture)) is { } id
            ? await customers.GetAsync(id)
            : null;
    }

    [Fact]
    public async Task FollowUpReminder_ReachesTheAgentsLinkedTelegramChat()
    {
        var agentChat = TelegramHostFixture<TStore>.NextChatId();
        var notifier = host.Factory.Services.GetServices<SupportBot.FollowUps.IAgentNotifier>().Single(n => n.GetType().Name == "TelegramAgentNotifier");

        await notifier.NotifyAsync(
            new SupportBot.FollowUps.ReminderNotice { Id = "f1", AgentId = "ann", Text = "Call Olga back about <the> refund", DueAt = new DateTimeOffset(2026, 12, 5, 9, 30, 0, TimeSpan.FromHours(-5)) },
            new SupportBot.FollowUps.FollowUpSettings { LinkedTelegram = agentChat.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            Ct);
        await notifier.NotifyAsync( // an agent who linked nothing gets nothing
            new SupportBot.FollowUps.ReminderNotice { Id = "f2", AgentId = "bob", Text = "Not sent", DueAt = DateTimeOffset.UtcNow },
            new SupportBot.FollowUps.FollowUpSettings(),
            Ct);

        var sent = Assert.Single(host.Api.CallsOf("sendMessage"), c => c.Body["chat_id"]?.ToString() == agentChat.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("⏰ Follow-up due 2026-12-05 09:30 (UTC-05:00):\nCall Olga back about &lt;the&gt; refund", sent.Body["text"]!.ToString());
        Assert.DoesNotContain(host.Api.CallsOf("sendMessage"), c => c.Body["text"]?.ToString().Contains("Not sent", StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task AgentPressesStartOnTheConsolesLink_ChatLinkedOnceAndConfirmed_RemindersArriveThere_ReusedOrExpiredCodeRefused()
    {
        var agentId = "tg-" + Guid.NewGuid().ToString("N")[..8];
        using var api = host.Factory.CreateClient();
        api.DefaultRequestHeaders.Add("X-Api-Key", BotFactory.ApiKey);
        api.DefaultRequestHeaders.Add("X-Agent-Id", agentId);
        var offer = (await (await api.PostAsync("/api/followups/telegram/link", null, Ct)).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonObject>(Ct))!;
        var url = offer["url"]!.GetValue<string>();
        var prefix = $"https://t.me/{TelegramApiStandIn.BotUsername}?start=agent_";
        Assert.StartsWith(prefix, url, StringComparison.Ordinal);
        Assert.Equal("shop", offer["bot"]!.GetValue<string>());
        Assert.True(offer["expiresAt"]!.GetValue<DateTimeOffset>() > DateTimeOffset.UtcNow);
        var start = "/start agent_" + url[prefix.Length..];
        var agentChat = TelegramHostFixture<TStore>.NextChatId();

        // The agent presses Start: Telegram sends "/start agent_<code>" from their chat (twice: a webhook retried).
        var update = Updates.Message(TelegramHostFixture<TStore>.NextUpdateId(), agentChat, start);
        Assert.Equal(HttpStatusCode.OK, (await host.PostUpdateAsync(update)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.PostUpdateAsync(update)).StatusCode);

        var confirmation = Assert.Single(host.Api.MessagesTo(agentChat));
        Assert.Contains("Linked", confirmation.Body["text"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(TelegramHostFixture<TStore>.ShopToken, confirmation.Token);
        var linked = (await api.GetFromJsonAsync<JsonObject>("/api/followups/telegram", Ct))!;
        Assert.Equal(agentChat.ToString(System.Globalization.CultureInfo.InvariantCulture), linked["chatId"]!.GetValue<string>());
        Assert.Empty(await host.RecordsAsync($"telegram:shop:{agentChat}")); // the agent is not a customer

        // Someone else with the same link: refused, the agent's chat stays linked.
        var stranger = TelegramHostFixture<TStore>.NextChatId();
        Assert.Equal(HttpStatusCode.OK, (await host.PostUpdateAsync(Updates.Message(TelegramHostFixture<TStore>.NextUpdateId(), stranger, start))).StatusCode);
        Assert.Contains("expired or was already used", Assert.Single(host.Api.MessagesTo(stranger)).Body["text"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(agentChat.ToString(System.Globalization.CultureInfo.InvariantCulture), (await api.GetFromJsonAsync<JsonObject>("/api/followups/telegram", Ct))!["chatId"]!.GetValue<string>());

        // A code made an hour ago with a 15-minute life: expired, nothing linked.
        var redis = host.Factory.Services.GetRequiredService<StackExchange.Redis.IConnectionMultiplexer>();
        var anHourAgo = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(-1));
        var (stale, _) = await new SupportBot.FollowUps.FollowUpStore(redis, anHourAgo).CreateTelegramLinkAsync("tg-late", TimeSpan.FromMinutes(15));
        var lateChat = TelegramHostFixture<TStore>.NextChatId();
        Assert.Equal(HttpStatusCode.OK, (await host.PostUpdateAsync(Updates.Message(TelegramHostFixture<TStore>.NextUpdateId(), lateChat, "/start agent_" + stale))).StatusCode);
        Assert.Contains("expired", Assert.Single(host.Api.MessagesTo(lateChat)).Body["text"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Null((await host.Factory.Services.GetRequiredService<SupportBot.FollowUps.FollowUpStore>().GetSettingsAsync("tg-late")).LinkedTelegram);

        // A due follow-up now reaches the linked chat, through the bot the agent started.
        var record = new SupportBot.Interests.InterestRecord
        {
            Id = SupportBot.Interests.InterestLog.RecordId("in", "telegram:shop:1", Guid.NewGuid().ToString("N")),
            Date = DateTimeOffset.UtcNow, SourceType = "telegram", Author = new SupportBot.Interests.InterestAuthor("1", "Olga", null, null),
            Action = "message", Direction = "in", Text = "Call me", ConversationId = "telegram:shop:1",
        };
        await host.Factory.Services.GetRequiredService<SupportBot.Interests.InterestLog>().AppendAsync(record);
        // Set by an agent in Moscow: the reminder tells the time on their clock, not in UTC.
        var dueInMoscow = DateTimeOffset.UtcNow.AddSeconds(1).ToOffset(TimeSpan.FromHours(3));
        (await api.PostAsJsonAsync("/api/followups", new { recordId = record.Id, dueAt = dueInMoscow.ToString("O"), text = "Call Olga back" }, Ct)).EnsureSuccessStatusCode();
        await Eventually.TrueAsync(() => host.Api.MessagesTo(agentChat).Any(m => m.Body["text"]!.GetValue<string>().Contains("Call Olga back", StringComparison.Ordinal)), "the reminder in the agent's chat", seconds: 30);
        Assert.Equal(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"⏰ Follow-up due {dueInMoscow:yyyy-MM-dd HH:mm} (UTC+03:00):\nCall Olga back"),
            host.Api.MessagesTo(agentChat).Last().Body["text"]!.GetValue<string>());
    }

    [Fact]
    public async Task Photo_ServedThroughOurProxy_TokenNeverInAUrl()
    {
        var chat = TelegramHostFixture<TStore>.NextChatId();
        var fileId = "AgACAgIAAxkBAAIBZ2" + chat;
        var content = Encoding.ASCII.GetBytes("\xFF\xD8\xFF fake jpeg " + chat);
        host.Api.AddFile(fileId, $"photos/file_{chat}.jpg", content);
        var update = Updates.Message(TelegramHostFixture<TStore>.NextUpdateId(), chat, null, shape: m =>
        {
            m["caption"] = "Is this the right charger?";
            m["photo"] = new JsonArray(
                new JsonObject { ["file_id"] = "small" + chat, ["file_unique_id"] = "s", ["width"] = 90, ["height"] = 60, ["file_size"] = 1000 },
                new JsonObject { ["file_id"] = fileId, ["file_unique_id"] = "l", ["width"] = 1280, ["height"] = 853, ["file_size"] = 90000 });
        });
        Assert.Equal(HttpStatusCode.OK, (await host.PostUpdateAsync(update)).StatusCode);

        // What the pipeline gets: the largest size, as a link to our proxy (no Telegram URL, no token).
        var bot = host.Factory.Services.GetRequiredService<TelegramBots>().Find("shop")!;
        var parsed = System.Text.Json.JsonSerializer.Deserialize<global::Telegram.Bot.Types.Update>(update.ToJsonString(), global::Telegram.Bot.JsonBotAPI.Options)!;
        var inbound = await TelegramAdapter.ToInboundAsync(bot, parsed, 7000001, TelegramApiStandIn.BotUsername, v => Task.FromResult<string?>(v), DateTimeOffset.UtcNow);
        var attachment = Assert.Single(inbound.Activity!.Attachments);
        Assert.Equal("image/jpeg", attachment.ContentType);
        Assert.Equal($"/api/channels/telegram/shop/files/{fileId}", attachment.Url);
        Assert.Equal("Is this the right charger?", inbound.Activity.Text);
        await Eventually.TrueAsync(async () => (await host.RecordsAsync($"telegram:shop:{chat}")).Any(r => r.Direction == "in"), "the record");

        var url = $"/api/channels/telegram/shop/files/{fileId}";

        // The agent's transcript keeps that link, so the console can open the photo.
        var store = host.Factory.Services.GetRequiredService<SupportBot.Handoff.HandoffStore>();
        await Eventually.TrueAsync(
            async () => (await store.GetTranscriptAsync($"telegram:shop:{chat}")).Any(e => e.From == "customer" && e.Attachments?.Contains(url) == true),
            "the photo's link in the transcript");

        Assert.Equal(content, await ProxiedJpegAsync(url));
        Assert.Contains(host.Api.Downloads, d => d.EndsWith($"photos/file_{chat}.jpg", StringComparison.Ordinal));
        using var agent = host.Factory.CreateClient();
        agent.DefaultRequestHeaders.Add("X-Api-Key", BotFactory.ApiKey);
        Assert.Equal(HttpStatusCode.NotFound, (await agent.GetAsync("/api/channels/telegram/shop/files/nosuchfile", Ct)).StatusCode);
    }

    [Fact]
    public async Task VoiceMessageAlone_AnsweredThatTheBotReadsOnlyText_WithAPersonOffered()
    {
        // Before: the greeting and then nothing, as if the voice message had not arrived.
        var chat = TelegramHostFixture<TStore>.NextChatId();
        var update = Updates.Message(TelegramHostFixture<TStore>.NextUpdateId(), chat, null, shape: m =>
            m["voice"] = new JsonObject { ["file_id"] = "voice" + chat, ["file_unique_id"] = "v", ["duration"] = 7, ["mime_type"] = "audio/ogg" });

        Assert.Equal(HttpStatusCode.OK, (await host.PostUpdateAsync(update)).StatusCode);

        await Eventually.TrueAsync(() => host.Api.MessagesTo(chat).Count() >= 2, "the answer after the greeting");
        var answer = host.Api.MessagesTo(chat).Last().Body;
        Assert.Contains("I can only read text", answer["text"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("Talk to a person", answer["reply_markup"]!.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Polling_DevBot_ReceivesAndAnswers()
    {
        await Eventually.TrueAsync(() => host.Api.CallsOf("getUpdates").Any(c => c.Token == TelegramHostFixture<TStore>.DevToken), "polling");
        var firstPoll = host.Api.CallsOf("getUpdates").First(c => c.Token == TelegramHostFixture<TStore>.DevToken);
        Assert.Contains(host.Api.CallsOf("deleteWebhook"), c => c.Token == TelegramHostFixture<TStore>.DevToken && c.At <= firstPoll.At);
        var chat = TelegramHostFixture<TStore>.NextChatId();

        var update = Updates.Message(TelegramHostFixture<TStore>.NextUpdateId(), chat, DeliveryQuestion);
        host.Api.EnqueueUpdate(update);

        await Eventually.TrueAsync(() => host.Api.MessagesTo(chat).Count() >= 2, "the answer");
        var answer = host.Api.MessagesTo(chat).Last();
        Assert.Equal(TelegramHostFixture<TStore>.DevToken, answer.Token);
        Assert.Contains("2–4 working days", answer.Body["text"]!.GetValue<string>());
        await Eventually.TrueAsync(() => host.Api.CallsOf("getUpdates").Any(c => c.Body["offset"]?.GetValue<int>() == update["update_id"]!.GetValue<int>() + 1), "the update confirmed");
        var record = Assert.Single(await host.RecordsAsync($"telegram:dev:{chat}"), r => r.Direction == "in");
        Assert.Equal("dev", record.ChannelAccount);
    }

    [Fact]
    public async Task NewAuthor_ProfilePhotoOnTheRecordAndCard_ServedThroughOurProxy_AskedOncePerUser()
    {
        var chat = TelegramHostFixture<TStore>.NextChatId();
        var hidden = TelegramHostFixture<TStore>.NextChatId();
        host.Api.HideProfilePhoto(hidden);

        foreach (var (user, message) in new[] { (chat, 1), (chat, 2), (hidden, 1), (hidden, 2) })
        {
            Assert.Equal(HttpStatusCode.OK, (await host.PostUpdateAsync(Updates.Message(TelegramHostFixture<TStore>.NextUpdateId(), user, DeliveryQuestion, messageId: message))).StatusCode);
        }

        // The 160 px size (the smallest of at least 100 px), as a path on our own proxy: no Telegram URL, no token.
        var url = $"/api/channels/telegram/shop/files/{TelegramApiStandIn.ProfilePhotoFileId(chat)}";
        await Eventually.TrueAsync(async () => (await host.RecordsAsync($"telegram:shop:{chat}")).Count(r => r.Direction == "in") == 2, "both records");
        Assert.All((await host.RecordsAsync($"telegram:shop:{chat}")).Where(r => r.Direction == "in"), r => Assert.Equal(url, r.Author.PhotoUrl));
        await Eventually.TrueAsync(async () => (await CustomerAsync(chat))?.PhotoUrl == url, "the photo on the customer card");
        var asked = Assert.Single(host.Api.CallsOf("getUserProfilePhotos"), c => c.Body["user_id"]!.GetValue<long>() == chat); // the second message used the cache
        Assert.Equal(1, asked.Body["limit"]!.GetValue<int>());

        // No photo (or hidden from bots): none on the record, and that is remembered too.
        await Eventually.TrueAsync(async () => (await host.RecordsAsync($"telegram:shop:{hidden}")).Count(r => r.Direction == "in") == 2, "the other customer's records");
        Assert.All((await host.RecordsAsync($"telegram:shop:{hidden}")).Where(r => r.Direction == "in"), r => Assert.Null(r.Author.PhotoUrl));
        Assert.Single(host.Api.CallsOf("getUserProfilePhotos"), c => c.Body["user_id"]!.GetValue<long>() == hidden);

        Assert.Equal(TelegramApiStandIn.ProfilePhotoContent(chat), await ProxiedJpegAsync(url));
    }

    [Fact]
    public async Task NewAuthor_SeveralUpdatesAtOnce_OneProfilePhotoLookup_TheNextUpdateUsesItsResult()
    {
        var user = TelegramHostFixture<TStore>.NextChatId();
        host.Api.SlowProfilePhoto(user, TimeSpan.FromSeconds(1)); // longer than an update waits for it (0.3 s)

        var posted = await Task.WhenAll(Enumerable.Range(1, 4).Select(message =>
            host.PostUpdateAsync(Updates.Message(TelegramHostFixture<TStore>.NextUpdateId(), user, DeliveryQuestion, messageId: message))));
        Assert.All(posted, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        await Eventually.TrueAsync(async () => (await host.RecordsAsync($"telegram:shop:{user}")).Count(r => r.Direction == "in") == 4, "all four records");
        // The one lookup finishes and fills the cache: the next update carries the photo without asking again.
        await Eventually.TrueAsync(async () =>
        {
            Assert.Equal(HttpStatusCode.OK, (await host.PostUpdateAsync(Updates.Message(TelegramHostFixture<TStore>.NextUpdateId(), user, DeliveryQuestion, messageId: 10 + Random.Shared.Next(1000)))).StatusCode);
            return (await host.RecordsAsync($"telegram:shop:{user}")).Any(r => r.Direction == "in" && r.Author.PhotoUrl is not null);
        }, "a record with the photo");

        Assert.Single(host.Api.CallsOf("getUserProfilePhotos"), c => c.Body["user_id"]!.GetValue<long>() == user);
    }

    [Fact]
    public async Task ProfilePhotoAnswerUnreadable_MessageRecordedAndAnswered_WithoutAPhoto()
    {
        var user = TelegramHostFixture<TStore>.NextChatId();
        host.Api.UnreadableProfilePhoto(user);

        Assert.Equal(HttpStatusCode.OK, (await host.PostUpdateAsync(Updates.Message(TelegramHostFixture<TStore>.NextUpdateId(), user, DeliveryQuestion))).StatusCode);

        await Eventually.TrueAsync(() => host.Api.MessagesTo(user).Any(), "the answer");
        var record = Assert.Single(await host.RecordsAsync($"telegram:shop:{user}"), r => r.Direction == "in");
        Assert.Null(record.Author.PhotoUrl);
    }

    [Fact]
    public async Task FileProxy_TelegramFails_502NotA500()
    {
        var fileId = "AgACAgIAAxUAAWbroken" + TelegramHostFixture<TStore>.NextChatId();
        host.Api.FailNext("getFile", body => body["file_id"]?.GetValue<string>() == fileId, 500, "Internal Server Error");
        using var agent = host.Factory.CreateClient();
        agent.DefaultRequestHeaders.Add("X-Api-Key", BotFactory.ApiKey);

        await ProblemAssert.IsProblemAsync(await agent.GetAsync($"/api/channels/telegram/shop/files/{fileId}", Ct), HttpStatusCode.BadGateway);
    }

    /// <summary>A file through our proxy: refused to an anonymous caller; to an agent, a JPEG their browser alone may keep.</summary>
    private async Task<byte[]> ProxiedJpegAsync(string url)
    {
        using var anonymous = host.Factory.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(url, Ct)).StatusCode);
        using var agent = host.Factory.CreateClient();
        agent.DefaultRequestHeaders.Add("X-Api-Key", BotFactory.ApiKey);
        using var response = await agent.GetAsync(url, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/jpeg", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.CacheControl?.Private);
        return await response.Content.ReadAsByteArrayAsync(Ct);
    }

    [Fact]
    public async Task AgentReply_CustomerBlockedTheBot_CardBlockedAndTheChatPageSaysTheReplyWasNotDelivered()
    {
        const string password = "a-long-enough-password";
        var chat = TelegramHostFixture<TStore>.NextChatId();
        var conversation = $"telegram:shop:{chat}";
        var account = await host.Factory.Services.GetRequiredService<SupportBot.AgentConsole.Accounts.AgentAccountStore>()
            .UpsertAsync($"tg-blocked-{chat}@example.com", "Tanya", SupportBot.AgentConsole.Accounts.AgentRoles.Supervisor, ["support"], password);
        await using var agent = new AgentTestClient(host.Factory, account.Id);
        (await agent.SetPresenceAsync("away")).EnsureSuccessStatusCode(); // claims, but is never offered other tests' chats
        await host.PostUpdateAsync(Updates.Message(TelegramHostFixture<TStore>.NextUpdateId(), chat, "I want a human"));
        var redis = host.Factory.Services.GetRequiredService<StackExchange.Redis.IConnectionMultiplexer>().GetDatabase();
        var handoff = host.Factory.Services.GetRequiredService<SupportBot.Handoff.HandoffStore>();
        await Eventually.TrueAsync(
            async () => (await handoff.GetTranscriptAsync(conversation)).Any(e => e.From == "customer") && await redis.ListLengthAsync(SupportBot.Handoff.RedisKeys.Outbox(conversation)) == 0,
            "the customer's turn committed (the chat waits in the queue) and the bot's part sent");
        var claim = await agent.ClaimAsync(conversation);
        Assert.True(claim.IsSuccessStatusCode, await claim.Content.ReadAsStringAsync(Ct));

        // Meanwhile the customer blocked the bot: Telegram answers 403 from now on.
        host.Api.FailNext("sendMessage", b => b["chat_id"]!.GetValue<long>() == chat, 403, "Forbidden: bot was blocked by the user", times: 100);
        var sent = await agent.SendAsync(conversation, "Let me check your order.");
        Assert.True(sent.IsSuccessStatusCode, await sent.Content.ReadAsStringAsync(Ct));

        // The transcript (what the console reads) marks the agent's line and says why, once, without retrying.
        var details = await agent.WaitForAsync(conversation, d => d["transcript"]!.AsArray().Any(e => e!["from"]!.GetValue<string>() == "agent" && e["delivery"]?.GetValue<string>() == "refused"));
        var transcript = details["transcript"]!.AsArray();
        var failure = Assert.Single(transcript, e => e!["from"]!.GetValue<string>() == "system" && e["agent"]?.GetValue<string>() == account.Id);
        Assert.Equal("refused", failure!["kind"]!.GetValue<string>());
        Assert.Single(host.Api.MessagesTo(chat), m => m.Body["text"]!.GetValue<string>() == "Let me check your order.");
        Assert.Equal("blocked", await CustomerStatusAsync(chat));

        // The agent sees it on the chat page: a notice where the reply was, and the reply marked as not delivered.
        var page = await ConsoleBrowser.SignedInPageAsync(host.Factory, account.Email, password, $"/console/chats/{conversation}");
        Assert.Contains("The customer does not accept messages on Telegram; your reply was not delivered.", page, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"undelivered\"", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CustomerErased_NothingOfTheirTelegramChatIsLeft_NotEvenWhichRepliesWentOut()
    {
        var chat = TelegramHostFixture<TStore>.NextChatId();
        var conversation = $"telegram:shop:{chat}";
        var marker = "zqerase" + chat.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await host.PostUpdateAsync(Updates.Message(TelegramHostFixture<TStore>.NextUpdateId(), chat, $"How long does delivery take to {marker}?"));
        await Eventually.TrueAsync(() => host.Api.MessagesTo(chat).Any(), "the answer");
        var redis = host.Factory.Services.GetRequiredService<StackExchange.Redis.IConnectionMultiplexer>();
        await Eventually.TrueAsync(async () => await redis.GetDatabase().KeyExistsAsync("telegram:sent:" + conversation), "the answer's parts recorded");
        using var api = host.Factory.CreateClient();
        api.DefaultRequestHeaders.Add("X-Api-Key", BotFactory.ApiKey);
        api.DefaultRequestHeaders.Add("X-Agent-Id", "admin-" + chat);
        var customerId = (await api.GetFromJsonAsync<JsonObject>($"/api/customers/by-conversation/{conversation}", Ct))!["id"]!.GetValue<string>();

        Assert.Equal(HttpStatusCode.OK, (await api.DeleteAsync($"/api/customers/{customerId}", Ct)).StatusCode);

        Assert.Empty(await RedisScan.KeysHoldingAsync(redis, marker));
        Assert.Empty(await RedisScan.KeysHoldingAsync(redis, conversation));
        Assert.False(await redis.GetDatabase().KeyExistsAsync("telegram:sent:" + conversation));
    }

    /// <summary>The customer's turn that asked for a person is committed: the chat waits in the queue, and an agent may claim it.</summary>
    private Task WaitUntilQueuedAsync(string conversation)
    {
        var handoff = host.Factory.Services.GetRequiredService<SupportBot.Handoff.HandoffStore>();
        return Eventually.TrueAsync(
            async () => (await handoff.OwnerAsync(conversation)).IsQueued && (await handoff.GetTranscriptAsync(conversation)).Any(e => e.From == "customer"),
            "the customer's turn committed: the chat waits in the queue");
    }

    [Fact]
    public async Task AgentTyping_InAPrivateChatTheyHold_TheCustomerSeesTyping_NotBeforeTheyClaimIt_NorInAGroup()
    {
        var chat = TelegramHostFixture<TStore>.NextChatId();
        var conversation = $"telegram:shop:{chat}";
        await using var anna = new AgentTestClient(host.Factory, $"anna-typing-{chat}");
        (await anna.SetPresenceAsync("away", name: "Anna")).EnsureSuccessStatusCode(); // claims, but is never offered other tests' chats
        await host.PostUpdateAsync(Updates.Message(TelegramHostFixture<TStore>.NextUpdateId(), chat, "I want a human"));
        var handoff = host.Factory.Services.GetRequiredService<SupportBot.Handoff.HandoffStore>();
        await WaitUntilQueuedAsync(conversation);
        var typing = host.Factory.Services.GetRequiredService<SupportBot.Handoff.AgentTyping>();
        List<TelegramApiCall> ChatActions() => [.. host.Api.CallsOf("sendChatAction").Where(c => c.Body["chat_id"]?.GetValue<long>() == chat)];

        Assert.False(await typing.ShowAsync(conversation, anna.AgentId, Ct)); // reading a queued chat is not writing to the customer
        (await anna.ClaimAsync(conversation)).EnsureSuccessStatusCode();
        Assert.True(await typing.ShowAsync(conversation, anna.AgentId, Ct));
        Assert.False(await typing.ShowAsync(conversation, "someone-else", Ct));

        var action = Assert.Single(ChatActions());
        Assert.Equal("typing", action.Body["action"]!.GetValue<string>());
        Assert.Equal(TelegramHostFixture<TStore>.ShopToken, action.Token);

        // A group's chat id is negative: everyone there would see the bot typing.
        Assert.False(await typing.ShowAsync($"telegram:shop:-100{chat}", anna.AgentId, Ct));
        Assert.DoesNotContain(host.Api.CallsOf("sendChatAction"), c => c.Body["chat_id"]?.GetValue<long>() < 0);

        // Telegram refusing the signal (the customer blocked the bot) costs the agent nothing.
        host.Api.FailNext("sendChatAction", b => b["chat_id"]!.GetValue<long>() == chat, 403, "Forbidden: bot was blocked by the user");
        Assert.False(await typing.ShowAsync(conversation, anna.AgentId, Ct));
    }

    [Fact]
    public async Task Resolved_TheCustomerRatesTheChatWithAButton_InOneRowOfFive_AndIsThankedInTheirLanguage()
    {
        var chat = TelegramHostFixture<TStore>.NextChatId();
        var conversation = $"telegram:shop:{chat}";
        await using var vera = new AgentTestClient(host.Factory, $"vera-{chat}");
        (await vera.SetPresenceAsync("away", name: "Vera")).EnsureSuccessStatusCode(); // claims, but is never offered other tests' chats
        var handoff = host.Factory.Services.GetRequiredService<SupportBot.Handoff.HandoffStore>();
        await host.PostUpdateAsync(Updates.Message(TelegramHostFixture<TStore>.NextUpdateId(), chat, "Позовите оператора", shape: m => m["from"] = Updates.User(chat, "ru")));
        await WaitUntilQueuedAsync(conversation);
        (await vera.ClaimAsync(conversation)).EnsureSuccessStatusCode();
        (await vera.SendAsync(conversation, "Заказ отправлен сегодня.")).EnsureSuccessStatusCode();
        (await vera.ResolveAsync(conversation)).EnsureSuccessStatusCode();

        await Eventually.TrueAsync(() => host.Api.MessagesTo(chat).Any(m => m.Body["reply_markup"] is not null && m.Body["text"]!.GetValue<string>().StartsWith("Как вы оцените", StringComparison.Ordinal)), "the survey");
        var survey = host.Api.MessagesTo(chat).Last();
        var row = Assert.Single(survey.Body["reply_markup"]!["inline_keyboard"]!.AsArray())!.AsArray();
        Assert.Equal(["1 😞", "2 😕", "3 😐", "4 😊", "5 😀"], row.Select(b => b!["text"]!.GetValue<string>()));

        var callback = Updates.Callback(TelegramHostFixture<TStore>.NextUpdateId(), chat, 2001, row[4]!["callback_data"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, (await host.PostUpdateAsync(callback)).StatusCode);

        await Eventually.TrueAsync(() => host.Api.MessagesTo(chat).Last().Body["text"]!.GetValue<string>() == "Спасибо за оценку!", "the thanks");
        var rating = (await host.RecordsAsync(conversation)).Single(r => r.Direction == "in" && r.Text == "5");
        Assert.Equal(("rating", "5"), (rating.Intent, rating.Fields!["rating"]));
        Assert.True(rating.Processed); // the bot answered it: nothing for an agent to do
        Assert.Equal("resolved", (await handoff.GetChatAsync(conversation))!.Status.ToString().ToLowerInvariant());
        Assert.Contains(await handoff.GetEventsAsync(conversation), e => e is { Type: "rated", Rating: 5 } && e.AgentId == vera.AgentId);
    }

    [Fact]
    public async Task AgentsFirstReply_BeginsWithTheirName_LaterOnesAsWritten_AndTheAgentTakingOverByTransferIsNamedToo()
    {
        var chat = TelegramHostFixture<TStore>.NextChatId();
        var conversation = $"telegram:shop:{chat}";
        await using var anna = new AgentTestClient(host.Factory, $"anna-{chat}");
        await using var boris = new AgentTestClient(host.Factory, $"boris-{chat}");
        (await anna.SetPresenceAsync("away", name: "Anna")).EnsureSuccessStatusCode(); // claims, but is never offered other tests' chats
        (await boris.SetPresenceAsync("away", name: "Boris")).EnsureSuccessStatusCode();
        await host.PostUpdateAsync(Updates.Message(TelegramHostFixture<TStore>.NextUpdateId(), chat, "Позовите оператора", shape: m => m["from"] = Updates.User(chat, "ru")));
        var handoff = host.Factory.Services.GetRequiredService<SupportBot.Handoff.HandoffStore>();
        await WaitUntilQueuedAsync(conversation);
        (await anna.ClaimAsync(conversation)).EnsureSuccessStatusCode();

        (await anna.SendAsync(conversation, "Сейчас проверю ваш заказ.")).EnsureSuccessStatusCode();
        (await anna.SendAsync(conversation, "Он уходит сегодня.")).EnsureSuccessStatusCode();
        (await anna.TransferAsync(conversation, new JsonObject { ["agentId"] = boris.AgentId })).EnsureSuccessStatusCode();
        (await boris.SendAsync(conversation, "Добрый день, помогу с возвратом.")).EnsureSuccessStatusCode();

        await Eventually.TrueAsync(() => host.Api.MessagesTo(chat).Count(m => m.Body["text"]!.GetValue<string>().EndsWith("помогу с возвратом.", StringComparison.Ordinal)) == 1, "Boris's reply sent");
        var texts = host.Api.MessagesTo(chat).Select(m => m.Body["text"]!.GetValue<string>()).ToList();
        var annas = texts.Skip(texts.FindIndex(t => t.EndsWith("Сейчас проверю ваш заказ.", StringComparison.Ordinal))).ToList();
        Assert.Equal(["Anna, служба поддержки:\nСейчас проверю ваш заказ.", "Он уходит сегодня.", "Boris, служба поддержки:\nДобрый день, помогу с возвратом."], annas);

        // The console's transcript keeps the agent's words as they wrote them (it names the agent itself).
        var transcript = await handoff.GetTranscriptAsync(conversation);
        Assert.Contains(transcript, e => e.From == "agent" && e.Text == "Сейчас проверю ваш заказ.");
    }

    [Fact]
    public async Task AnsweredFromTheFeed_InAChatTheBotHolds_TheReplyBeginsWithTheAgentsName()
    {
        var chat = TelegramHostFixture<TStore>.NextChatId();
        var conversation = $"telegram:shop:{chat}";
        await using var olga = new AgentTestClient(host.Factory, $"olga-{chat}");
        (await olga.SetPresenceAsync("away", name: "Olga")).EnsureSuccessStatusCode();
        var handoff = host.Factory.Services.GetRequiredService<SupportBot.Handoff.HandoffStore>();
        await host.PostUpdateAsync(Updates.Message(TelegramHostFixture<TStore>.NextUpdateId(), chat, "Позовите оператора", shape: m => m["from"] = Updates.User(chat, "ru")));
        await Eventually.TrueAsync(async () => (await handoff.OwnerAsync(conversation)).IsQueued, "in the queue");
        // The customer changes their mind: the bot holds the chat again, and the request waits in the feed unanswered.
        await host.PostUpdateAsync(Updates.Message(TelegramHostFixture<TStore>.NextUpdateId(), chat, "отмена", shape: m => m["from"] = Updates.User(chat, "ru")));
        await Eventually.TrueAsync(async () => (await handoff.OwnerAsync(conversation)).IsBot, "back with the bot");
        var request = (await host.RecordsAsync(conversation)).First(r => r.Direction == "in" && r.Text == "Позовите оператора");
        Assert.False(request.Processed);

        (await olga.Http.PostAsJsonAsync($"/api/interests/{request.Id}/reply", new JsonObject { ["text"] = "Я посмотрела ваш заказ: он уже в пути." }, Ct)).EnsureSuccessStatusCode();

        await Eventually.TrueAsync(() => host.Api.MessagesTo(chat).Any(m => m.Body["text"]!.GetValue<string>().EndsWith("он уже в пути.", StringComparison.Ordinal)), "the reply sent");
        Assert.Equal("Olga, служба поддержки:\nЯ посмотрела ваш заказ: он уже в пути.",
            host.Api.MessagesTo(chat).Last().Body["text"]!.GetValue<string>());
    }

    [Fact]
    public async Task GroupMention_AnsweredFromTheFeedByAnAgent_GoesToTheGroupTopicAsAReplyToThatMessage()
    {
        var user = TelegramHostFixture<TStore>.NextChatId();
        var group = -100_000_000_0000 - user;
        var mention = $"@{TelegramApiStandIn.BotUsername} I want a human";
        var update = Updates.Message(TelegramHostFixture<TStore>.NextUpdateId(), user, mention, messageId: 80, shape: m =>
        {
            var chat = Updates.GroupChat(group);
            chat["is_forum"] = true;
            m["chat"] = chat;
            m["message_thread_id"] = 12;
            m["is_topic_message"] = true;
            m["entities"] = new JsonArray(new JsonObject { ["offset"] = 0, ["length"] = TelegramApiStandIn.BotUsername.Length + 1, ["type"] = "mention" });
        });
        Assert.Equal(HttpStatusCode.OK, (await host.PostUpdateAsync(update)).StatusCode);
        var conversation = $"telegram:shop:{group}:{user}";
        await Eventually.TrueAsync(async () => (await host.RecordsAsync(conversation)).Any(r => r.Direction == "in"), "the comment's record");
        var comment = (await host.RecordsAsync(conversation)).Single(r => r.Direction == "in");
        Assert.Equal("comment", comment.Action);
        Assert.False(comment.Processed); // a person was asked for: the record waits for one

        using var feed = host.Factory.CreateClient();
        feed.DefaultRequestHeaders.Add("X-Api-Key", BotFactory.ApiKey);
        feed.DefaultRequestHeaders.Add("X-Agent-Id", "feed-agent-" + user.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var reply = await feed.PostAsJsonAsync($"/api/interests/{comment.Id}/reply", new JsonObject { ["text"] = "Hello! Your parcel leaves today." }, Ct);

        Assert.Equal(HttpStatusCode.Accepted, reply.StatusCode);
        await Eventually.TrueAsync(() => host.Api.MessagesTo(group).Any(m => m.Body["text"]!.GetValue<string>() == "Hello! Your parcel leaves today."), "the answer in the group");
        var answer = host.Api.MessagesTo(group).First(m => m.Body["text"]!.GetValue<string>() == "Hello! Your parcel leaves today.");
        Assert.Equal(80, answer.Body["reply_parameters"]!["message_id"]!.GetValue<int>());
        Assert.Equal(12, answer.Body["message_thread_id"]!.GetValue<int>());
        var log = host.Factory.Services.GetRequiredService<SupportBot.Interests.InterestLog>();
        await Eventually.TrueAsync(async () => (await log.GetAsync(comment.Id))?.Processed == true, "the record processed by the reply");
        var processed = await log.GetAsync(comment.Id);
        Assert.Equal("agent:feed-agent-" + user.ToString(System.Globalization.CultureInfo.InvariantCulture), processed!.ProcessedBy);
        Assert.StartsWith("https://t.me/northwind_fans/", processed.ReplyLink);
    }
}

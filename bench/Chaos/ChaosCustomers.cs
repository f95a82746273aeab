using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace SupportBot.Chaos;

/// <summary>
/// The customers: each writes its questions one at a time and waits for the answer before the next,
/// on the website chat (Direct Line, resending with the same clientActivityID when a post fails)
/// or on Telegram (a webhook update redelivered until the host answers 2xx, as Telegram does).
/// </summary>
/// <param name="active">Conversations typing at the same time.</param>
/// <param name="replyTimeout">How long a customer waits for an answer (and a failing request is retried).</param>
/// <param name="waitForReplies">False: send and go on (a load generator, not a customer; the memory scenario's bulk).</param>
internal sealed class ChaosCustomers(HttpClient http, TelegramInbox telegram, int active, TimeSpan replyTimeout, bool waitForReplies = true)
{
    public const string BotName = "shop";
    public const string TelegramToken = "7000001:CHAOS-token_abcdefghijklmnopqrstuvwxyz";
    public const string WebhookSecret = "chaos-webhook-secret_0123456789";

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    private int _acknowledged;
    private int _nextUpdateId = 700_000_000;

    /// <summary>Messages the host has acknowledged so far (the fault schedule follows this).</summary>
    public int Acknowledged => Volatile.Read(ref _acknowledged);

    /// <summary>Retries customers' clients made (failed posts, redelivered updates).</summary>
    public int Retries => Volatile.Read(ref _retries);

    private int _retries;

    /// <summary>Answers a customer waited for in vain (counted again, properly, by the check).</summary>
    public int Unanswered => Volatile.Read(ref _unanswered);

    private int _unanswered;

    /// <summary>What went wrong in a way no retry fixes (a 4xx, a conversation that never started).</summary>
    public ConcurrentQueue<string> Errors { get; } = new();

    /// <summary>When customers saw replies (for the recovery figures).</summary>
    public ConcurrentQueue<DateTimeOffset> ReplyTimes { get; } = new();

    /// <summary>Runs every conversation, <c>active</c> at a time.</summary>
    public async Task RunAsync(IReadOnlyList<ChaosConversation> conversations, CancellationToken cancellationToken)
    {
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, active).Select(_ => Task.Run(async () =>
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < conversations.Count)
            {
                var conversation = conversations[index];
                try
                {
                    await (conversation.Channel == ChaosChannel.WebChat ? RunWebChatAsync(conversation, cancellationToken) : RunTelegramAsync(conversation, cancellationToken));
                }
                catch (Exception e) when (e is TimeoutException or InvalidOperationException or HttpRequestException)
                {
                    Errors.Enqueue($"conversation {conversation.Number} ({conversation.Channel}): {e.Message}");
                }
                finally
                {
                    conversation.Finished = true;
                }
            }
        }, cancellationToken)));
    }

    private async Task RunWebChatAsync(ChaosConversation conversation, CancellationToken cancellationToken)
    {
        using (var tokenResponse = await SendAsync(() => ChaosHttp.Json(HttpMethod.Post, "/api/webchat/token", null), cancellationToken))
        {
            await ChaosHttp.EnsureSuccessAsync(tokenResponse, "POST /api/webchat/token", cancellationToken);
            var body = await ChaosHttp.ReadObjectAsync(tokenResponse, cancellationToken);
            conversation.Token = body["token"]!.GetValue<string>();
            conversation.DirectLineId = body["conversationId"]!.GetValue<string>();
            conversation.ConversationId = "webchat:" + conversation.DirectLineId;
        }

        // A retried start answers 200 instead of 201; the greeting must still come exactly once.
        using (var started = await SendAsync(
            () => ChaosHttp.Json(HttpMethod.Post, "/v3/directline/conversations", new JsonObject { ["locale"] = "en-US" }, conversation.Token), cancellationToken))
        {
            await ChaosHttp.EnsureSuccessAsync(started, "POST /v3/directline/conversations", cancellationToken);
        }

        await WaitForWebChatAsync(conversation, c => c.WebChatReplies.Count > 0, cancellationToken);
        var number = 0;
        foreach (var (text, human) in Script(conversation))
        {
            var clientId = string.Create(CultureInfo.InvariantCulture, $"chaos-{conversation.Number}-{number++}");
            var activity = new JsonObject
            {
                ["type"] = "message",
                ["text"] = text,
                ["locale"] = "en-US",
                ["from"] = new JsonObject { ["id"] = "visitor", ["role"] = "user" },
                ["channelData"] = new JsonObject { ["clientActivityID"] = clientId },
            };
            using var posted = await SendAsync(
                () => ChaosHttp.Json(HttpMethod.Post, $"/v3/directline/conversations/{conversation.DirectLineId}/activities", activity, conversation.Token), cancellationToken);
            await ChaosHttp.EnsureSuccessAsync(posted, "POST …/activities", cancellationToken);
            var id = (await ChaosHttp.ReadObjectAsync(posted, cancellationToken))["id"]!.GetValue<string>();
            conversation.Sent.Enqueue(new SentMessage(text, clientId) { ActivityId = id, IsHumanRequest = human });
            Interlocked.Increment(ref _acknowledged);
            // A question's answer carries its id; after asking for a person the answer may be the agent's (no replyToId).
            var before = conversation.WebChatReplies.Count;
            await WaitForWebChatAsync(conversation, c => c.WebChatReplies.Any(r => r.ReplyToId == id) || (human && c.WebChatReplies.Count > before), cancellationToken);
        }
    }

    /// <summary>Polls the conversation's activities (as Web Chat does without a WebSocket) until the condition holds or the reply timeout.</summary>
    private async Task WaitForWebChatAsync(ChaosConversation conversation, Func<ChaosConversation, bool> done, CancellationToken cancellationToken)
    {
        if (!waitForReplies)
        {
            return;
        }

        var deadline = DateTime.UtcNow + replyTimeout;
        while (true)
        {
            await ReadWebChatAsync(conversation, cancellationToken);
            if (done(conversation))
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                Interlocked.Increment(ref _unanswered);
                return;
            }

            await Task.Delay(PollInterval, cancellationToken);
        }
    }

    /// <summary>Reads the transcript (append-only, and short here) and keeps the bot activities not seen before.</summary>
    public async Task ReadWebChatAsync(ChaosConversation conversation, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(
            () => ChaosHttp.Json(HttpMethod.Get, $"/v3/directline/conversations/{conversation.DirectLineId}/activities", null, conversation.Token), cancellationToken);
        await ChaosHttp.EnsureSuccessAsync(response, "GET …/activities", cancellationToken);
        var now = DateTimeOffset.UtcNow;
        var bot = (await ChaosHttp.ReadObjectAsync(response, cancellationToken))["activities"]!.AsArray()
            .Select(a => a!.AsObject())
            .Where(a => a["from"]?["role"]?.GetValue<string>() == "bot")
            .Select(a => new SeenReply(a["text"]?.GetValue<string>() ?? "", a["replyToId"]?.GetValue<string>(), now))
            .ToList();
        lock (conversation.WebChatReplies)
        {
            for (var i = conversation.WebChatReplies.Count; i < bot.Count; i++)
            {
                conversation.WebChatReplies.Add(bot[i]);
                ReplyTimes.Enqueue(now);
            }
        }
    }

    private async Task RunTelegramAsync(ChaosConversation conversation, CancellationToken cancellationToken)
    {
        conversation.ConversationId = $"telegram:{BotName}:{conversation.ChatId}";
        var messageId = 0;
        foreach (var (text, human) in Script(conversation))
        {
            var updateId = Interlocked.Increment(ref _nextUpdateId);
            var update = Update(updateId, conversation.ChatId, ++messageId, text);
            var before = telegram.Count(conversation.ChatId);
            using var response = await SendAsync(() =>
            {
                var request = new HttpRequestMessage(HttpMethod.Post, $"/api/channels/telegram/{BotName}")
                {
                    Content = new StringContent(update, Encoding.UTF8, "application/json"),
                };
                request.Headers.Add("X-Telegram-Bot-Api-Secret-Token", WebhookSecret);
                return request;
            }, cancellationToken);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new InvalidOperationException($"webhook update {updateId}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
            }

            conversation.Sent.Enqueue(new SentMessage(text, updateId.ToString(CultureInfo.InvariantCulture)) { IsHumanRequest = human });
            Interlocked.Increment(ref _acknowledged);
            if (waitForReplies && !await telegram.WaitForMoreThanAsync(conversation.ChatId, before, replyTimeout, cancellationToken))
            {
                Interlocked.Increment(ref _unanswered);
            }
        }
    }

    /// <summary>The questions, then the request for a person if the customer makes one.</summary>
    private static IEnumerable<(string Text, bool Human)> Script(ChaosConversation conversation) =>
        conversation.Questions.Select(q => (q, false)).Concat(conversation.AsksForHuman ? [(ChaosConversation.HumanRequest, true)] : []);

    /// <summary>A private-chat text message update, shaped like the Bot API documentation's example.</summary>
    private static string Update(int updateId, long chatId, int messageId, string text) => new JsonObject
    {
        ["update_id"] = updateId,
        ["message"] = new JsonObject
        {
            ["message_id"] = messageId,
            ["from"] = new JsonObject { ["id"] = chatId, ["is_bot"] = false, ["first_name"] = "Chaos", ["last_name"] = "Customer", ["language_code"] = "en" },
            ["chat"] = new JsonObject { ["id"] = chatId, ["first_name"] = "Chaos", ["last_name"] = "Customer", ["type"] = "private" },
            ["date"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            ["text"] = text,
        },
    }.ToJsonString();

    private Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> build, CancellationToken cancellationToken) =>
        ChaosHttp.SendUntilAnsweredAsync(http, build, replyTimeout, cancellationToken, () => Interlocked.Increment(ref _retries));
}

using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

using static SupportBot.FunctionalTests.Infrastructure.TestCancellation;

namespace SupportBot.FunctionalTests.Infrastructure;

public sealed record StartedConversation(string ConversationId, string Token, string StreamUrl);

/// <summary>Speaks Direct Line to the host the way a browser client does, over plain HTTP.</summary>
public sealed class DirectLineTestClient(HttpClient http)
{
    public HttpClient Http => http;

    /// <summary>An anonymous visitor token, then a started conversation (201), as the widget does.</summary>
    public async Task<StartedConversation> StartAsync(string? locale = "en-US")
    {
        var tokenResponse = await http.PostAsync("/api/webchat/token", null, Ct);
        tokenResponse.EnsureSuccessStatusCode();
        var token = (await tokenResponse.Content.ReadFromJsonAsync<JsonObject>(Ct))!["token"]!.GetValue<string>();
        using var start = Request(HttpMethod.Post, "/v3/directline/conversations", token, new JsonObject { ["locale"] = locale });
        var started = await http.SendAsync(start, Ct);
        Assert.Equal(System.Net.HttpStatusCode.Created, started.StatusCode);
        var body = (await started.Content.ReadFromJsonAsync<JsonObject>(Ct))!;
        return new StartedConversation(body["conversationId"]!.GetValue<string>(), body["token"]!.GetValue<string>(), body["streamUrl"]!.GetValue<string>());
    }

    public Task<HttpResponseMessage> PostActivityAsync(StartedConversation conversation, JsonObject activity) =>
        http.SendAsync(Request(HttpMethod.Post, $"/v3/directline/conversations/{conversation.ConversationId}/activities", conversation.Token, activity), Ct);

    /// <summary>Posts a text message like Web Chat does (with a clientActivityID) and returns the server's id.</summary>
    public async Task<string> SendAsync(StartedConversation conversation, string text, string? clientActivityId = null)
    {
        var response = await PostActivityAsync(conversation, Message(text, clientActivityId));
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonObject>(Ct))!["id"]!.GetValue<string>();
    }

    public static JsonObject Message(string text, string? clientActivityId = null) => new()
    {
        ["type"] = "message",
        ["text"] = text,
        ["from"] = new JsonObject { ["id"] = "visitor", ["role"] = "user" },
        ["channelData"] = new JsonObject { ["clientActivityID"] = clientActivityId ?? Guid.NewGuid().ToString("N") },
    };

    public async Task<JsonObject> GetActivitiesAsync(StartedConversation conversation, long? watermark = null)
    {
        var path = $"/v3/directline/conversations/{conversation.ConversationId}/activities" + (watermark is null ? "" : $"?watermark={watermark}");
        var response = await http.SendAsync(Request(HttpMethod.Get, path, conversation.Token), Ct);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonObject>(Ct))!;
    }

    /// <summary>Polls until the transcript holds at least <paramref name="count"/> bot messages.</summary>
    public async Task<List<JsonObject>> WaitForBotMessagesAsync(StartedConversation conversation, int count, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (true)
        {
            var messages = BotMessages(await GetActivitiesAsync(conversation));
            if (messages.Count >= count)
            {
                return messages;
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Expected {count} bot messages, got {messages.Count}: {string.Join(" | ", messages.Select(m => m["text"]))}");
            }

            await Task.Delay(50, Ct);
        }
    }

    public static List<JsonObject> BotMessages(JsonObject activitySet) =>
        [.. activitySet["activities"]!.AsArray().Select(a => a!.AsObject()).Where(a => a["from"]?["role"]?.GetValue<string>() == "bot")];

    public static HttpRequestMessage Request(HttpMethod method, string path, string? bearer, JsonNode? body = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return request;
    }
}

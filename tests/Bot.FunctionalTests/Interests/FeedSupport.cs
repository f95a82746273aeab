using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using SupportBot.FunctionalTests.Infrastructure;
using SupportBot.Interests;
using static SupportBot.FunctionalTests.Infrastructure.TestCancellation;

namespace SupportBot.FunctionalTests.Interests;

/// <summary>Records written straight into the host's interest log (as the pipeline would), and the feed API to read them.</summary>
public sealed class FeedSupport(BotFactory factory)
{
    public InterestLog Log => factory.Services.GetRequiredService<InterestLog>();

    /// <summary>A word nobody else's record has (letters only, so it is one index word).</summary>
    public static string UniqueWord(string prefix = "zq") =>
        prefix + new string([.. Guid.NewGuid().ToString("N").Take(12).Select(c => (char)('a' + Convert.ToInt32(c.ToString(), 16)))]);

    public HttpClient Api(string? agentId = null, string? key = BotFactory.ApiKey)
    {
        var client = factory.CreateClient();
        if (key is not null)
        {
            client.DefaultRequestHeaders.Add("X-Api-Key", key);
        }

        if (agentId is not null)
        {
            client.DefaultRequestHeaders.Add("X-Agent-Id", agentId);
        }

        return client;
    }

    public async Task<InterestRecord> SeedAsync(
        string text,
        string? product = null,
        string source = "telegram",
        string action = "message",
        string direction = "in",
        string? authorName = "Customer",
        DateTimeOffset? date = null,
        bool processed = false,
        string? responsible = "bot",
        string? conversationId = null,
        string? authorId = null)
    {
        var eventId = Guid.NewGuid().ToString("N");
        var conversation = conversationId ?? source + ":" + Guid.NewGuid().ToString("N")[..10];
        var record = new InterestRecord
        {
            Id = InterestLog.RecordId(direction, conversation, eventId),
            Date = date ?? DateTimeOffset.UtcNow,
            SourceType = source,
            SourceLink = $"https://example.invalid/{source}/{eventId}",
            Author = new InterestAuthor(authorId ?? "user-" + eventId[..6], authorName, "https://example.invalid/photo.jpg", null),
            Action = action,
            Direction = direction,
            Text = text,
            Product = product,
            ConversationId = conversation,
            Responsible = responsible,
            Processed = processed || direction == "out",
            ProcessedBy = processed ? "bot" : null,
            ProcessedAt = processed ? DateTimeOffset.UtcNow : null,
            EventId = eventId,
        };
        await Log.AppendAsync(record);
        return record;
    }

    public async Task<JsonObject> PageAsync(string query, string? agentId = null)
    {
        var response = await Api(agentId).GetAsync("/api/interests" + query, Ct);
        Assert.True(response.IsSuccessStatusCode, $"{query}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}");
        return (await response.Content.ReadFromJsonAsync<JsonObject>(Ct))!;
    }

    /// <summary>The ids a query lists, in order (one page of up to 500).</summary>
    public async Task<List<string>> IdsAsync(string query) =>
        [.. (await PageAsync(query))["items"]!.AsArray().Select(i => i!["id"]!.GetValue<string>())];

    public async Task<JsonObject> RecordAsync(string id) => (await Api().GetFromJsonAsync<JsonObject>($"/api/interests/{id}", Ct))!;

    public static JsonObject Json(string key, string value) => new() { [key] = value };
}

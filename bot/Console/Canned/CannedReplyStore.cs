using System.Text.Json;
using StackExchange.Redis;

namespace SupportBot.AgentConsole.Canned;

/// <summary>A prepared answer. <c>{name}</c> (the customer's name) and <c>{agent}</c> (the agent's) are filled in when inserted.</summary>
public sealed record CannedReply(string Id, string Title, string Text, string? Language);

/// <summary>Canned replies in one Redis hash (id → JSON); admins edit them in the console.</summary>
public sealed class CannedReplyStore(IConnectionMultiplexer redis)
{
    public const int MaxTitle = 80;
    public const int MaxText = 2000;

    private static readonly RedisKey Key = "console:canned";

    public async Task<IReadOnlyList<CannedReply>> ListAsync()
    {
        var entries = await redis.GetDatabase().HashGetAllAsync(Key);
        return [.. entries
            .Select(e => JsonSerializer.Deserialize((string)e.Value!, BotJson.Default.CannedReply))
            .OfType<CannedReply>()
            .OrderBy(r => r.Title, StringComparer.CurrentCultureIgnoreCase)];
    }

    /// <summary>Adds or replaces; the problem as a sentence when the reply is not acceptable.</summary>
    public async Task<string?> SaveAsync(CannedReply reply)
    {
        if (string.IsNullOrWhiteSpace(reply.Title) || reply.Title.Length > MaxTitle)
        {
            return $"The title is 1–{MaxTitle} characters.";
        }

        if (string.IsNullOrWhiteSpace(reply.Text) || reply.Text.Length > MaxText)
        {
            return $"The text is 1–{MaxText} characters.";
        }

        await redis.GetDatabase().HashSetAsync(Key, reply.Id, JsonSerializer.Serialize(reply, BotJson.Default.CannedReply));
        return null;
    }

    public Task DeleteAsync(string id) => redis.GetDatabase().HashDeleteAsync(Key, id);

    /// <summary>Titles and texts that contain every word of the search, case-insensitively.</summary>
    public static IEnumerable<CannedReply> Search(IEnumerable<CannedReply> replies, string? search)
    {
        var words = (search ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return replies.Where(r => words.All(w =>
            r.Title.Contains(w, StringComparison.CurrentCultureIgnoreCase) || r.Text.Contains(w, StringComparison.CurrentCultureIgnoreCase)));
    }

    /// <summary>The text with its placeholders filled in; unknown placeholders stay as written.</summary>
    public static string Fill(string text, string? customerName, string agentName) =>
        text.Replace("{name}", string.IsNullOrWhiteSpace(customerName) ? "" : customerName, StringComparison.Ordinal)
            .Replace("{agent}", agentName, StringComparison.Ordinal);
}

using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace SupportBot.Channels.Vk;

/// <summary>An error VK answered with (<c>{"error":{"error_code","error_msg"}}</c>, HTTP 200).</summary>
public sealed class VkApiException(int code, string message) : Exception($"VK error {code}: {message}")
{
    public int Code { get; } = code;

    public string VkMessage { get; } = message;
}

/// <summary>The answer to <c>groups.getLongPollServer</c>.</summary>
internal sealed record VkLongPollServer(string Server, string Key, string Ts);

/// <summary>
/// A small typed client for the few VK API methods we need (v=5.199). Form-encoded POSTs, the
/// token in the body (never in a URL or a log), and a pacer per community so one token stays under
/// VK's 20 requests/s: callers wait for their turn rather than being refused.
/// </summary>
internal sealed class VkApiClient(IHttpClientFactory httpFactory, IOptions<VkOptions> options)
{
    public const string HttpClientName = "vk";
    public const string Version = "5.199";

    private readonly ConcurrentDictionary<string, VkCallPacer> _pacers = new(StringComparer.OrdinalIgnoreCase);

    public async Task<JsonElement> CallAsync(VkCommunityOptions community, string method, IEnumerable<KeyValuePair<string, string>> parameters, CancellationToken cancellationToken)
    {
        await _pacers.GetOrAdd(community.Name, _ => new VkCallPacer(options.Value.RequestsPerSecond, TimeProvider.System)).WaitForTurnAsync(cancellationToken);

        var form = new List<KeyValuePair<string, string>>(parameters)
        {
            new("access_token", community.Token),
            new("v", Version),
        };
        using var content = new FormUrlEncodedContent(form);
        using var response = await httpFactory.CreateClient(HttpClientName).PostAsync(new Uri(community.ApiBase, method), content, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"VK {method} answered HTTP {(int)response.StatusCode}", null, response.StatusCode);
        }

        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var json = await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken);
        var root = json.RootElement;
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("error", out var error))
        {
            var code = error.TryGetProperty("error_code", out var c) && c.TryGetInt32(out var n) ? n : 0;
            var message = error.TryGetProperty("error_msg", out var m) ? m.GetString() ?? "" : "";
            throw new VkApiException(code, message);
        }

        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("response", out var result))
        {
            throw new HttpRequestException($"VK {method} answered without 'response'");
        }

        return result.Clone();
    }

    public async Task<long> SendMessageAsync(VkCommunityOptions community, long peerId, int randomId, string text, string? keyboard, CancellationToken cancellationToken)
    {
        var parameters = new List<KeyValuePair<string, string>>
        {
            new("peer_id", Str(peerId)),
            new("random_id", Str(randomId)),
            new("message", text),
            new("dont_parse_links", "0"),
        };
        if (keyboard is not null)
        {
            parameters.Add(new("keyboard", keyboard));
        }

        var result = await CallAsync(community, "messages.send", parameters, cancellationToken);
        // With peer_id the answer is the message id; with peer_ids it would be an array.
        return result.ValueKind == JsonValueKind.Number ? result.GetInt64()
            : result.ValueKind == JsonValueKind.Array && result.GetArrayLength() > 0 && result[0].TryGetProperty("message_id", out var id) ? id.GetInt64()
            : 0;
    }

    /// <summary><c>wall.createComment</c>, <c>photos.createComment</c>, … — answers a comment thread as the community.</summary>
    public async Task<long> CreateCommentAsync(VkCommunityOptions community, string method, IEnumerable<KeyValuePair<string, string>> target, string text, string guid, CancellationToken cancellationToken)
    {
        var parameters = new List<KeyValuePair<string, string>>(target)
        {
            new("message", text),
            new("from_group", Str(community.GroupId)),
            new("guid", guid),
        };
        var result = await CallAsync(community, method, parameters, cancellationToken);
        return result.ValueKind == JsonValueKind.Number ? result.GetInt64()
            : result.TryGetProperty("comment_id", out var id) ? id.GetInt64()
            : result.TryGetProperty("id", out var other) ? other.GetInt64() : 0;
    }

    public Task SendMessageEventAnswerAsync(VkCommunityOptions community, string eventId, long userId, long peerId, CancellationToken cancellationToken) =>
        CallAsync(community, "messages.sendMessageEventAnswer", [new("event_id", eventId), new("user_id", Str(userId)), new("peer_id", Str(peerId))], cancellationToken);

    public async Task<IReadOnlyList<JsonElement>> GetUsersAsync(VkCommunityOptions community, IEnumerable<long> userIds, CancellationToken cancellationToken)
    {
        var result = await CallAsync(community, "users.get", [new("user_ids", string.Join(',', userIds.Select(Str))), new("fields", "photo_100")], cancellationToken);
        return result.ValueKind == JsonValueKind.Array ? [.. result.EnumerateArray()] : [];
    }

    public async Task<VkLongPollServer> GetLongPollServerAsync(VkCommunityOptions community, CancellationToken cancellationToken)
    {
        var result = await CallAsync(community, "groups.getLongPollServer", [new("group_id", Str(community.GroupId))], cancellationToken);
        return new VkLongPollServer(result.GetProperty("server").GetString()!, result.GetProperty("key").GetString()!, ReadTs(result.GetProperty("ts")));
    }

    /// <summary>One long poll request; the caller handles <c>failed</c>.</summary>
    public async Task<JsonElement> CheckLongPollAsync(VkLongPollServer server, int waitSeconds, CancellationToken cancellationToken)
    {
        var url = $"{server.Server}?act=a_check&key={Uri.EscapeDataString(server.Key)}&ts={Uri.EscapeDataString(server.Ts)}&wait={Str(waitSeconds)}";
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(waitSeconds + 15));
        using var response = await httpFactory.CreateClient(HttpClientName).GetAsync(url, timeout.Token);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);
        using var json = await JsonDocument.ParseAsync(body, cancellationToken: timeout.Token);
        return json.RootElement.Clone();
    }

    internal static string ReadTs(JsonElement ts) => ts.ValueKind == JsonValueKind.Number ? ts.GetRawText() : ts.GetString() ?? "0";

    private static string Str(long value) => value.ToString(CultureInfo.InvariantCulture);
}

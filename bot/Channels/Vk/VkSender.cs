using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using SupportBot.Contracts;
using SupportBot.Pipeline.Outbox;

namespace SupportBot.Channels.Vk;

/// <summary>
/// Delivers a reply on VK: messages.send in chats (with a deterministic random_id, so a resend of
/// the same outbox item is never a second message, and choices as a keyboard), or a comment as the
/// community in the customer's comment thread (wall/photos/video/market/board.createComment).
/// One attempt per call; the outbox dispatcher retries what this reports as retryable.
/// </summary>
internal sealed class VkSender(
    VkApiClient api, IConnectionMultiplexer redis, CustomerReachability reachability, IOptions<VkOptions> options, TimeProvider time, ILogger<VkSender> logger) : IChannelSender
{
    /// <summary>VK's limit on one message is larger on paper; 4,096 characters is what every client shows whole.</summary>
    public const int MaxMessageLength = 4096;

    public async Task<ChannelSendResult> SendAsync(OutboxItem item, CancellationToken cancellationToken)
    {
        var conversation = VkConversation.Parse(item.ConversationId)
            ?? throw new ChannelSendException($"'{item.ConversationId}' is not a VK conversation id.", permanent: true);
        var community = options.Value.Find(item.ChannelAccount ?? conversation.Community) ?? options.Value.Find(conversation.Community)
            ?? throw new ChannelSendException($"No VK community named '{conversation.Community}' is configured.", permanent: true);
        VkLog.Sending(logger, community.Name, item.ConversationId, item.Message.Text);

        try
        {
            if (conversation.Signals)
            {
                throw new ChannelSendException("Likes, joins and leaves on VK are recorded, not answered: nothing was sent.", permanent: true);
            }

            return conversation.PeerId is { } peer
                ? await SendMessageAsync(community, peer, item, cancellationToken)
                : await CommentAsync(community, conversation, item, cancellationToken);
        }
        catch (VkApiException e)
        {
            throw await Classify(e, community, conversation);
        }
        catch (HttpRequestException e)
        {
            throw new ChannelSendException($"VK API unreachable: {e.Message}", permanent: false, inner: e);
        }
    }

    private async Task<ChannelSendResult> SendMessageAsync(VkCommunityOptions community, long peer, OutboxItem item, CancellationToken cancellationToken)
    {
        if (peer < 2_000_000_000 && await redis.GetDatabase().HashGetAsync(VkKeys.MessagesRefused(community.Name), peer.ToString(CultureInfo.InvariantCulture)) is { HasValue: true } refused)
        {
            // Known to refuse: asking VK again would only spend the quota on another 901.
            throw new ChannelSendException($"{MessagesRefusal.Reason}: recorded {refused}; waiting for message_allow.", recipientRefuses: true);
        }

        var parts = Split(item.Message.Text, MaxMessageLength);
        var keyboard = Keyboard(await ShortValuesAsync(item.Message.Choices));
        var ids = new List<string>(parts.Count);
        for (var i = 0; i < parts.Count; i++)
        {
            var id = await api.SendMessageAsync(community, peer, RandomId(item.Id, i), parts[i], i == parts.Count - 1 ? keyboard : null, cancellationToken);
            ids.Add(id.ToString(CultureInfo.InvariantCulture));
        }

        return new ChannelSendResult(string.Join(',', ids), VkConversation.InboxLink(community.GroupId, peer));
    }

    private async Task<ChannelSendResult> CommentAsync(VkCommunityOptions community, VkConversation thread, OutboxItem item, CancellationToken cancellationToken)
    {
        // The bot answers the very comment its turn came from; an agent, the customer's latest.
        var known = await redis.GetDatabase().HashGetAsync(VkKeys.ReplyTo(item.ConversationId), [item.InReplyToEventId ?? VkKeys.LatestComment, VkKeys.LatestComment]);
        var replyTo = known[0].HasValue ? known[0] : known[1];
        var owner = thread.OwnerId.ToString(CultureInfo.InvariantCulture);
        var objectId = thread.ObjectId.ToString(CultureInfo.InvariantCulture);
        var (method, target) = thread.ThreadType switch
        {
            "wall" => ("wall.createComment", new List<KeyValuePair<string, string>> { new("owner_id", owner), new("post_id", objectId) }),
            "photo" => ("photos.createComment", [new("owner_id", owner), new("photo_id", objectId)]),
            "video" => ("video.createComment", [new("owner_id", owner), new("video_id", objectId)]),
            "market" => ("market.createComment", [new("owner_id", owner), new("item_id", objectId)]),
            _ => ("board.createComment", [new("group_id", Math.Abs(thread.OwnerId).ToString(CultureInfo.InvariantCulture)), new("topic_id", objectId)]),
        };
        if (replyTo.HasValue && thread.ThreadType != "board")
        {
            target.Add(new("reply_to_comment", (string)replyTo!));
        }

        // Comments have no keyboards: choices are listed under the text.
        var text = item.Message.Choices is { Count: > 0 } choices
            ? item.Message.Text + "\n" + string.Join("\n", choices.Select(c => "• " + c.Title))
            : item.Message.Text;
        var parts = Split(text, MaxMessageLength);
        var ids = new List<string>(parts.Count);
        long last = 0;
        for (var i = 0; i < parts.Count; i++)
        {
            last = await api.CreateCommentAsync(community, method, target, parts[i], Guid(item.Id, i), cancellationToken);
            ids.Add(last.ToString(CultureInfo.InvariantCulture));
        }

        return new ChannelSendResult(string.Join(',', ids), VkConversation.ThreadLink(thread.ThreadType!, thread.OwnerId, thread.ObjectId, last));
    }

    private async Task<ChannelSendException> Classify(VkApiException e, VkCommunityOptions community, VkConversation conversation)
    {
        switch (e.Code)
        {
            case 6: // too many requests per second
                return new ChannelSendException(e.Message, permanent: false, retryAfter: TimeSpan.FromSeconds(1), inner: e);
            case 10: // internal server error
                return new ChannelSendException(e.Message, permanent: false, inner: e);
            case 9: // flood control: the same action too often; only much later
                return new ChannelSendException(e.Message, permanent: false, retryAfter: TimeSpan.FromMinutes(1), inner: e);
            case 29: // rate limit reached for the method
                return new ChannelSendException(e.Message, permanent: false, retryAfter: TimeSpan.FromMinutes(5), inner: e);
            case 900 or 901 or 902:
                var user = conversation.PeerId ?? conversation.UserId;
                await redis.GetDatabase().HashSetAsync(
                    VkKeys.MessagesRefused(community.Name), user.ToString(CultureInfo.InvariantCulture), MessagesRefusal.Describe("error " + e.Code.ToString(CultureInfo.InvariantCulture), time.GetUtcNow()));
                VkLog.MessagesPermission(logger, community.Name, user, "refuses");
                await reachability.SetAsync(VkConversation.Channel, user.ToString(CultureInfo.InvariantCulture), acceptsMessages: false);
                return new ChannelSendException($"{MessagesRefusal.Reason} ({e.Message})", inner: e, recipientRefuses: true);
            default:
                return new ChannelSendException(e.Message, permanent: true, inner: e);
        }
    }

    /// <summary>
    /// A positive 31-bit random_id derived from the outbox item id and the part number: the same
    /// item always gets the same id, so VK drops a resend instead of showing it twice.
    /// </summary>
    internal static int RandomId(string itemId, int part)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(itemId + "#" + part.ToString(CultureInfo.InvariantCulture)));
        var value = (int)(BinaryPrimitives.ReadUInt32LittleEndian(hash) & 0x7FFFFFFF);
        return value == 0 ? 1 : value;
    }

    private static string Guid(string itemId, int part) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(itemId + "#" + part.ToString(CultureInfo.InvariantCulture))))[..32];

    /// <summary>
    /// Choices as a keyboard: up to 10 as inline callback buttons under the message (answered via
    /// message_event), more as a one-time text keyboard (at most 40). The payload carries the value.
    /// </summary>
    internal static string? Keyboard(IReadOnlyList<SuggestedChoice>? choices)
    {
        if (choices is not { Count: > 0 })
        {
            return null;
        }

        var inline = choices.Count <= 10;
        var shown = choices.Take(inline ? 10 : 40).ToList();
        // Five tiny labels (the ratings "1 😞" … "5 😀") side by side, as VK allows in one row; others one or two per row.
        var perRow = inline && shown.Count <= 5 && shown.All(c => c.Title.Length <= 4) ? shown.Count
            : inline ? (shown.Count <= 6 ? 1 : 2)
            : Math.Max(1, (int)Math.Ceiling(shown.Count / 10.0));
        var rows = new JsonArray();
        foreach (var row in shown.Chunk(perRow))
        {
            rows.Add(new JsonArray([.. row.Select(c => (JsonNode)new JsonObject
            {
                ["action"] = new JsonObject
                {
                    ["type"] = inline ? "callback" : "text",
                    ["label"] = c.Title.Length > 40 ? c.Title[..39] + "…" : c.Title,
                    // Unescaped: VK allows 255 characters of payload, and "\u0430" for every Cyrillic letter would spend six.
                    ["payload"] = Payload(c.Value),
                },
                ["color"] = "primary",
            })]));
        }

        var keyboard = new JsonObject { ["inline"] = inline, ["buttons"] = rows };
        if (!inline)
        {
            keyboard["one_time"] = true;
        }

        return keyboard.ToJsonString(Relaxed);
    }

    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>VK refuses the whole message (error 911) when a button's payload is over 255 characters: longer values go as a reference.</summary>
    internal static readonly ButtonValueRefs PayloadRefs = new("#vkv:", "vk:choice:", value => Payload(value).Length <= 255);

    /// <summary>The choices, each value too long for a button's payload replaced by a short reference to it (kept in Redis).</summary>
    private async Task<IReadOnlyList<SuggestedChoice>?> ShortValuesAsync(IReadOnlyList<SuggestedChoice>? choices)
    {
        if (choices is null || !choices.Any(c => PayloadRefs.NeedsReference(c.Value)))
        {
            return choices;
        }

        var db = redis.GetDatabase();
        var result = new List<SuggestedChoice>(choices.Count);
        foreach (var choice in choices)
        {
            result.Add(choice with { Value = await PayloadRefs.ToButtonAsync(db, choice.Value) });
        }

        return result;
    }

    private static string Payload(string value) => new JsonObject { ["value"] = value }.ToJsonString(Relaxed);

    /// <summary>Splits at paragraph, line or word boundaries where it can; never loses a character.</summary>
    internal static IReadOnlyList<string> Split(string text, int max)
    {
        if (text.Length <= max)
        {
            return [text];
        }

        var parts = new List<string>();
        var rest = text.AsSpan();
        while (rest.Length > max)
        {
            var window = rest[..max];
            var cut = window.LastIndexOf("\n\n");
            if (cut < max / 2)
            {
                cut = window.LastIndexOf('\n');
            }

            if (cut < max / 2)
            {
                cut = window.LastIndexOf(' ');
            }

            if (cut < max / 2)
            {
                cut = max;
                if (char.IsHighSurrogate(rest[cut - 1]))
                {
                    cut--;
                }
            }

            parts.Add(rest[..cut].ToString());
            rest = rest[cut..];
        }

        if (rest.Length > 0)
        {
            parts.Add(rest.ToString());
        }

        return parts;
    }
}

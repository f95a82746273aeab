using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using SupportBot.Contracts;
using static SupportBot.Channels.Vk.VkConversation;

namespace SupportBot.Channels.Vk;

/// <summary>A callback button press, answered with messages.sendMessageEventAnswer.</summary>
internal sealed record VkButtonPress(string EventId, long UserId, long PeerId);

/// <summary>
/// One VK event, read. <see cref="ConversationId"/> null: nothing to record (e.g. message_allow,
/// which only changes whether we may write to the user).
/// </summary>
internal sealed record VkInbound
{
    public required string Type { get; init; }

    public required string EventId { get; init; }

    public string? ConversationId { get; init; }

    public ActivityKind Kind { get; init; }

    /// <summary>The customer: a VK user id (negative for another community).</summary>
    public long AuthorId { get; init; }

    public string? Text { get; init; }

    public string? SourceLink { get; init; }

    public string? ProductHint { get; init; }

    public IReadOnlyList<ActivityAttachment> Attachments { get; init; } = [];

    public string? Locale { get; init; }

    /// <summary>For a comment: its id, which our answer in the thread replies to.</summary>
    public long? CommentId { get; init; }

    public VkButtonPress? Button { get; init; }

    /// <summary>message_allow (true), message_deny (false); also true on message_new (a user who writes may be answered).</summary>
    public bool? MessagesAllowed { get; init; }

    /// <summary>Facts for the record's fields (e.g. <c>removed</c>).</summary>
    public IReadOnlyDictionary<string, string>? Fields { get; init; }

    /// <summary>message_typing_state: the customer is typing in their dialog with the community (nothing to record).</summary>
    public string? TypingIn { get; init; }
}

/// <summary>
/// Every piece of knowledge about VK's event shapes (v=5.199) lives here: a pure function from a
/// Callback API / Long Poll event to <see cref="VkInbound"/>, or null to ignore it. The
/// community's own posts and replies are ignored so the bot never answers itself.
/// </summary>
internal static class VkNormalizer
{
    /// <summary>The record field that marks a like taken back, or a member the community removed.</summary>
    public const string RemovedField = "removed";

    private static readonly IReadOnlyDictionary<string, string> Removed = new Dictionary<string, string> { [RemovedField] = "true" };

    public static VkInbound? Normalize(VkCommunityOptions community, JsonElement update)
    {
        if (update.ValueKind != JsonValueKind.Object || Str(update, "type") is not { } type || !update.TryGetProperty("object", out var o) || o.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var eventId = Str(update, "event_id") ?? Fallback(type, o);
        var name = community.Name;
        var self = -community.GroupId;
        switch (type)
        {
            case "message_new":
            {
                var m = o.TryGetProperty("message", out var inner) && inner.ValueKind == JsonValueKind.Object ? inner : o; // before 5.103 the object was the bare message
                var from = Long(m, "from_id");
                var peer = Long(m, "peer_id");
                if (from is null || peer is null || from == self || Long(m, "out") == 1)
                {
                    return null;
                }

                var button = PayloadValue(m, "payload");
                return new VkInbound
                {
                    Type = type,
                    EventId = eventId,
                    ConversationId = ForPeer(name, peer.Value),
                    Kind = button is null ? ActivityKind.Message : ActivityKind.Button,
                    AuthorId = from.Value,
                    Text = button ?? Str(m, "text"),
                    SourceLink = InboxLink(community.GroupId, peer.Value),
                    Attachments = Attachments(m),
                    Locale = o.TryGetProperty("client_info", out var client) ? Language(Long(client, "lang_id")) : null,
                    MessagesAllowed = peer < 2_000_000_000 ? true : null,
                };
            }

            case "message_event":
            {
                var user = Long(o, "user_id");
                var peer = Long(o, "peer_id");
                var pressId = Str(o, "event_id");
                if (user is null || peer is null || pressId is null)
                {
                    return null;
                }

                return new VkInbound
                {
                    Type = type,
                    EventId = eventId,
                    ConversationId = ForPeer(name, peer.Value),
                    Kind = ActivityKind.Button,
                    AuthorId = user.Value,
                    Text = PayloadValue(o, "payload"),
                    SourceLink = InboxLink(community.GroupId, peer.Value),
                    Button = new VkButtonPress(pressId, user.Value, peer.Value),
                };
            }

            case "message_typing_state":
                return Str(o, "state") == "typing" && Long(o, "from_id") is > 0 and var typist
                    ? new VkInbound { Type = type, EventId = eventId, AuthorId = typist, TypingIn = VkConversation.ForPeer(name, typist) }
                    : null;

            case "message_allow" or "message_deny":
                return Long(o, "user_id") is { } allowing
                    ? new VkInbound { Type = type, EventId = eventId, AuthorId = allowing, MessagesAllowed = type == "message_allow" }
                    : null;

            case "wall_reply_new":
                return Comment(type, eventId, name, o, "wall", Long(o, "post_owner_id"), Long(o, "post_id"), self);
            case "photo_comment_new":
                return Comment(type, eventId, name, o, "photo", Long(o, "photo_owner_id"), Long(o, "photo_id"), self);
            case "video_comment_new":
                return Comment(type, eventId, name, o, "video", Long(o, "video_owner_id"), Long(o, "video_id"), self);
            case "market_comment_new":
            {
                var comment = Comment(type, eventId, name, o, "market", Long(o, "market_owner_id"), Long(o, "item_id"), self);
                return comment is null ? null : comment with { ProductHint = MarketItem(Long(o, "market_owner_id") ?? 0, Long(o, "item_id") ?? 0) };
            }

            case "board_post_new":
                return Comment(type, eventId, name, o, "board", Long(o, "topic_owner_id"), Long(o, "topic_id"), self);

            case "wall_post_new":
            {
                // A user's post on the community wall (or a suggested post). The community's own posts are ours.
                var from = Long(o, "from_id");
                var owner = Long(o, "owner_id");
                var id = Long(o, "id");
                if (from is null || owner is null || id is null || from < 0)
                {
                    return null;
                }

                return new VkInbound
                {
                    Type = type,
                    EventId = eventId,
                    ConversationId = ForThread(name, "wall", owner.Value, id.Value, from.Value),
                    Kind = ActivityKind.Post,
                    AuthorId = from.Value,
                    Text = Str(o, "text"),
                    SourceLink = ThreadLink("wall", owner.Value, id.Value, null),
                    Attachments = Attachments(o),
                };
            }

            case "like_add" or "like_remove":
            {
                var liker = Long(o, "liker_id");
                if (liker is null || liker == self)
                {
                    return null;
                }

                var (link, product) = LikedObject(o);
                var removed = type == "like_remove";
                return new VkInbound
                {
                    Type = type,
                    EventId = eventId,
                    ConversationId = ForSignals(name, liker.Value),
                    Kind = ActivityKind.Like,
                    AuthorId = liker.Value,
                    // A like taken back is still a like record (the action counts interest shown), flagged as removed, and said in the text for the feed.
                    Text = removed ? "[like removed] " + Str(o, "object_type") : null,
                    SourceLink = link,
                    ProductHint = product,
                    Fields = removed ? Removed : null,
                };
            }

            case "group_join" or "group_leave":
            {
                var user = Long(o, "user_id");
                if (user is null)
                {
                    return null;
                }

                var leave = type == "group_leave";
                var removedByCommunity = leave && Long(o, "self") == 0; // self: 1 left on their own, 0 removed by the community
                return new VkInbound
                {
                    Type = type,
                    EventId = eventId,
                    ConversationId = ForSignals(name, user.Value),
                    Kind = leave ? ActivityKind.Leave : ActivityKind.Join,
                    AuthorId = user.Value,
                    Text = removedByCommunity ? "[removed from the community]" : !leave && Str(o, "join_type") is "request" ? "[asked to join]" : null,
                    SourceLink = ProfileLink(user.Value),
                    Fields = removedByCommunity ? Removed : null,
                };
            }

            default:
                return null;
        }
    }

    private static VkInbound? Comment(string type, string eventId, string community, JsonElement o, string thread, long? ownerId, long? objectId, long self)
    {
        var from = Long(o, "from_id");
        var id = Long(o, "id");
        if (from is null || id is null || ownerId is null || objectId is null || from == self)
        {
            return null;
        }

        return new VkInbound
        {
            Type = type,
            EventId = eventId,
            ConversationId = ForThread(community, thread, ownerId.Value, objectId.Value, from.Value),
            Kind = ActivityKind.Comment,
            AuthorId = from.Value,
            Text = Str(o, "text"),
            SourceLink = ThreadLink(thread, ownerId.Value, objectId.Value, id.Value),
            Attachments = Attachments(o),
            CommentId = id.Value,
        };
    }

    /// <summary>The product hint of a market item: its VK address, e.g. <c>market-123_45</c>.</summary>
    internal static string MarketItem(long ownerId, long itemId) => $"market{VkConversation.Str(ownerId)}_{VkConversation.Str(itemId)}";

    private static (string? Link, string? Product) LikedObject(JsonElement o)
    {
        var owner = Long(o, "object_owner_id") ?? 0;
        var id = Long(o, "object_id") ?? 0;
        // object_id is the liked object itself; only a wall comment's like also names its post (post_id). A like on a
        // comment under a photo, video, product or topic carries no id of that photo (video, …): it links the owner's page.
        var post = Long(o, "post_id") ?? 0;
        return Str(o, "object_type") switch
        {
            "post" => (ThreadLink("wall", owner, id, null), null),
            "comment" when post > 0 => (ThreadLink("wall", owner, post, id), null),
            "photo" => (ThreadLink("photo", owner, id, null), null),
            "video" => (ThreadLink("video", owner, id, null), null),
            "market" => (ThreadLink("market", owner, id, null), MarketItem(owner, id)),
            _ => (ProfileLink(owner), null),
        };
    }

    /// <summary>A button's payload: <c>{"value":"…"}</c> as we send it (a JSON string, or an object as some deliveries have it).</summary>
    private static string? PayloadValue(JsonElement o, string property)
    {
        if (o.ValueKind != JsonValueKind.Object || !o.TryGetProperty(property, out var payload))
        {
            return null;
        }

        if (payload.ValueKind == JsonValueKind.String)
        {
            var text = payload.GetString();
            if (string.IsNullOrEmpty(text))
            {
                return null;
            }

            try
            {
                using var document = JsonDocument.Parse(text);
                return ValueOf(document.RootElement) ?? text;
            }
            catch (JsonException)
            {
                return text;
            }
        }

        return payload.ValueKind == JsonValueKind.Object ? ValueOf(payload) ?? payload.GetRawText() : null;

        static string? ValueOf(JsonElement element) =>
            element.ValueKind == JsonValueKind.Object && element.TryGetProperty("value", out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()
            : element.ValueKind == JsonValueKind.Object && element.TryGetProperty("command", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString()
            : null;
    }

    private static IReadOnlyList<ActivityAttachment> Attachments(JsonElement o)
    {
        if (o.ValueKind != JsonValueKind.Object || !o.TryGetProperty("attachments", out var list) || list.ValueKind != JsonValueKind.Array)
        {
            return [];
        }

        var result = new List<ActivityAttachment>();
        foreach (var a in list.EnumerateArray())
        {
            var type = Str(a, "type") ?? "unknown";
            var body = a.ValueKind == JsonValueKind.Object && a.TryGetProperty(type, out var b) ? b : default;
            switch (type)
            {
                case "photo" when body.ValueKind == JsonValueKind.Object && body.TryGetProperty("sizes", out var sizes) && sizes.ValueKind == JsonValueKind.Array && sizes.GetArrayLength() > 0:
                    var largest = sizes.EnumerateArray().MaxBy(s => (Long(s, "width") ?? 0) * (Long(s, "height") ?? 0));
                    result.Add(new ActivityAttachment("image/jpeg", Str(largest, "url"), "photo"));
                    break;
                case "doc" when body.ValueKind == JsonValueKind.Object:
                    result.Add(new ActivityAttachment("application/octet-stream", Str(body, "url"), Str(body, "title")));
                    break;
                case "audio_message" when body.ValueKind == JsonValueKind.Object:
                    result.Add(new ActivityAttachment("audio/ogg", Str(body, "link_ogg"), "voice"));
                    break;
                default:
                    result.Add(new ActivityAttachment("application/vnd.vk." + type, null, type));
                    break;
            }
        }

        return result;
    }

    /// <summary>client_info.lang_id: 0 ru, 1 uk, 2 be, 3 en, 4 es, 6 de, …</summary>
    private static string? Language(long? id) => id switch
    {
        0 => "ru-RU",
        1 => "uk-UA",
        2 => "be-BY",
        3 => "en-US",
        4 => "es-ES",
        6 => "de-DE",
        _ => null,
    };

    /// <summary>Old API versions send no event_id: a stable digest of the event stands in, so repeats still dedupe.</summary>
    private static string Fallback(string type, JsonElement o) =>
        type + ":" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(o.GetRawText())))[..32];

    internal static string? Str(JsonElement o, string property) =>
        o.ValueKind == JsonValueKind.Object && o.TryGetProperty(property, out var v)
            ? v.ValueKind switch { JsonValueKind.String => v.GetString(), JsonValueKind.Number => v.GetRawText(), _ => null }
            : null;

    internal static long? Long(JsonElement o, string property) =>
        o.ValueKind == JsonValueKind.Object && o.TryGetProperty(property, out var v)
            ? v.ValueKind switch
            {
                JsonValueKind.Number when v.TryGetInt64(out var n) => n,
                JsonValueKind.String when long.TryParse(v.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var s) => s,
                JsonValueKind.True => 1,
                JsonValueKind.False => 0,
                _ => null,
            }
            : null;
}

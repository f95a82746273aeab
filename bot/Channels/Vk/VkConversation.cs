using System.Globalization;

namespace SupportBot.Channels.Vk;

/// <summary>
/// Our conversation ids for VK, and reading them back in the sender:
/// <c>vk:&lt;community&gt;:&lt;peer_id&gt;</c> for messages,
/// <c>vk:&lt;community&gt;:&lt;wall|photo|video|market|board&gt;&lt;owner&gt;_&lt;id&gt;:&lt;user&gt;</c> for a customer's comment thread,
/// <c>vk:&lt;community&gt;:signals:&lt;user&gt;</c> for likes, joins and leaves (recorded, never answered on VK).
/// </summary>
internal sealed record VkConversation(string Community, long? PeerId = null, string? ThreadType = null, long OwnerId = 0, long ObjectId = 0, long UserId = 0, bool Signals = false)
{
    public const string Channel = "vk";

    public static readonly string[] ThreadTypes = ["wall", "photo", "video", "market", "board"];

    public static string ForPeer(string community, long peerId) => $"{Channel}:{community}:{Str(peerId)}";

    public static string ForThread(string community, string type, long ownerId, long objectId, long userId) =>
        $"{Channel}:{community}:{type}{Str(ownerId)}_{Str(objectId)}:{Str(userId)}";

    public static string ForSignals(string community, long userId) => $"{Channel}:{community}:signals:{Str(userId)}";

    public static VkConversation? Parse(string conversationId)
    {
        var parts = conversationId.Split(':');
        if (parts.Length < 3 || parts[0] != Channel)
        {
            return null;
        }

        var community = parts[1];
        if (parts.Length == 3)
        {
            return long.TryParse(parts[2], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var peer) ? new VkConversation(community, PeerId: peer) : null;
        }

        if (parts.Length != 4 || !long.TryParse(parts[3], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var user))
        {
            return null;
        }

        if (parts[2] == "signals")
        {
            return new VkConversation(community, UserId: user, Signals: true);
        }

        var type = ThreadTypes.FirstOrDefault(t => parts[2].StartsWith(t, StringComparison.Ordinal));
        var address = type is null ? null : parts[2][type.Length..].Split('_');
        return address is { Length: 2 }
            && long.TryParse(address[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var owner)
            && long.TryParse(address[1], NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            ? new VkConversation(community, ThreadType: type, OwnerId: owner, ObjectId: id, UserId: user)
            : null;
    }

    /// <summary>Where a comment (or, with none, the thread's object) opens on VK.</summary>
    public static string ThreadLink(string type, long ownerId, long objectId, long? commentId) => type switch
    {
        "wall" => $"https://vk.com/wall{Str(ownerId)}_{Str(objectId)}" + (commentId is { } c ? $"?reply={Str(c)}" : ""),
        "photo" => $"https://vk.com/photo{Str(ownerId)}_{Str(objectId)}",
        "video" => $"https://vk.com/video{Str(ownerId)}_{Str(objectId)}",
        "market" => $"https://vk.com/product{Str(ownerId)}_{Str(objectId)}",
        "board" => $"https://vk.com/topic{Str(ownerId)}_{Str(objectId)}" + (commentId is { } p ? $"?post={Str(p)}" : ""),
        _ => "https://vk.com/",
    };

    /// <summary>The community's own inbox, opened on this chat (for the community's admins).</summary>
    public static string InboxLink(long groupId, long peerId) => $"https://vk.com/gim{Str(groupId)}?sel={Str(peerId)}";

    public static string ProfileLink(long id) => id < 0 ? $"https://vk.com/club{Str(-id)}" : $"https://vk.com/id{Str(id)}";

    internal static string Str(long value) => value.ToString(CultureInfo.InvariantCulture);
}

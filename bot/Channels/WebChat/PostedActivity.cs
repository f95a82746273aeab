using System.Text.Json;
using System.Text.Json.Nodes;
using SupportBot.Contracts;

namespace SupportBot.Channels.WebChat;

/// <summary>The fields we read from an activity a Direct Line client posted, checked for type.</summary>
internal sealed record PostedActivity(
    string Type,
    string? Text,
    string? Locale,
    string? FromId,
    string? FromName,
    string? ClientActivityId,
    bool IsButton,
    string? PageUrl,
    IReadOnlyList<ActivityAttachment> Attachments,
    string? Error)
{
    private static readonly HashSet<string> AcceptedTypes = ["message", "typing", "event"];

    public static PostedActivity Read(JsonObject activity)
    {
        try
        {
            var type = String(activity, "type");
            if (type is null || !AcceptedTypes.Contains(type))
            {
                return Invalid("'type' must be one of: message, typing, event.");
            }

            var channelData = activity["channelData"] as JsonObject;
            var isButton = Flag(channelData, "postBack") || Flag(channelData, "messageBack");
            var text = String(activity, "text");
            if (text is null && isButton && activity["value"] is JsonValue value && value.TryGetValue<string>(out var valueText))
            {
                text = valueText; // a postBack carries its text in value
            }

            if (type == "message" && string.IsNullOrWhiteSpace(text) && activity["attachments"] is not JsonArray { Count: > 0 })
            {
                return Invalid("A message needs 'text' or 'attachments'.");
            }

            var from = activity["from"] as JsonObject;
            var pageUrl = channelData is null ? null : String(channelData, "pageUrl");
            return new PostedActivity(
                type,
                text,
                String(activity, "locale"),
                from is null ? null : String(from, "id"),
                from is null ? null : String(from, "name"),
                channelData is null ? null : String(channelData, "clientActivityID"),
                isButton,
                Uri.TryCreate(pageUrl, UriKind.Absolute, out var page) && page.Scheme is "http" or "https" ? page.ToString() : null,
                ReadAttachments(activity["attachments"] as JsonArray),
                null);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or JsonException)
        {
            return Invalid(e.Message);
        }
    }

    private static PostedActivity Invalid(string error) => new("", null, null, null, null, null, false, null, [], error);

    /// <summary>A string field, or null when absent; any other JSON kind is an error the caller reports.</summary>
    private static string? String(JsonObject obj, string name) => obj[name] switch
    {
        null => null,
        JsonValue value when value.GetValueKind() == JsonValueKind.String => value.GetValue<string>(),
        _ => throw new FormatException($"'{name}' must be a string."),
    };

    private static bool Flag(JsonObject? obj, string name) =>
        obj?[name] is JsonValue value && value.GetValueKind() == JsonValueKind.True;

    private static List<ActivityAttachment> ReadAttachments(JsonArray? attachments)
    {
        var result = new List<ActivityAttachment>();
        foreach (var node in attachments ?? [])
        {
            if (node is JsonObject attachment && String(attachment, "contentType") is { } contentType)
            {
                result.Add(new ActivityAttachment(contentType, String(attachment, "contentUrl"), String(attachment, "name")));
            }
        }

        return result;
    }
}

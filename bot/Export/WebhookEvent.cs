using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using SupportBot.Interests;

namespace SupportBot.Export;

/// <summary>
/// The JSON body of one webhook delivery. <c>id</c> is unique per delivery and stays the same on every retry, so the
/// receiver can ignore repeats; <c>record</c> is the whole record as it was at <c>occurredAt</c> (events may arrive out
/// of order after a retry: keep the newest <c>occurredAt</c> per record id).
/// </summary>
public sealed record WebhookEvent
{
    public const string Created = "interest.created";
    public const string Changed = "interest.changed";

    public static readonly string[] Types = [Created, Changed];

    public required string Id { get; init; }

    /// <summary><see cref="Created"/> or <see cref="Changed"/>.</summary>
    public required string Type { get; init; }

    /// <summary>The record's date for a new record; the time of the change for a changed one.</summary>
    public required DateTimeOffset OccurredAt { get; init; }

    /// <summary>The receiver's name (<c>Export:Webhooks:&lt;i&gt;:Name</c>).</summary>
    public required string Webhook { get; init; }

    public required InterestRecord Record { get; init; }

    /// <summary>For a change: the record's fields that changed (camelCase names, e.g. <c>responsible</c>, <c>processed</c>).</summary>
    public IReadOnlyList<string>? Changes { get; init; }

    /// <summary>The names of the record's JSON fields that differ between the two.</summary>
    public static List<string> ChangedFields(InterestRecord before, InterestRecord after)
    {
        var a = (JsonObject)JsonSerializer.SerializeToNode(before, BotJson.Default.InterestRecord)!;
        var b = (JsonObject)JsonSerializer.SerializeToNode(after, BotJson.Default.InterestRecord)!;
        return [.. a.Select(p => p.Key).Union(b.Select(p => p.Key)).Where(key => !JsonNode.DeepEquals(a[key], b[key])).Order(StringComparer.Ordinal)];
    }
}

/// <summary>A delivery that failed for good, as <c>GET /api/export/webhooks/failures</c> lists it (the body is not repeated).</summary>
public sealed record WebhookFailure(
    string Id, string Webhook, string Type, string? RecordId, DateTimeOffset CreatedAt, DateTimeOffset? FailedAt, int Attempts, string? LastError);

/// <summary>One receiver's state for <c>GET /api/export/webhooks</c>.</summary>
public sealed record WebhookStatus(
    string Name, string Url, IReadOnlyList<string> Events, long Pending, long Failed, long Delivered, DateTimeOffset? LastDeliveredAt,
    string? LastError, DateTimeOffset? LastErrorAt);

/// <summary>
/// What leaves the host for other systems (webhook bodies, JSON Lines): records as stored (camelCase, empty fields left
/// out), with only what JSON requires escaped, so Cyrillic text and <c>+</c> stay readable (the output is never HTML).
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(WebhookEvent))]
[JsonSerializable(typeof(InterestRecord))]
internal sealed partial class ExportJson : JsonSerializerContext
{
    public static ExportJson Relaxed { get; } = new(new JsonSerializerOptions(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}

using System.Text.Json.Serialization;

namespace SupportBot.Customers;

/// <summary>What an agent sees of a customer: one person, linked across every channel they wrote on.</summary>
public sealed record Customer
{
    public required string Id { get; init; }

    public string? Name { get; init; }

    public string? PhotoUrl { get; init; }

    /// <summary>new, contacted, lead, customer or blocked (see <see cref="CustomerStatus"/>).</summary>
    public required string Status { get; init; }

    /// <summary>The funnel stage, one of <c>Customers:FunnelStages</c>.</summary>
    public required string Stage { get; init; }

    public required IReadOnlyList<CustomerIdentity> Identities { get; init; }

    public required IReadOnlyList<string> Emails { get; init; }

    public required IReadOnlyList<string> Phones { get; init; }

    public required IReadOnlyList<string> Tags { get; init; }

    /// <summary>Oldest first.</summary>
    public required IReadOnlyList<CustomerNote> Notes { get; init; }

    /// <summary>The customer's moves between funnel stages, oldest first (the latest 200).</summary>
    public IReadOnlyList<CustomerStageMove> StageHistory { get; init; } = [];

    public DateTimeOffset? FirstSeen { get; init; }

    public DateTimeOffset? LastSeen { get; init; }

    /// <summary>How many interest records the customer has (read them with the records endpoint).</summary>
    public long RecordCount { get; init; }

    /// <summary>Other customers who gave one of this customer's e-mails or phones: maybe the same person (an agent may merge), maybe not.</summary>
    public IReadOnlyList<CustomerMatch> PossibleDuplicates { get; init; } = [];
}

/// <summary>Another customer with a contact in common.</summary>
/// <param name="Shared">The e-mail or phone both have.</param>
public sealed record CustomerMatch(string Id, string? Name, string Shared);

/// <summary>The customer on one channel: <c>type:userId</c> (e.g. <c>telegram:42</c>).</summary>
public sealed record CustomerIdentity
{
    [JsonPropertyName("id")] public required string Id { get; init; }
    [JsonPropertyName("type")] public required string SourceType { get; init; }
    [JsonPropertyName("userId")] public required string UserId { get; init; }
    [JsonPropertyName("name")] public string? Name { get; init; }
    [JsonPropertyName("photoUrl")] public string? PhotoUrl { get; init; }
    [JsonPropertyName("profileUrl")] public string? ProfileUrl { get; init; }
    [JsonPropertyName("conversationId")] public string? ConversationId { get; init; }

    public static string IdOf(string sourceType, string userId) => sourceType + ":" + userId;
}

public sealed record CustomerNote
{
    [JsonPropertyName("id")] public required string Id { get; init; }
    [JsonPropertyName("author")] public required string Author { get; init; }
    [JsonPropertyName("at")] public required DateTimeOffset At { get; init; }
    [JsonPropertyName("text")] public required string Text { get; init; }
}

/// <summary>One move along the funnel: from which stage to which, when, and by whom (the agent; null for an integration that named none).</summary>
public sealed record CustomerStageMove
{
    [JsonPropertyName("from")] public required string From { get; init; }
    [JsonPropertyName("to")] public required string To { get; init; }
    [JsonPropertyName("at")] public required DateTimeOffset At { get; init; }
    [JsonPropertyName("by")] public string? By { get; init; }
}

/// <summary>Told when a customer moves to another funnel stage (after it is stored): the funnel report counts the moves.</summary>
public interface ICustomerStageObserver
{
    Task StageChangedAsync(string customerId, CustomerStageMove move);
}

/// <summary>A search hit: enough to pick the right person.</summary>
public sealed record CustomerSummary(string Id, string? Name, string? PhotoUrl, string Status, IReadOnlyList<string> Emails, IReadOnlyList<string> Phones);

public static class CustomerStatus
{
    public const string New = "new";
    public const string Contacted = "contacted";
    public const string Lead = "lead";
    public const string Customer = "customer";
    public const string Blocked = "blocked";

    public static readonly IReadOnlyList<string> All = [New, Contacted, Lead, Customer, Blocked];

    public static bool IsKnown(string? status) => status is not null && All.Contains(status);
}

[JsonSerializable(typeof(CustomerIdentity))]
[JsonSerializable(typeof(CustomerNote))]
[JsonSerializable(typeof(CustomerStageMove))]
internal sealed partial class CustomersJson : JsonSerializerContext;

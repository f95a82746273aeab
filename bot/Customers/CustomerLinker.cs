using Microsoft.Extensions.Options;
using SupportBot.Interests;

namespace SupportBot.Customers;

/// <summary>
/// Keeps customers up to date from the interest log: an inbound record finds (or creates) its
/// customer by channel identity and adds the e-mail or phone a request gave; our replies are added
/// to the conversation's customer, and an agent's reply makes a new customer "contacted". Only a
/// source in <c>Customers:TrustContactsFrom</c> links by e-mail or phone into someone else's customer:
/// anyone can type any address into a form, a mail's From or a chat.
/// </summary>
internal sealed class CustomerLinker(CustomerStore store, IOptions<CustomersOptions> options, ILogger<CustomerLinker> logger) : IInterestObserver
{
    public async Task RecordAddedAsync(InterestRecord record)
    {
        if (record.Direction == "out")
        {
            await store.AddConversationRecordAsync(record.ConversationId, record.Id, record.Date, byAgent: record.Author.Id.StartsWith("agent:", StringComparison.Ordinal));
            return;
        }

        if (string.IsNullOrEmpty(record.Author.Id))
        {
            return;
        }

        var fields = record.Fields ?? new Dictionary<string, string>();
        var email = fields.GetValueOrDefault("email");
        var phone = fields.GetValueOrDefault("phone");
        // A contact typed into a chat request is never proven, whatever the channel.
        var proven = (email is not null || phone is not null) && options.Value.TrustContactsFrom.Contains(record.SourceType, StringComparer.Ordinal);
        if (fields.GetValueOrDefault("contact") is { } contact)
        {
            email ??= Contacts.NormalizeEmail(contact);
            phone ??= Contacts.NormalizePhone(contact);
        }

        var requestName = record.Action == "request" ? fields.GetValueOrDefault("name")?.Trim() : null;
        var id = await store.LinkAsync(new CustomerSighting
        {
            SourceType = record.SourceType,
            UserId = record.Author.Id,
            ConversationId = record.ConversationId,
            At = record.Date,
            RecordId = record.Id,
            Name = string.IsNullOrEmpty(requestName) ? record.Author.Name : requestName,
            NameFromRequest = !string.IsNullOrEmpty(requestName),
            PhotoUrl = record.Author.PhotoUrl,
            ProfileUrl = record.Author.ProfileUrl,
            Email = email,
            Phone = phone,
            ContactsProven = proven,
        });
        CustomersLog.RecordLinked(logger, record.ConversationId, id);
    }

    public Task RecordChangedAsync(InterestRecord before, InterestRecord after) => Task.CompletedTask;

    /// <summary>Records gone past the retention leave their customer's list too (the customer stays).</summary>
    public async Task RecordsRemovedAsync(IReadOnlyList<InterestRecord> records)
    {
        foreach (var conversation in records.GroupBy(r => r.ConversationId, StringComparer.Ordinal))
        {
            await store.RemoveRecordsAsync(conversation.Key, [.. conversation.Select(r => r.Id)]);
        }
    }
}

internal static partial class CustomersLog
{
    [LoggerMessage(LogLevel.Debug, "Record of {ConversationId} linked to customer {CustomerId}")]
    public static partial void RecordLinked(ILogger logger, string conversationId, string customerId);

    [LoggerMessage(LogLevel.Information, "Customer {OtherId} merged into {CustomerId} by {AgentId}")]
    public static partial void Merged(ILogger logger, string otherId, string customerId, string agentId);
}

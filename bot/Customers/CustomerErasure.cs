using System.Globalization;
using System.Text.Json;
using StackExchange.Redis;
using SupportBot.FollowUps;
using SupportBot.Handoff;
using SupportBot.Interests;

namespace SupportBot.Customers;

/// <summary>What an erasure removed.</summary>
public sealed record ErasureResult(string CustomerId, int Conversations, int Records, int FollowUps);

/// <summary>
/// Erases everything we hold about one customer, on their request (the right to erasure): every interest record of
/// theirs, each of their conversations (transcript, dialog state, handoff history, profile, what waits to be sent, on
/// every channel), the follow-ups about them, and their card with every index entry that names them. Report counters
/// are totals without names and stay. A customer who writes again afterwards starts afresh.
/// </summary>
public sealed class CustomerErasure(
    CustomerStore customers,
    InterestLog interests,
    HandoffService handoff,
    FollowUpStore followUps,
    Channels.Telegram.TelegramStore telegram,
    AgentConsole.Accounts.AgentAccountStore accounts,
    IConnectionMultiplexer redis,
    ILogger<CustomerErasure> logger)
{
    /// <summary>Null when there is no such customer.</summary>
    public async Task<ErasureResult?> EraseAsync(string customerId)
    {
        if (await customers.FootprintAsync(customerId) is not { } footprint)
        {
            return null;
        }

        var conversations = footprint.Conversations
            .Concat(footprint.Identities.Select(i => i.ConversationId).OfType<string>())
            .Distinct(StringComparer.Ordinal).ToList();
        // The card lists the records linked to it; a conversation lists all of its own, also our replies from before the
        // customer was known (the greeting that opened a web chat).
        var db = redis.GetDatabase();
        var recordIds = new HashSet<string>(footprint.Records, StringComparer.Ordinal);
        foreach (var conversationId in conversations)
        {
            recordIds.UnionWith((await db.SortedSetRangeByRankAsync(RedisKeys.ConversationInterests(conversationId))).Select(v => (string)v!));
        }

        var records = await RemoveRecordsAsync([.. recordIds]);
        foreach (var conversationId in conversations)
        {
            await ForgetConversationAsync(conversationId);
            await telegram.ForgetAsync(conversationId, footprint.Identities.FirstOrDefault(i => i.ConversationId == conversationId)?.UserId);
        }

        foreach (var identity in footprint.Identities.Where(i => i.SourceType == Channels.Vk.VkConversation.Channel))
        {
            if (long.TryParse(identity.UserId, NumberStyles.Integer, CultureInfo.InvariantCulture, out var vkUser))
            {
                await db.KeyDeleteAsync(Channels.Vk.VkKeys.User(vkUser)); // the cached users.get answer: name and photo
                if (identity.ConversationId is { } conversation && Channels.Vk.VkConversation.Parse(conversation) is { } vk)
                {
                    await db.HashDeleteAsync(Channels.Vk.VkKeys.MessagesRefused(vk.Community), identity.UserId); // that they refused messages
                }
            }
        }

        var erasedFollowUps = await RemoveFollowUpsAsync(footprint.Id, recordIds);
        await customers.EraseCardAsync(footprint.Id);
        Log.CustomerErased(logger, footprint.Id, conversations.Count, records, erasedFollowUps);
        return new ErasureResult(footprint.Id, conversations.Count, records, erasedFollowUps);
    }

    /// <summary>A record someone changes meanwhile is left by the removal script: it is asked again, a few times.</summary>
    private async Task<int> RemoveRecordsAsync(IReadOnlyList<string> ids)
    {
        var db = redis.GetDatabase();
        var removed = 0;
        var left = ids;
        for (var attempt = 0; attempt < 5 && left.Count > 0; attempt++)
        {
            foreach (var batch in left.Chunk(500))
            {
                removed += await interests.RemoveAsync(batch);
            }

            var still = new List<string>();
            foreach (var id in left)
            {
                if (await db.KeyExistsAsync(RedisKeys.Interest(id)) || await db.KeyExistsAsync(RedisKeys.InterestWork(id)))
                {
                    still.Add(id);
                }
            }

            left = still;
        }

        return removed;
    }

    private async Task ForgetConversationAsync(string conversationId)
    {
        var before = await handoff.Store.ForgetConversationAsync(conversationId, handoff.Departments.All.Select(d => d.Name));
        var db = redis.GetDatabase();
        await db.KeyDeleteAsync([Channels.Vk.VkKeys.ReplyTo(conversationId), Channels.Email.EmailKeys.Thread(conversationId)]);

        // Replies given up on for good keep their text in the dead-letter list.
        foreach (var letter in await db.ListRangeAsync(RedisKeys.DeadLetters))
        {
            if (Of(letter) == conversationId)
            {
                await db.ListRemoveAsync(RedisKeys.DeadLetters, letter);
            }
        }

        if (before is { Status: HandoffStatus.Queued or HandoffStatus.Offered or HandoffStatus.Assigned })
        {
            // Gone from the queue or from an agent's chats: open consoles show it at once.
            await handoff.NotifyAsync(new HandoffNotice("erased", conversationId, before.AgentId, before.Department));
        }
    }

    private static string? Of(RedisValue letter)
    {
        try
        {
            return JsonSerializer.Deserialize((string)letter!, BotJson.Default.DeadLetter)?.Item.ConversationId;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Follow-ups agents set about the customer or one of their records (their words about the customer).</summary>
    private async Task<int> RemoveFollowUpsAsync(string customerId, IReadOnlySet<string> records)
    {
        var removed = 0;
        // Console accounts, and agents known only to the handoff (the API names them with X-Agent-Id).
        var agents = (await accounts.ListAsync()).Select(a => a.Id).Concat(await handoff.Store.AgentIdsAsync()).Distinct(StringComparer.Ordinal);
        foreach (var agentId in agents)
        {
            foreach (var status in new[] { FollowUpStatus.Open, FollowUpStatus.Done })
            {
                foreach (var followUp in await followUps.ListAsync(agentId, status, take: 10_000))
                {
                    if ((followUp.CustomerId == customerId || (followUp.RecordId is { } record && records.Contains(record)))
                        && await followUps.DeleteAsync(followUp.Id, agentId))
                    {
                        removed++;
                    }
                }
            }
        }

        return removed;
    }
}

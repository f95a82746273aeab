using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace SupportBot.Customers;

public enum CustomerChange
{
    Done,
    NotFound,
}

public enum MergeOutcome
{
    Merged,
    NotFound,
    OtherNotFound,
    Same,
}

/// <summary>
/// Customers in Redis: one hash per person plus sets of identities, e-mails, phones, tags, notes and
/// record ids, and indexes from identity, e-mail, phone and conversation to the customer id. A merged
/// customer's hash keeps only where it went, so old ids (in links, follow-ups) still lead to the person.
/// </summary>
public sealed class CustomerStore(
    IConnectionMultiplexer redis, IOptions<CustomersOptions> options, TimeProvider time, IEnumerable<ICustomerStageObserver>? stageObservers = null)
{
    private const int MaxAttempts = 8;
    private const int MaxRedirects = 16;
    public const int MaxNotes = 1000;
    public const int MaxStageMoves = 200;

    private readonly ICustomerStageObserver[] _stageObservers = [.. stageObservers ?? []];

    private IDatabase Db => redis.GetDatabase();

    private string FirstStage => options.Value.Stages[0];

    public static bool IsValidId(string? id) => id is { Length: 16 } && id.All(char.IsAsciiHexDigitLower);

    private static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    /// <summary>
    /// A customer's inbound record: find them by identity (creating them the first time), add what is new, add the
    /// record. A proven e-mail or phone (<see cref="CustomerSighting.ContactsProven"/>) also finds them: when it belongs
    /// to another customer than the identity, the two are one person and the identity's customer merges into the
    /// owner of the e-mail (or phone). An unproven one only goes on the identity's own customer (shown, searchable,
    /// never an index another sighting links by): whoever types a stranger's address must not get the stranger's
    /// history, nor give the stranger theirs. Returns the customer id.
    /// </summary>
    public async Task<string> LinkAsync(CustomerSighting sighting)
    {
        var identityId = CustomerIdentity.IdOf(sighting.SourceType, sighting.UserId);
        var email = Contacts.NormalizeEmail(sighting.Email);
        var phone = Contacts.NormalizePhone(sighting.Phone);
        var proven = sighting.ContactsProven;
        var identityJson = JsonSerializer.Serialize(
            new CustomerIdentity
            {
                Id = identityId,
                SourceType = sighting.SourceType,
                UserId = sighting.UserId,
                Name = sighting.NameFromRequest ? null : sighting.Name,
                PhotoUrl = sighting.PhotoUrl,
                ProfileUrl = sighting.ProfileUrl,
                ConversationId = sighting.ConversationId,
            },
            CustomersJson.Default.CustomerIdentity);
        var nameTerms = NameTerms(sighting.Name);
        string[] contactTerms = [.. ContactTerms(email, phone)];
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var db = Db;
            string? identityOwner, emailOwner = null, phoneOwner = null;
            if (attempt == 0 && ((email is null && phone is null) || !proven) && _owners.TryGetValue(identityId, out var known))
            {
                identityOwner = known; // the script checks it still holds, else we read
            }
            else
            {
                var byIdentity = db.HashGetAsync(CustomerKeys.ByIdentity, identityId);
                var byEmail = email is null || !proven ? Task.FromResult(RedisValue.Null) : db.HashGetAsync(CustomerKeys.ByEmail, email);
                var byPhone = phone is null || !proven ? Task.FromResult(RedisValue.Null) : db.HashGetAsync(CustomerKeys.ByPhone, phone);
                identityOwner = await byIdentity;
                emailOwner = await byEmail;
                phoneOwner = await byPhone;
            }

            var target = emailOwner ?? phoneOwner ?? identityOwner ?? NewId();

            // One person: fold the others into the target first, then read again.
            var merged = false;
            foreach (var other in new[] { phoneOwner, identityOwner }.OfType<string>().Distinct().Where(o => o != target))
            {
                await MergeOnceAsync(target, other);
                merged = true;
            }

            if (merged)
            {
                continue;
            }

            var result = (string?)await db.ScriptEvaluateAsync(
                CustomerScripts.Link,
                [CustomerKeys.ByIdentity, CustomerKeys.ByEmail, CustomerKeys.ByPhone, CustomerKeys.ByConversation, CustomerKeys.Search, .. CustomerKeys.All(target)],
                [target, identityId, identityJson, identityOwner ?? "", email ?? "", emailOwner ?? "", phone ?? "", phoneOwner ?? "",
                 sighting.ConversationId, sighting.RecordId ?? "", sighting.At.ToUnixTimeMilliseconds(), sighting.Name ?? "",
                 sighting.NameFromRequest ? "1" : "0", sighting.PhotoUrl ?? "", FirstStage,
                 nameTerms.Length, .. nameTerms.Select(t => (RedisValue)t), contactTerms.Length, .. contactTerms.Select(t => (RedisValue)t),
                 proven ? "1" : "0"]);
            if (result == "ok")
            {
                Remember(_owners, identityId, target);
                Remember(_owners, ConversationOwnerKey(sighting.ConversationId), target);
                return target;
            }
        }

        throw new InvalidOperationException("The customer kept changing while being linked; gave up after " + MaxAttempts + " attempts.");
    }

    /// <summary>Adds a record of a known conversation (e.g. our reply) to its customer; an agent's reply makes a new customer contacted.</summary>
    public async Task<string?> AddConversationRecordAsync(string conversationId, string recordId, DateTimeOffset at, bool byAgent)
    {
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            string id;
            if (attempt == 0 && _owners.TryGetValue(ConversationOwnerKey(conversationId), out var known))
            {
                id = known; // the script checks it still holds, else we read
            }
            else if (await Db.HashGetAsync(CustomerKeys.ByConversation, conversationId) is { IsNull: false } found)
            {
                id = found!;
            }
            else
            {
                return null;
            }

            var result = (string?)await Db.ScriptEvaluateAsync(
                CustomerScripts.AddRecord,
                [CustomerKeys.ByConversation, CustomerKeys.Customer(id), CustomerKeys.Records(id)],
                [conversationId, id, recordId, at.ToUnixTimeMilliseconds(), byAgent ? "1" : "0"]);
            if (result == "ok")
            {
                Remember(_owners, ConversationOwnerKey(conversationId), id);
                return id;
            }
        }

        return null;
    }

    /// <summary>
    /// Which customer an identity or a conversation last belonged to, as this instance saw it. Only a guess that
    /// saves a read: every script checks it against the index and answers retry when it no longer holds (a
    /// merge, another instance), and the caller then reads.
    /// </summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _owners = new(StringComparer.Ordinal);

    private const int MaxRemembered = 100_000;

    private static string ConversationOwnerKey(string conversationId) => "conv\n" + conversationId;

    private static void Remember(System.Collections.Concurrent.ConcurrentDictionary<string, string> cache, string key, string id)
    {
        if (cache.Count >= MaxRemembered)
        {
            cache.Clear(); // crude, but bounded: it is only a hint
        }

        cache[key] = id;
    }

    /// <summary>The live id a (possibly merged) id leads to, or null when there is no such customer.</summary>
    public async Task<string?> ResolveAsync(string id)
    {
        for (var hop = 0; hop < MaxRedirects; hop++)
        {
            var fields = await Db.HashGetAsync(CustomerKeys.Customer(id), ["merged", "status"]);
            if (!fields[0].IsNull)
            {
                id = fields[0]!;
                continue;
            }

            return fields[1].IsNull ? null : id;
        }

        return null;
    }

    public async Task<Customer?> GetAsync(string id)
    {
        if (await ResolveAsync(id) is not { } live)
        {
            return null;
        }

        var db = Db;
        var hash = db.HashGetAllAsync(CustomerKeys.Customer(live));
        var identities = db.HashValuesAsync(CustomerKeys.Identities(live));
        var emails = db.SetMembersAsync(CustomerKeys.Emails(live));
        var phones = db.SetMembersAsync(CustomerKeys.Phones(live));
        var tags = db.SetMembersAsync(CustomerKeys.Tags(live));
        var notes = db.ListRangeAsync(CustomerKeys.Notes(live));
        var stages = db.ListRangeAsync(CustomerKeys.Stages(live));
        var records = db.SortedSetLengthAsync(CustomerKeys.Records(live));
        var fields = (await hash).ToDictionary(e => (string)e.Name!, e => (string?)e.Value);
        if (fields.ContainsKey("merged") || !fields.ContainsKey("status"))
        {
            return null; // merged or gone between the reads; the caller may ask again
        }

        return new Customer
        {
            Id = live,
            Name = fields.GetValueOrDefault("name"),
            PhotoUrl = fields.GetValueOrDefault("photo"),
            Status = fields.GetValueOrDefault("status") ?? CustomerStatus.New,
            Stage = fields.GetValueOrDefault("stage") ?? FirstStage,
            Identities = [.. (await identities).Select(v => JsonSerializer.Deserialize((string)v!, CustomersJson.Default.CustomerIdentity)!).OrderBy(i => i.Id, StringComparer.Ordinal)],
            Emails = Sorted(await emails),
            Phones = Sorted(await phones),
            Tags = Sorted(await tags),
            Notes = [.. (await notes).Select(v => JsonSerializer.Deserialize((string)v!, CustomersJson.Default.CustomerNote)!).OrderBy(n => n.At)],
            StageHistory = [.. (await stages).Select(v => JsonSerializer.Deserialize((string)v!, CustomersJson.Default.CustomerStageMove)!).OrderBy(m => m.At)],
            FirstSeen = Time(fields.GetValueOrDefault("first")),
            LastSeen = Time(fields.GetValueOrDefault("last")),
            RecordCount = await records,
            PossibleDuplicates = await PossibleDuplicatesAsync(live, [.. await emails, .. await phones]),
        };
    }

    private const int MaxPossibleDuplicates = 10;

    /// <summary>Other customers with one of these e-mails or phones (from the search index): for an agent to look at, and merge if it is one person.</summary>
    private async Task<IReadOnlyList<CustomerMatch>> PossibleDuplicatesAsync(string id, RedisValue[] contacts)
    {
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var contact in contacts.Select(c => (string)c!).Order(StringComparer.Ordinal))
        {
            var prefix = contact + "\0";
            var hits = await SearchEntriesStartingWithAsync(prefix, MaxPossibleDuplicates + 1);
            foreach (var other in hits.Select(h => ((string)h!)[prefix.Length..]).Where(o => o != id))
            {
                found.TryAdd(other, contact);
            }
        }

        var matches = new List<CustomerMatch>();
        foreach (var (other, shared) in found.Take(MaxPossibleDuplicates))
        {
            var values = await Db.HashGetAsync(CustomerKeys.Customer(other), ["name", "status"]);
            if (!values[1].IsNull)
            {
                matches.Add(new CustomerMatch(other, values[0], shared));
            }
        }

        return matches;
    }

    public async Task<string?> FindByConversationAsync(string conversationId) =>
        await Db.HashGetAsync(CustomerKeys.ByConversation, conversationId) is { IsNull: false } id ? await ResolveAsync(id!) : null;

    /// <summary>The customer of a conversation: by the conversation, else by who wrote in it (its profile).</summary>
    public async Task<Customer?> ForConversationAsync(string conversationId, Handoff.HandoffStore handoff)
    {
        var id = await FindByConversationAsync(conversationId);
        if (id is null && await handoff.GetProfileAsync(conversationId) is { } profile)
        {
            id = await FindByIdentityAsync(profile.Channel, profile.UserId);
        }

        return id is null ? null : await GetAsync(id);
    }

    public async Task<string?> FindByIdentityAsync(string sourceType, string userId) =>
        await Db.HashGetAsync(CustomerKeys.ByIdentity, CustomerIdentity.IdOf(sourceType, userId)) is { IsNull: false } id ? await ResolveAsync(id!) : null;

    public async Task<string?> FindByEmailAsync(string email) =>
        Contacts.NormalizeEmail(email) is { } normal && await Db.HashGetAsync(CustomerKeys.ByEmail, normal) is { IsNull: false } id ? await ResolveAsync(id!) : null;

    /// <summary>Entries of the search index that start with <paramref name="prefix"/>, in order, at most <paramref name="limit"/>.</summary>
    private async Task<RedisValue[]> SearchEntriesStartingWithAsync(string prefix, int limit)
    {
        // ZRANGEBYLEX [prefix [prefix\xff, written out: the client library treats a leading '+' or '-' as infinity.
        var term = Encoding.UTF8.GetBytes(prefix);
        var min = new byte[term.Length + 1];
        var max = new byte[term.Length + 2];
        min[0] = max[0] = (byte)'[';
        term.CopyTo(min, 1);
        term.CopyTo(max, 1);
        max[^1] = 0xFF;
        return (RedisValue[]?)await Db.ExecuteAsync("ZRANGEBYLEX", CustomerKeys.Search, min, max, "LIMIT", 0, limit) ?? [];
    }

    /// <summary>Customers whose name (or a word of it), e-mail or phone starts with <paramref name="query"/>.</summary>
    public async Task<IReadOnlyList<CustomerSummary>> SearchAsync(string query, int take)
    {
        var hits = await SearchEntriesStartingWithAsync(SearchPrefix(query), take * 5);
        var ids = hits.Select(h => (string)h!).Select(h => h[(h.LastIndexOf('\0') + 1)..]).Distinct().Take(take).ToList();
        var summaries = new List<CustomerSummary>(ids.Count);
        foreach (var id in ids)
        {
            var db = Db;
            var hash = db.HashGetAsync(CustomerKeys.Customer(id), ["name", "photo", "status"]);
            var emails = db.SetMembersAsync(CustomerKeys.Emails(id));
            var phones = db.SetMembersAsync(CustomerKeys.Phones(id));
            var fields = await hash;
            if (!fields[2].IsNull)
            {
                summaries.Add(new CustomerSummary(id, fields[0], fields[1], fields[2]!, Sorted(await emails), Sorted(await phones)));
            }
        }

        return summaries;
    }

    /// <summary>What a search query is compared with: lower case; a phone number's digits (with its + if typed).</summary>
    public static string SearchPrefix(string query)
    {
        var q = query.Trim().ToLowerInvariant();
        if (q.Length > 0 && (q[0] == '+' || char.IsAsciiDigit(q[0])) && q.All(c => char.IsAsciiDigit(c) || c is '+' or ' ' or '-' or '(' or ')'))
        {
            return (q[0] == '+' ? "+" : "") + new string([.. q.Where(char.IsAsciiDigit)]);
        }

        return q;
    }

    /// <summary>
    /// An agent's edit: any of status, stage, tags (replace), name. Validation is the caller's. A move to another stage
    /// is written down with its time and <paramref name="by"/> (the stage history) and told to the stage observers.
    /// </summary>
    public async Task<CustomerChange> UpdateAsync(
        string id, string? status = null, string? stage = null, IReadOnlyCollection<string>? tags = null, string? name = null, string? by = null)
    {
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            if (await ResolveAsync(id) is not { } live)
            {
                return CustomerChange.NotFound;
            }

            var was = stage is null ? "" : (string?)await Db.HashGetAsync(CustomerKeys.Customer(live), "stage") ?? FirstStage;
            var move = new CustomerStageMove { From = was, To = stage ?? "", At = DateTimeOffset.FromUnixTimeMilliseconds(time.GetUtcNow().ToUnixTimeMilliseconds()), By = by };
            var nameTerms = name is null ? [] : NameTerms(name);
            var result = (string?)await Db.ScriptEvaluateAsync(
                CustomerScripts.Update,
                [CustomerKeys.Search, CustomerKeys.Customer(live), CustomerKeys.Tags(live), CustomerKeys.NameTerms(live), CustomerKeys.Stages(live)],
                [live, status ?? "", stage ?? "", tags is null ? "0" : "1", name ?? "",
                 tags?.Count ?? 0, .. (tags ?? []).Select(t => (RedisValue)t), nameTerms.Length, .. nameTerms.Select(t => (RedisValue)t),
                 was, FirstStage, JsonSerializer.Serialize(move, CustomersJson.Default.CustomerStageMove), MaxStageMoves]);
            switch (result)
            {
                case "ok":
                    return CustomerChange.Done;
                case "moved":
                    await TellStageObserversAsync(live, move);
                    return CustomerChange.Done;
            }

            // gone (merged meanwhile) or retry (the stage changed since it was read): resolve and read again
        }

        return CustomerChange.NotFound;
    }

    private async Task TellStageObserversAsync(string customerId, CustomerStageMove move)
    {
        foreach (var observer in _stageObservers)
        {
            try
            {
                await observer.StageChangedAsync(customerId, move);
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                // The move is stored; a report counter that missed it is not worth failing the agent's edit.
            }
        }
    }

    /// <summary>Takes removed interest records (past the retention) off their conversation's customer.</summary>
    public async Task RemoveRecordsAsync(string conversationId, IReadOnlyCollection<string> recordIds)
    {
        if (await FindByConversationAsync(conversationId) is { } id)
        {
            await Db.SortedSetRemoveAsync(CustomerKeys.Records(id), [.. recordIds.Select(r => (RedisValue)r)]);
        }
    }

    /// <summary>For channels: the customer blocked us (or unblocked), etc. Unknown status throws.</summary>
    public Task<CustomerChange> SetStatusAsync(string id, string status)
    {
        if (!CustomerStatus.IsKnown(status))
        {
            throw new ArgumentException($"'{status}' is not a customer status.", nameof(status));
        }

        return UpdateAsync(id, status: status);
    }

    /// <summary>For channels, which know the user rather than our id: sets the status of whoever that identity belongs to.</summary>
    public async Task<CustomerChange> SetStatusByIdentityAsync(string sourceType, string userId, string status) =>
        await FindByIdentityAsync(sourceType, userId) is { } id ? await SetStatusAsync(id, status) : CustomerChange.NotFound;

    public async Task<CustomerNote?> AddNoteAsync(string id, string author, string text)
    {
        var note = new CustomerNote { Id = NewId(), Author = author, At = time.GetUtcNow(), Text = text };
        var json = JsonSerializer.Serialize(note, CustomersJson.Default.CustomerNote);
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            if (await ResolveAsync(id) is not { } live)
            {
                return null;
            }

            if ((string?)await Db.ScriptEvaluateAsync(CustomerScripts.AddNote, [CustomerKeys.Customer(live), CustomerKeys.Notes(live)], [json, MaxNotes]) == "ok")
            {
                return note;
            }
        }

        return null;
    }

    /// <summary>Folds <paramref name="otherId"/> into <paramref name="id"/>; afterwards the other id leads to this customer.</summary>
    public async Task<(MergeOutcome Outcome, string? Id)> MergeAsync(string id, string otherId)
    {
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            if (await ResolveAsync(id) is not { } target)
            {
                return (MergeOutcome.NotFound, null);
            }

            if (await ResolveAsync(otherId) is not { } other)
            {
                return (MergeOutcome.OtherNotFound, null);
            }

            if (target == other)
            {
                return (MergeOutcome.Same, target);
            }

            if (await MergeOnceAsync(target, other) == "ok")
            {
                return (MergeOutcome.Merged, target);
            }
        }

        return (MergeOutcome.NotFound, null);
    }

    private async Task<string?> MergeOnceAsync(string target, string other) =>
        (string?)await Db.ScriptEvaluateAsync(
            CustomerScripts.Merge,
            [CustomerKeys.ByIdentity, CustomerKeys.ByEmail, CustomerKeys.ByPhone, CustomerKeys.ByConversation, CustomerKeys.Search,
             .. CustomerKeys.All(target), .. CustomerKeys.All(other), CustomerKeys.Stages(target), CustomerKeys.Stages(other)],
            [target, other, FirstStage]);

    /// <summary>The customer's interest record ids, newest first, one page.</summary>
    /// <summary>
    /// The customer's conversations and every interest record id: what an erasure has to remove besides the card.
    /// Null for an unknown (or merged-away) id; <paramref name="id"/> may be merged: the customer it went to is read.
    /// </summary>
    public async Task<(string Id, IReadOnlyList<CustomerIdentity> Identities, IReadOnlyList<string> Conversations, IReadOnlyList<string> Records)?> FootprintAsync(string id)
    {
        if (await ResolveAsync(id) is not { } live)
        {
            return null;
        }

        var identities = await Db.HashValuesAsync(CustomerKeys.Identities(live));
        var conversations = await Db.SetMembersAsync(CustomerKeys.Conversations(live));
        var records = await Db.SortedSetRangeByRankAsync(CustomerKeys.Records(live));
        return (live,
            [.. identities.Select(v => JsonSerializer.Deserialize((string)v!, CustomersJson.Default.CustomerIdentity)!)],
            [.. conversations.Select(c => (string)c!).Order(StringComparer.Ordinal)],
            [.. records.Select(r => (string)r!)]);
    }

    /// <summary>Forgets the customer's card: name, photo, contacts, tags, notes, funnel moves, and every index entry naming them.</summary>
    public async Task<bool> EraseCardAsync(string id) =>
        (long)await Db.ScriptEvaluateAsync(
            CustomerScripts.Erase,
            [CustomerKeys.ByIdentity, CustomerKeys.ByEmail, CustomerKeys.ByPhone, CustomerKeys.ByConversation, CustomerKeys.Search, .. CustomerKeys.All(id), CustomerKeys.Stages(id)],
            [id]) == 1;

    public async Task<(IReadOnlyList<string> Ids, bool HasMore)?> RecordIdsAsync(string id, int page, int pageSize)
    {
        if (await ResolveAsync(id) is not { } live)
        {
            return null;
        }

        var start = (long)(page - 1) * pageSize;
        var ids = await Db.SortedSetRangeByRankAsync(CustomerKeys.Records(live), start, start + pageSize, Order.Descending);
        var hasMore = ids.Length > pageSize;
        return ([.. ids.Take(pageSize).Select(i => (string)i!)], hasMore);
    }

    private static string[] NameTerms(string? name)
    {
        var normal = string.Join(' ', (name ?? "").ToLowerInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        if (normal.Length == 0)
        {
            return [];
        }

        normal = normal.Length > 100 ? normal[..100] : normal;
        return [.. new[] { normal }.Concat(normal.Split(' ')).Distinct(StringComparer.Ordinal)];
    }

    private static IEnumerable<string> ContactTerms(string? email, string? phone)
    {
        if (email is not null)
        {
            yield return email;
        }

        if (phone is not null)
        {
            yield return phone;
            yield return phone[1..];
        }
    }

    private static List<string> Sorted(RedisValue[] values) => [.. values.Select(v => (string)v!).Order(StringComparer.Ordinal)];

    private static DateTimeOffset? Time(string? unixMs) =>
        long.TryParse(unixMs, NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms) ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
}

/// <summary>One inbound record as the customer linker sees it.</summary>
public sealed record CustomerSighting
{
    public required string SourceType { get; init; }
    public required string UserId { get; init; }
    public required string ConversationId { get; init; }
    public required DateTimeOffset At { get; init; }
    public string? RecordId { get; init; }
    public string? Name { get; init; }
    public bool NameFromRequest { get; init; }
    public string? PhotoUrl { get; init; }
    public string? ProfileUrl { get; init; }
    public string? Email { get; init; }
    public string? Phone { get; init; }

    /// <summary>The e-mail and phone are proven to be this identity's (<c>Customers:TrustContactsFrom</c>): they may link it to another customer.</summary>
    public bool ContactsProven { get; init; }
}

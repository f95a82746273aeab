using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using SupportBot.Handoff;
using SupportBot.Interests.Distribution;
using StackExchange.Redis;

namespace SupportBot.Interests;

public enum InterestChangeStatus
{
    Done,
    NotFound,
    /// <summary>The record is not in a state that allows the change (taken by another, already processed, a reply).</summary>
    Conflict,
}

/// <summary>What a change did: the record as it is now, or why not.</summary>
public sealed record InterestChange(InterestChangeStatus Status, InterestRecord? Record = null, string? Detail = null)
{
    public static readonly InterestChange NotFound = new(InterestChangeStatus.NotFound);

    public static InterestChange Conflict(InterestRecord record, string detail) => new(InterestChangeStatus.Conflict, record, detail);
}

/// <summary>
/// The interest log in Redis. A record's JSON is stored as written (rewritten only by a re-run of
/// the same turn, and its fields by the model's later enrichment); what people do with it (responsible, processed, note, reply evidence) lives
/// in a hash beside it (<see cref="RedisKeys.InterestWork"/>), which also carries the few fields the
/// feed filters on, and agents' tags. Sorted-set indexes by time, source, action, direction, product, responsible,
/// open state, word and tag (score = unix ms) serve the feed. Writes are idempotent by record id; records past
/// <c>Interests:RetentionDays</c> are removed with every index entry (<see cref="InterestRetention"/>).
/// </summary>
public sealed partial class InterestLog(IConnectionMultiplexer redis, IEnumerable<IInterestObserver> observers, InterestRouting routing, ILogger<InterestLog> logger)
{
    private readonly IInterestObserver[] _observers = [.. observers];

    /// <summary>Tries of a script refused because the work state changed between read and write.</summary>
    private const int MaxTries = 20;

    public const string Unassigned = "unassigned";

    /// <summary>A stable record id from what identifies the event, so re-runs overwrite instead of duplicating.</summary>
    public static string RecordId(string direction, string conversationId, string eventId)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{direction}\n{conversationId}\n{eventId}"));
        return direction + "-" + Convert.ToHexStringLower(hash.AsSpan(0, 12));
    }

    /// <summary><c>agent:&lt;id&gt;</c> stays; bot, queue and nobody are all "unassigned" in the feed.</summary>
    public static string ResponsibleGroup(string? responsible) =>
        responsible is not null && responsible.StartsWith("agent:", StringComparison.Ordinal) ? responsible : Unassigned;

    public async Task AppendAsync(InterestRecord record)
    {
        // One shape whoever wrote it: intent and sentiment on the record, tags only in the work state, and the
        // department fixed now (reports group by it, so it must not move when the chat does later).
        record = record.WithEnrichmentLifted() with { Tags = null };
        if (record.Department is null && await routing.DepartmentOfAsync(record) is { } department)
        {
            record = record with { Department = department };
        }

        var db = redis.GetDatabase();
        var score = record.Date.ToUnixTimeMilliseconds();
        var json = JsonSerializer.Serialize(record, BotJson.Default.InterestRecord);
        var inbound = record.Direction == "in";
        var doneAfter = !inbound || record.Processed ? "1" : "0";
        var respAfter = record.Responsible ?? "";
        var product = record.Product is { Length: > 0 } p ? p.ToLowerInvariant() : "";
        var words = InterestWords.Of(record.Text, record.Author.Name);
        long result = -1;
        for (var attempt = 0; attempt < MaxTries && result == -1; attempt++)
        {
            // First as a new record (the usual case, no read needed); the script refuses if it is not, and then we read.
            var respBefore = "";
            var doneBefore = "";
            if (attempt > 0)
            {
                var before = await db.HashGetAsync(RedisKeys.InterestWork(record.Id), [WorkField.Responsible, WorkField.Done]);
                respBefore = (string?)before[0] ?? "";
                doneBefore = (string?)before[1] ?? "";
            }

            RedisKey[] keys =
            [
                RedisKeys.Interest(record.Id), RedisKeys.InterestWork(record.Id), RedisKeys.InterestsByTime,
                RedisKeys.InterestsBySource(record.SourceType), RedisKeys.InterestsByAction(record.Action),
                RedisKeys.InterestsByDirection(record.Direction), RedisKeys.InterestsByProduct(product),
                RedisKeys.InterestsByResponsible(ResponsibleGroup(respBefore)), RedisKeys.InterestsByResponsible(ResponsibleGroup(respAfter)),
                RedisKeys.InterestsOpenOf(ResponsibleGroup(respBefore)), RedisKeys.InterestsOpenOf(ResponsibleGroup(respAfter)),
                RedisKeys.InterestsOpen, RedisKeys.ConversationOpenInterests(record.ConversationId),
                // From here on every key simply gets the record (scored by its time): its words, and its conversation's list.
                .. words.Select(RedisKeys.InterestsByWord), RedisKeys.ConversationInterests(record.ConversationId),
            ];
            result = (long)await db.ScriptEvaluateAsync(
                InterestScripts.Append, keys,
                [record.Id, score, json, respBefore, doneBefore, respAfter, doneAfter, inbound ? "1" : "0", product.Length > 0 ? "1" : "0",
                 record.SourceType, record.Action, record.Direction, product, record.ConversationId,
                 record.ProcessedAt?.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) ?? "", record.ProcessedBy ?? ""]);
        }

        if (result == -1)
        {
            throw new InvalidOperationException($"Interest record {record.Id} kept changing while it was written.");
        }

        if (result == 1)
        {
            await NotifyAsync(o => o.RecordAddedAsync(record));
        }

        // An agent's reply went out: what the customer said before it in that conversation is answered.
        if (record.Direction == "out" && record.Author.Id.StartsWith("agent:", StringComparison.Ordinal))
        {
            await ProcessByReplyAsync(record);
        }
    }

    /// <summary>Tells every observer at once (they are independent, so their round trips overlap).</summary>
    private Task NotifyAsync(Func<IInterestObserver, Task> call)
    {
        if (_observers.Length == 0)
        {
            return Task.CompletedTask;
        }

        var calls = new Task[_observers.Length];
        for (var i = 0; i < _observers.Length; i++)
        {
            calls[i] = Tell(_observers[i]);
        }

        return Task.WhenAll(calls);

        async Task Tell(IInterestObserver observer)
        {
            try
            {
                await call(observer);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Log.InterestObserverFailed(logger, observer.GetType().Name, e);
            }
        }
    }

    public async Task<InterestRecord?> GetAsync(string id)
    {
        var db = redis.GetDatabase();
        var jsonTask = db.StringGetAsync(RedisKeys.Interest(id));
        var workTask = db.HashGetAllAsync(RedisKeys.InterestWork(id));
        return Merge(await jsonTask, await workTask);
    }

    /// <summary>The record as written, with its work state laid over it.</summary>
    internal static InterestRecord? Merge(RedisValue json, HashEntry[] work)
    {
        if (json.IsNull)
        {
            return null;
        }

        var record = JsonSerializer.Deserialize((string)json!, BotJson.Default.InterestRecord)!.WithEnrichmentLifted();
        if (work.Length == 0)
        {
            return record with { Tags = [] }; // written before the feed kept work state
        }

        var map = work.ToDictionary(f => (string)f.Name!, f => (string?)f.Value);
        var tags = TagsOf(work);
        if (!map.TryGetValue(WorkField.Done, out var done))
        {
            return record with { Tags = tags };
        }

        return record with
        {
            Tags = tags,
            Responsible = map.GetValueOrDefault(WorkField.Responsible) is { Length: > 0 } resp ? resp : null,
            Processed = done == "1",
            ProcessedAt = long.TryParse(map.GetValueOrDefault(WorkField.At), CultureInfo.InvariantCulture, out var at) ? DateTimeOffset.FromUnixTimeMilliseconds(at) : null,
            ProcessedBy = map.GetValueOrDefault(WorkField.By) is { Length: > 0 } by ? by : null,
            ProcessedNote = map.GetValueOrDefault(WorkField.Note),
            ReplyMessageId = map.GetValueOrDefault(WorkField.Evidence),
            ReplyLink = map.GetValueOrDefault(WorkField.Link),
        };
    }

    // ---- Work on a record

    /// <summary>"Take it": the first agent wins; a second gets a conflict naming who has it.</summary>
    public Task<InterestChange> TakeAsync(string id, string agentId) => ChangeAsync(id, current =>
    {
        var agent = "agent:" + agentId;
        if (current.Direction != "in")
        {
            return Refuse("Our own replies are evidence, not work to take.");
        }

        if (current.Responsible == agent)
        {
            return NoChange;
        }

        if (ResponsibleGroup(current.Responsible) != Unassigned)
        {
            return Refuse($"{current.Responsible} has it already.");
        }

        return current.Processed ? Refuse($"Already processed by {current.ProcessedBy}.") : new Plan(agent, current.Processed, [], []);
    });

    /// <summary>A supervisor (or the distribution) makes an agent responsible, whoever had it.</summary>
    public Task<InterestChange> AssignAsync(string id, string agentId) => ChangeAsync(id, current =>
        current.Direction != "in" ? Refuse("Our own replies are evidence, not work to assign.")
        : current.Responsible == "agent:" + agentId ? NoChange
        : new Plan("agent:" + agentId, current.Processed, [], []));

    /// <summary>The distribution's assignment: only while nobody has it and it is open.</summary>
    public Task<InterestChange> AssignIfUnassignedAsync(string id, string agentId) => ChangeAsync(id, current =>
        current.Direction != "in" || current.Processed || ResponsibleGroup(current.Responsible) != Unassigned
            ? Refuse("Taken or processed meanwhile.")
            : new Plan("agent:" + agentId, false, [], []));

    /// <summary>Marked processed by hand, with what was done.</summary>
    public Task<InterestChange> MarkProcessedAsync(string id, string agentId, string note, DateTimeOffset at) => ChangeAsync(id, current =>
        current.Direction != "in" ? Refuse("Our own replies are processed from the start.")
        : current.Processed ? Refuse($"Already processed by {current.ProcessedBy}.")
        : new Plan(
            ResponsibleGroup(current.Responsible) == Unassigned ? "agent:" + agentId : current.Responsible ?? "",
            true,
            [new(WorkField.At, at.ToUnixTimeMilliseconds()), new(WorkField.By, "agent:" + agentId), new(WorkField.Note, note)],
            [WorkField.Evidence, WorkField.Link]));

    /// <summary>Open again (the answer was not enough); who is responsible stays.</summary>
    public Task<InterestChange> ReopenAsync(string id) => ChangeAsync(id, current =>
        current.Direction != "in" ? Refuse("Our own replies cannot be reopened.")
        : !current.Processed ? NoChange
        : new Plan(current.Responsible ?? "", false, [], [WorkField.At, WorkField.By, WorkField.Note, WorkField.Evidence, WorkField.Link]));

    /// <summary>
    /// The chat has a new holder (an agent took it, was offered it, or it went back to the queue): its open inbound records
    /// follow, so the feed does not offer "Take it" on a chat an agent already has. A record moves when nobody has it
    /// (bot, queue, unassigned) and an agent takes over, or when it was with the holder who lost the chat
    /// (<paramref name="fromResponsible"/>); a record someone else took by hand stays theirs.
    /// </summary>
    /// <param name="toResponsible"><c>agent:&lt;id&gt;</c> or <c>queue</c>.</param>
    public async Task FollowChatAsync(string conversationId, string toResponsible, string? fromResponsible = null)
    {
        var open = await redis.GetDatabase().SortedSetRangeByRankAsync(RedisKeys.ConversationOpenInterests(conversationId));
        var toAgent = toResponsible.StartsWith("agent:", StringComparison.Ordinal);
        foreach (var id in open)
        {
            await ChangeAsync((string)id!, current =>
                current.Direction != "in" || current.Processed || current.Responsible == toResponsible ? NoChange
                : (toAgent && ResponsibleGroup(current.Responsible) == Unassigned) || (fromResponsible is not null && current.Responsible == fromResponsible)
                    ? new Plan(toResponsible, false, [], [])
                    : NoChange);
        }
    }

    /// <summary>Open inbound records of the reply's conversation, up to the reply, are processed by its agent, with the reply as evidence.</summary>
    private async Task ProcessByReplyAsync(InterestRecord reply)
    {
        var open = await redis.GetDatabase().SortedSetRangeByScoreAsync(
            RedisKeys.ConversationOpenInterests(reply.ConversationId), double.NegativeInfinity, reply.Date.ToUnixTimeMilliseconds());
        var agent = reply.Author.Id;
        foreach (var id in open)
        {
            await ChangeAsync((string)id!, current =>
            {
                if (current.Processed || current.Direction != "in")
                {
                    return NoChange;
                }

                HashEntry[] set = reply.SourceLink is { } link
                    ? [new(WorkField.At, reply.Date.ToUnixTimeMilliseconds()), new(WorkField.By, agent), new(WorkField.Evidence, reply.ChannelMessageId ?? ""), new(WorkField.Link, link)]
                    : [new(WorkField.At, reply.Date.ToUnixTimeMilliseconds()), new(WorkField.By, agent), new(WorkField.Evidence, reply.ChannelMessageId ?? "")];
                return new Plan(
                    ResponsibleGroup(current.Responsible) == Unassigned ? agent : current.Responsible ?? "",
                    true, set, reply.SourceLink is null ? [WorkField.Note, WorkField.Link] : [WorkField.Note]);
            });
        }
    }

    /// <summary>The work state a change leads to; <see cref="Refusal"/> set when it is refused.</summary>
    private sealed record Plan(string RespAfter, bool DoneAfter, HashEntry[] Set, RedisValue[] Delete, string? Refusal = null, bool Nothing = false);

    private static Plan Refuse(string why) => new("", false, [], [], why);

    private static readonly Plan NoChange = new("", false, [], [], Nothing: true);

    /// <summary>Reads, decides, and writes if nothing changed meanwhile (else reads again); tells the observers.</summary>
    private async Task<InterestChange> ChangeAsync(string id, Func<InterestRecord, Plan> decide)
    {
        var db = redis.GetDatabase();
        for (var attempt = 0; attempt < MaxTries; attempt++)
        {
            var jsonTask = db.StringGetAsync(RedisKeys.Interest(id));
            var workTask = db.HashGetAllAsync(RedisKeys.InterestWork(id));
            var work = await workTask;
            if (Merge(await jsonTask, work) is not { } current)
            {
                return InterestChange.NotFound;
            }

            if (work.Length == 0)
            {
                await AppendAsync(current); // written before the feed kept work state: index it now
                continue;
            }

            var plan = decide(current);
            if (plan.Refusal is not null)
            {
                return InterestChange.Conflict(current, plan.Refusal);
            }

            if (plan.Nothing)
            {
                return new InterestChange(InterestChangeStatus.Done, current);
            }

            var respBefore = current.Responsible ?? "";
            var inbound = current.Direction == "in";
            var result = (long)await db.ScriptEvaluateAsync(
                InterestScripts.Change,
                [RedisKeys.InterestWork(id),
                 RedisKeys.InterestsByResponsible(ResponsibleGroup(respBefore)), RedisKeys.InterestsByResponsible(ResponsibleGroup(plan.RespAfter)),
                 RedisKeys.InterestsOpenOf(ResponsibleGroup(respBefore)), RedisKeys.InterestsOpenOf(ResponsibleGroup(plan.RespAfter)),
                 RedisKeys.InterestsOpen, RedisKeys.ConversationOpenInterests(current.ConversationId)],
                [id, current.Date.ToUnixTimeMilliseconds(), respBefore, current.Processed ? "1" : "0", plan.RespAfter, plan.DoneAfter ? "1" : "0",
                 inbound ? "1" : "0", plan.Set.Length, .. plan.Set.SelectMany(f => new[] { f.Name, f.Value }), .. plan.Delete]);
            if (result == 1)
            {
                var after = await GetAsync(id) ?? current;
                await NotifyAsync(o => o.RecordChangedAsync(current, after));
                return new InterestChange(InterestChangeStatus.Done, after);
            }
        }

        throw new InvalidOperationException($"Interest record {id} kept changing; gave up after {MaxTries} tries.");
    }

    /// <summary>The work hash's fields.</summary>
    internal static class WorkField
    {
        public const string Responsible = "resp";
        public const string Done = "done";
        public const string At = "at";
        public const string By = "by";
        public const string Note = "note";
        public const string Evidence = "evid";
        public const string Link = "link";
        public const string Source = "src";
        public const string Action = "act";
        public const string Direction = "dir";
        public const string Product = "prod";

        /// <summary>A tag is a field of its own, <c>t:&lt;tag&gt;</c>, so adding and removing one is a single HSET or HDEL.</summary>
        public const string TagPrefix = "t:";

        /// <summary>Set once the record's first response was counted in the reports.</summary>
        public const string FirstResponseCounted = "frc";
    }
}

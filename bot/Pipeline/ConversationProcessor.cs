using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using SupportBot.Contracts;
using SupportBot.Dialogs;
using SupportBot.Handoff;
using SupportBot.Interests;
using SupportBot.Pipeline.Outbox;
using StackExchange.Redis;

namespace SupportBot.Pipeline;

/// <summary>
/// Works through one conversation while holding its lease: sends what is due in its outbox, then
/// takes the oldest inbound activity, runs the turn, logs the interest and commits the result in
/// one script. Activities of a conversation are thus handled one at a time, in arrival order.
/// </summary>
internal sealed class ConversationProcessor(
    IConnectionMultiplexer redis,
    TurnRouter router,
    HandoffService handoff,
    InterestLog interests,
    OutboxDispatcher outbox,
    IOptions<PipelineOptions> options,
    TimeProvider time,
    ILogger<ConversationProcessor> logger)
{
    /// <returns>When the conversation should be looked at again because a send is waiting to be retried; null when nothing waits.</returns>
    public async Task<DateTimeOffset?> RunAsync(ConversationLease lease, CancellationToken stopping)
    {
        var conversationId = lease.ConversationId;
        using var scope = logger.BeginScope("Conversation {ConversationId}", conversationId);
        for (var handled = 0; ; handled++)
        {
            if (!await lease.RenewIfDueAsync())
            {
                throw new LeaseLostException(conversationId);
            }

            var retryAt = await outbox.DrainAsync(lease, CancellationToken.None);
            if (retryAt is not null)
            {
                return retryAt;
            }

            // Finish the turn in hand on shutdown, but start no new one.
            if (stopping.IsCancellationRequested || handled >= options.Value.MaxActivitiesPerLease)
            {
                return null;
            }

            if (!await ProcessNextAsync(lease))
            {
                return null;
            }
        }
    }

    private async Task<bool> ProcessNextAsync(ConversationLease lease)
    {
        var db = redis.GetDatabase();
        var conversationId = lease.ConversationId;
        var head = await db.ListGetByIndexAsync(RedisKeys.Inbox(conversationId), 0);
        if (head.IsNull)
        {
            return false;
        }

        var raw = (string)head!;
        if (!TryReadActivity(raw, out var activity))
        {
            // Unreadable (e.g. written by an incompatible version): set it aside instead of failing on it forever.
            Log.ActivityUnreadable(logger, conversationId);
            await db.ListRightPushAsync(RedisKeys.UnreadableActivities, raw);
            if ((long)await db.ScriptEvaluateAsync(PipelineScripts.PopHead, [lease.Key, RedisKeys.Inbox(conversationId)], [lease.Token, raw]) != 1)
            {
                throw new LeaseLostException(conversationId);
            }

            return true;
        }

        var sequence = activity.Sequence;
        using var turn = Observability.BotTelemetry.StartTurn(activity);
        for (var attempt = 1; ; attempt++)
        {
            var ownerTask = db.StringGetAsync(RedisKeys.Owner(conversationId));
            var stateTask = db.StringGetAsync(RedisKeys.State(conversationId));
            var owner = ConversationOwner.Parse(await ownerTask);
            var state = ReadState(await stateTask, conversationId);

            var decision = await router.RouteAsync(activity, owner, state, CancellationToken.None);
            var result = await CommitAsync(lease, raw, activity, state, decision);
            if (result == OwnerChanged && attempt < 4)
            {
                continue; // an agent took (or left) the chat while the turn ran: decide again, so the bot never talks over them
            }

            if (result != 1)
            {
                throw new LeaseLostException(conversationId);
            }

            if (decision.HandoffReason is not null)
            {
                turn?.SetTag("handoff.reason", decision.HandoffReason);
                Log.HandoffRequested(logger, conversationId, decision.HandoffReason);
                if (decision.Escalation is { Announce: true } escalation)
                {
                    await handoff.AnnounceAsync(conversationId, escalation, decision.HandoffReason);
                }
            }

            if (decision.Owner.AgentId is { } agentId && activity.Kind != ActivityKind.ConversationStart)
            {
                await handoff.NotifyCustomerMessageAsync(conversationId, agentId, activity);
            }

            Log.TurnCommitted(logger, conversationId, sequence, activity.Kind, decision.Replies.Count);
            return true;
        }
    }

    private const long OwnerChanged = -3;

    /// <summary>Logs the interest records and commits the turn in one script; returns the script's answer.</summary>
    private async Task<long> CommitAsync(ConversationLease lease, string raw, ChannelActivity activity, BotConversationState state, TurnDecision decision)
    {
        var db = redis.GetDatabase();
        var conversationId = activity.ConversationId;
        var sequence = activity.Sequence;
        var now = time.GetUtcNow();
        var inbound = activity.Kind != ActivityKind.ConversationStart;
        if (inbound)
        {
            await interests.AppendAsync(InboundRecord(activity, decision, state.Language, now));
        }

        for (var i = 0; i < decision.Requests?.Count; i++)
        {
            await interests.AppendAsync(RequestRecord(activity, decision.Requests[i], i, decision, state.Language));
        }

        var replies = decision.Replies.Select((message, index) => (RedisValue)JsonSerializer.Serialize(
            new OutboxItem
            {
                Id = $"{conversationId}:{sequence}:{index}",
                Channel = activity.Channel,
                ConversationId = conversationId,
                ChannelAccount = activity.ChannelAccount,
                RecipientId = activity.From.Id,
                Message = message,
                InReplyToEventId = activity.EventId,
                Language = state.Language,
                CreatedAt = now,
            },
            BotJson.Default.OutboxItem));

        // The console's transcript: the customer's message and the bot's answers, marked as such.
        var transcript = new List<RedisValue>();
        if (inbound)
        {
            transcript.Add(JsonSerializer.Serialize(
                new TranscriptEntry
                {
                    AtUnixMs = activity.ReceivedAt.ToUnixTimeMilliseconds(),
                    From = "customer",
                    Text = activity.Text,
                    Kind = activity.Kind == ActivityKind.Message ? null : ActionOf(activity.Kind),
                    // Where the agent can open it (our own file proxy for Telegram), else what it is (a location, a contact).
                    Attachments = activity.Attachments is { Count: > 0 } files ? [.. files.Select(a => a.Url ?? a.Name ?? a.ContentType)] : null,
                },
                ConversationJson.Default.TranscriptEntry));
        }

        transcript.AddRange(decision.Replies.Select(reply => (RedisValue)JsonSerializer.Serialize(
            new TranscriptEntry { AtUnixMs = now.ToUnixTimeMilliseconds(), From = "bot", Text = reply.Text }, ConversationJson.Default.TranscriptEntry)));

        var profile = JsonSerializer.Serialize(
            new ConversationProfile
            {
                Channel = activity.Channel,
                ChannelAccount = activity.ChannelAccount,
                UserId = activity.From.Id,
                Name = activity.From.Name,
                PhotoUrl = activity.From.PhotoUrl,
                ProfileUrl = activity.From.ProfileUrl,
                Language = state.Language,
                LastActivityUnixMs = activity.ReceivedAt.ToUnixTimeMilliseconds(),
            },
            ConversationJson.Default.ConversationProfile);

        // A message in a chat an agent holds is one of the handoff's events (its figures come from them).
        var handoffEvent = inbound && decision.Owner.IsAgent
            ? new HandoffEvent { Type = "customer_message", AtUnixMs = activity.ReceivedAt.ToUnixTimeMilliseconds(), AgentId = decision.Owner.AgentId }.ToJson()
            : "";

        var ttl = (long)TimeSpan.FromDays(options.Value.ConversationTtlDays).TotalMilliseconds;
        return (long)await db.ScriptEvaluateAsync(
            PipelineScripts.CommitTurn,
            [lease.Key, RedisKeys.Inbox(conversationId), RedisKeys.State(conversationId), RedisKeys.Owner(conversationId), RedisKeys.Outbox(conversationId),
             RedisKeys.Transcript(conversationId), RedisKeys.Profile(conversationId), RedisKeys.HandoffEvents(conversationId)],
            [lease.Token, raw, JsonSerializer.Serialize(state, BotJson.Default.BotConversationState), decision.Owner.Value, ttl, profile, handoffEvent,
             transcript.Count, .. transcript, .. replies]);
    }

    private static InterestRecord InboundRecord(ChannelActivity activity, TurnDecision decision, string? language, DateTimeOffset now) => new()
    {
        Id = InterestLog.RecordId("in", activity.ConversationId, activity.EventId),
        Date = activity.ReceivedAt,
        SourceType = activity.Channel,
        SourceLink = activity.SourceLink,
        Author = new InterestAuthor(activity.From.Id, activity.From.Name, activity.From.PhotoUrl, activity.From.ProfileUrl),
        Action = ActionOf(activity.Kind),
        Direction = "in",
        Text = activity.Text,
        Product = activity.ProductHint,
        ConversationId = activity.ConversationId,
        ChannelAccount = activity.ChannelAccount,
        Language = language,
        Responsible = decision.Owner.IsQueued ? "queue" : decision.Owner.Value,
        Processed = decision.AnsweredByBot,
        ProcessedAt = decision.AnsweredByBot ? now : null,
        ProcessedBy = decision.AnsweredByBot ? "bot" : null,
        ReplyAction = activity.SourceLink ?? "conversation:" + activity.ConversationId,
        Fields = WithSentiment(decision.RecordFields, activity.Text),
        EventId = activity.EventId,
    };

    /// <summary>Every inbound text gets a sentiment: the bot's when it ran, else the on-machine lexicon's (an agent's chat, a queued customer).</summary>
    private static IReadOnlyDictionary<string, string>? WithSentiment(IReadOnlyDictionary<string, string>? fields, string? text)
    {
        if (string.IsNullOrWhiteSpace(text) || fields?.ContainsKey(Dialogs.Demo.ShopBot.SentimentField) == true)
        {
            return fields is { Count: > 0 } ? fields : null;
        }

        var merged = fields is null ? new Dictionary<string, string>(StringComparer.Ordinal) : new Dictionary<string, string>(fields, StringComparer.Ordinal);
        merged[Dialogs.Demo.ShopBot.SentimentField] = Dialogs.Enrichment.SentimentLexicon.Classify(text);
        return merged;
    }

    /// <summary>An inbox item is <c>&lt;arrival number&gt;|&lt;activity json&gt;</c>.</summary>
    private static bool TryReadActivity(string raw, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ChannelActivity? activity)
    {
        activity = null;
        var separator = raw.IndexOf('|', StringComparison.Ordinal);
        if (separator <= 0 || !long.TryParse(raw.AsSpan(0, separator), NumberStyles.None, CultureInfo.InvariantCulture, out var sequence))
        {
            return false;
        }

        try
        {
            activity = JsonSerializer.Deserialize(raw.AsSpan(separator + 1), BotJson.Default.ChannelActivity);
        }
        catch (JsonException)
        {
            return false;
        }

        activity = activity is null ? null : activity with { Sequence = sequence };
        return activity is not null;
    }

    /// <summary>The saved state, or a fresh one when there is none or it cannot be read (the conversation goes on rather than stalls).</summary>
    private BotConversationState ReadState(RedisValue json, string conversationId)
    {
        if (json.IsNull)
        {
            return new BotConversationState();
        }

        try
        {
            return JsonSerializer.Deserialize((string)json!, BotJson.Default.BotConversationState) ?? new BotConversationState();
        }
        catch (JsonException)
        {
            Log.StateUnreadable(logger, conversationId);
            return new BotConversationState();
        }
    }

    /// <summary>A request collected by the bot: open (not processed) until a person works on it.</summary>
    private static InterestRecord RequestRecord(ChannelActivity activity, LeadRequest request, int index, TurnDecision decision, string? language) => new()
    {
        Id = InterestLog.RecordId("req", activity.ConversationId, $"{activity.EventId}:{index}"),
        Date = activity.ReceivedAt,
        SourceType = activity.Channel,
        SourceLink = activity.SourceLink,
        Author = new InterestAuthor(activity.From.Id, request.Fields.TryGetValue("name", out var name) ? name : activity.From.Name, activity.From.PhotoUrl, activity.From.ProfileUrl),
        Action = "request",
        Direction = "in",
        Text = request.Topic + ": " + string.Join("; ", request.Fields.Select(f => $"{f.Key}: {f.Value}")),
        Product = activity.ProductHint,
        ConversationId = activity.ConversationId,
        ChannelAccount = activity.ChannelAccount,
        Language = language,
        Responsible = decision.Owner.IsBot ? null : decision.Owner.IsQueued ? "queue" : decision.Owner.Value,
        Processed = false,
        ReplyAction = activity.SourceLink ?? "conversation:" + activity.ConversationId,
        Fields = request.Fields,
        EventId = activity.EventId,
    };

    /// <summary>The lead card's action words: e-mails and button presses are messages there.</summary>
    internal static string ActionOf(ActivityKind kind) => kind switch
    {
        ActivityKind.Email or ActivityKind.Button or ActivityKind.Message => "message",
        _ => kind.ToString().ToLowerInvariant(),
    };
}

using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using SupportBot.Contracts;
using SupportBot.Dialogs;
using SupportBot.Dialogs.Demo;
using SupportBot.Dialogs.Enrichment;
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
            if (stopping.IsCancellationRequested || handled >= options.Value.MaxActivitiesPerLease || lease.Snapshot.InboxHead is not { } head)
            {
                return null;
            }

            await ProcessAsync(lease, head);
        }
    }

    /// <summary>Handles the inbox's head: the turn, its interest records, and one commit script.</summary>
    private async Task ProcessAsync(ConversationLease lease, string raw)
    {
        var conversationId = lease.ConversationId;
        if (!TryReadActivity(raw, out var activity))
        {
            // Unreadable (e.g. written by an incompatible version): set it aside instead of failing on it forever.
            Log.ActivityUnreadable(logger, conversationId);
            await redis.GetDatabase().ListRightPushAsync(RedisKeys.UnreadableActivities, raw);
            await lease.PopAsync(RedisKeys.Inbox(conversationId), raw);
            return;
        }

        var sequence = activity.Sequence;
        var snapshot = lease.Snapshot;
        using var turn = Observability.BotTelemetry.StartTurn(activity);
        for (var attempt = 1; ; attempt++)
        {
            // A fresh copy each attempt: a turn that is run again must not see what the refused one did to the state.
            var state = ReadState(snapshot.StateJson, conversationId);
            var decision = await router.RouteAsync(activity, snapshot.Owner, state, snapshot.LastAgent, CancellationToken.None);
            RememberGivenName(state, activity, decision);
            var stateJson = JsonSerializer.Serialize(state, BotJson.Default.BotConversationState);
            var result = await CommitAsync(lease, raw, activity, state, stateJson, decision);
            if (result is OwnerChanged or StateChanged && attempt < 4)
            {
                // An agent took (or left) the chat while the turn ran, or the state is not what it started from:
                // decide again on what is stored, so the bot never talks over an agent.
                await lease.RereadTurnInputsAsync();
                continue;
            }

            if (result != 1)
            {
                throw new LeaseLostException(conversationId);
            }

            snapshot.StateJson = stateJson;
            snapshot.Owner = decision.Owner;
            if (decision.HandoffReason is not null)
            {
                turn?.SetTag("handoff.reason", decision.HandoffReason);
                Log.HandoffRequested(logger, conversationId, decision.HandoffReason);
                if (decision.Escalation is { Announce: true } escalation)
                {
                    await handoff.AnnounceAsync(conversationId, escalation, decision.HandoffReason);
                }

                await lease.RereadTurnInputsAsync(); // the handoff scripts wrote the owner and the last agent
            }

            if ((decision.Owner.IsAgent || decision.Owner.IsQueued) && FromCustomer(activity))
            {
                await handoff.NotifyCustomerMessageAsync(conversationId, decision.Owner.AgentId, activity);
            }

            Log.TurnCommitted(logger, conversationId, sequence, activity.Kind, decision.Replies.Count);
            return;
        }
    }

    /// <summary>State value: the name a customer without a channel name gave in a request (e.g. the intake's "What is your name?").</summary>
    private const string GivenNameKey = "givenName";

    /// <summary>An anonymous web chat has no name; once the customer gives one in a request, the console calls them by it.</summary>
    private static void RememberGivenName(BotConversationState state, ChannelActivity activity, TurnDecision decision)
    {
        if (string.IsNullOrWhiteSpace(activity.From.Name)
            && decision.Requests?.LastOrDefault(r => !string.IsNullOrWhiteSpace(r.Fields.GetValueOrDefault("name"))) is { } request)
        {
            var name = request.Fields["name"].Trim();
            state.Values[GivenNameKey] = name[..Math.Min(name.Length, 100)];
        }
    }

    private const long OwnerChanged = -3;
    private const long StateChanged = -4;

    /// <summary>Logs the interest records and commits the turn in one script; returns the script's answer.</summary>
    private async Task<long> CommitAsync(ConversationLease lease, string raw, ChannelActivity activity, BotConversationState state, string stateJson, TurnDecision decision)
    {
        var conversationId = activity.ConversationId;
        var sequence = activity.Sequence;
        var now = time.GetUtcNow();
        var inbound = FromCustomer(activity);
        if (inbound)
        {
            await interests.AppendAsync(InboundRecord(activity, decision, state.Language, now));
        }

        for (var i = 0; i < decision.Requests?.Count; i++)
        {
            await interests.AppendAsync(RequestRecord(activity, decision.Requests[i], i, decision, state.Language));
        }

        string ReplyId(int index) => $"{conversationId}:{sequence}:{index}";
        var args = new List<RedisValue>(16)
        {
            lease.Token, raw, stateJson, decision.Owner.Value, (long)TimeSpan.FromDays(options.Value.ConversationTtlDays).TotalMilliseconds,
        };

        args.Add(JsonSerializer.Serialize(
            new ConversationProfile
            {
                Channel = activity.Channel,
                ChannelAccount = activity.ChannelAccount,
                UserId = activity.From.Id,
                Name = string.IsNullOrWhiteSpace(activity.From.Name) ? state.Values.GetValueOrDefault(GivenNameKey) : activity.From.Name,
                PhotoUrl = activity.From.PhotoUrl,
                ProfileUrl = activity.From.ProfileUrl,
                Language = state.Language,
                LastActivityUnixMs = activity.ReceivedAt.ToUnixTimeMilliseconds(),
            },
            ConversationJson.Default.ConversationProfile));

        // A message in a chat an agent holds is one of the handoff's events (its figures come from them).
        args.Add(inbound && decision.Owner.IsAgent
            ? new HandoffEvent { Type = "customer_message", AtUnixMs = activity.ReceivedAt.ToUnixTimeMilliseconds(), AgentId = decision.Owner.AgentId }.ToJson()
            : "");

        args.Add(lease.Snapshot.StateJson ?? "");

        // The console's transcript: the customer's message and the bot's answers, marked as such.
        args.Add((inbound ? 1 : 0) + decision.Replies.Count);
        if (inbound)
        {
            args.Add(JsonSerializer.Serialize(
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

        for (var index = 0; index < decision.Replies.Count; index++)
        {
            args.Add(JsonSerializer.Serialize(
                new TranscriptEntry { AtUnixMs = now.ToUnixTimeMilliseconds(), From = "bot", Text = decision.Replies[index].Text, OutboxId = ReplyId(index) },
                ConversationJson.Default.TranscriptEntry));
        }

        for (var index = 0; index < decision.Replies.Count; index++)
        {
            args.Add(JsonSerializer.Serialize(
                new OutboxItem
                {
                    Id = ReplyId(index),
                    Channel = activity.Channel,
                    ConversationId = conversationId,
                    ChannelAccount = activity.ChannelAccount,
                    RecipientId = activity.From.Id,
                    Message = decision.Replies[index],
                    InReplyToEventId = activity.EventId,
                    Language = state.Language,
                    CreatedAt = now,
                },
                BotJson.Default.OutboxItem));
        }

        return await lease.RunWithHeadsAsync(
            PipelineScripts.CommitTurn,
            [lease.Key, RedisKeys.Inbox(conversationId), RedisKeys.State(conversationId), RedisKeys.Owner(conversationId), RedisKeys.Outbox(conversationId),
             RedisKeys.Transcript(conversationId), RedisKeys.Profile(conversationId), RedisKeys.HandoffEvents(conversationId)],
            [.. args]);
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
        Fields = WithSentiment(Merge(activity.Fields, decision.RecordFields), activity.Text),
        EventId = activity.EventId,
    };

    /// <summary>The channel's facts and the bot's; the bot's win on a clash.</summary>
    internal static IReadOnlyDictionary<string, string>? Merge(IReadOnlyDictionary<string, string>? channel, IReadOnlyDictionary<string, string>? bot)
    {
        if (channel is not { Count: > 0 })
        {
            return bot;
        }

        if (bot is not { Count: > 0 })
        {
            return channel;
        }

        var merged = new Dictionary<string, string>(channel, StringComparer.Ordinal);
        foreach (var (key, value) in bot)
        {
            merged[key] = value;
        }

        return merged;
    }

    /// <summary>Every inbound text gets a sentiment: the bot's when it ran, else the on-machine lexicon's (an agent's chat, a queued customer).</summary>
    private static IReadOnlyDictionary<string, string>? WithSentiment(IReadOnlyDictionary<string, string>? fields, string? text)
    {
        // Marked as the lexicon's and the recognizer's until the model's enrichment replaces them (intent_source, sentiment_source).
        if (string.IsNullOrWhiteSpace(text))
        {
            return fields is { Count: > 0 } ? fields : null;
        }

        var merged = fields is null ? new Dictionary<string, string>(StringComparer.Ordinal) : new Dictionary<string, string>(fields, StringComparer.Ordinal);
        if (!merged.ContainsKey(ShopBot.SentimentField))
        {
            merged[ShopBot.SentimentField] = SentimentLexicon.Classify(text);
        }

        merged.TryAdd(EnrichmentClassifier.SentimentSourceField, EnrichmentClassifier.LexiconSource);
        if (merged.ContainsKey(ShopBot.IntentField))
        {
            merged.TryAdd(EnrichmentClassifier.IntentSourceField, EnrichmentClassifier.RecognizerSource);
        }

        return merged;
    }

    /// <summary>What the customer did (not the chat opening, not a later verdict on an earlier message): logged, transcribed, relayed.</summary>
    private static bool FromCustomer(ChannelActivity activity) => activity.Kind.IsCustomerAction();

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
    private BotConversationState ReadState(string? json, string conversationId)
    {
        if (json is null)
        {
            return new BotConversationState();
        }

        try
        {
            return JsonSerializer.Deserialize(json, BotJson.Default.BotConversationState) ?? new BotConversationState();
        }
        catch (JsonException)
        {
            Log.StateUnreadable(logger, conversationId);
            return new BotConversationState();
        }
    }

    /// <summary>
    /// A request collected by the bot: open (not processed) until a person works on it. The bot promised to write or call
    /// at the contact the customer gave, so that is how to answer it; without one, in the conversation.
    /// </summary>
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
        ReplyAction = Customers.Contacts.ReplyLink(request.Fields.GetValueOrDefault("contact"))
            ?? activity.SourceLink ?? "conversation:" + activity.ConversationId,
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

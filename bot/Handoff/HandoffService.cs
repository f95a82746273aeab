using System.Text.Json;
using Microsoft.Extensions.Options;
using SupportBot.Contracts;
using SupportBot.Handoff;
using SupportBot.Handoff.Departments;
using SupportBot.Pipeline;
using SupportBot.Pipeline.Outbox;
using StackExchange.Redis;

namespace SupportBot.Handoff;

/// <summary>How an escalation ended for the customer.</summary>
public enum EscalationKind
{
    /// <summary>Waiting in the queue of an open department.</summary>
    Queued,
    /// <summary>Already waiting from before.</summary>
    AlreadyWaiting,
    /// <summary>An agent holds the chat (already, or the customer's previous agent took it at once).</summary>
    WithAgent,
    /// <summary>Queued for the department's next opening; the bot keeps answering meanwhile.</summary>
    AfterHoursQueued,
    /// <summary>Closed and not queued: kept as an offline request in the interest log.</summary>
    OfflineRequest,
    /// <summary>
    /// This very message already started a handoff that has run its course (resolved, returned, abandoned): its turn
    /// is being run again after a crash, and the customer has been served meanwhile. Nothing more to say.
    /// </summary>
    AlreadyOver,
}

/// <param name="Announce">A new escalation: agents and assigners are to hear of it once the turn is committed.</param>
public sealed record EscalationOutcome(
    EscalationKind Kind, string Department, ConversationOwner Owner, long? Position = null, TimeSpan? EstimatedWait = null, DateTimeOffset? OpensAt = null, bool Announce = false);

/// <summary>
/// The handoff as the rest of the host sees it: routes an escalation to a department within or
/// outside its hours, carries out agents' actions, relays their messages into the conversation's
/// outbox, and tells every instance (agents' live connections, assigners) what happened.
/// </summary>
public sealed class HandoffService(
    HandoffStore store,
    DepartmentDirectory departments,
    IOptions<HandoffOptions> options,
    IConnectionMultiplexer redis,
    WakeSignal pipelineWake,
    PipelineIngress ingress,
    HandoffWake assignerWake,
    TimeProvider time,
    Observability.BotMetrics metrics,
    Interests.InterestLog interests,
    Dialogs.Content.ContentLibrary content,
    ILogger<HandoffService> logger)
{
    public HandoffOptions Options => options.Value;

    private TimeSpan AnswerLease => TimeSpan.FromSeconds(Options.AnswerLeaseSeconds);

    public HandoffStore Store => store;

    public DepartmentDirectory Departments => departments;

    /// <summary>Queue the conversation for a person (or say why not now).</summary>
    /// <param name="origin">The channel event that asked: asking again with the same one (a re-run turn) never starts a second handoff.</param>
    public async Task<EscalationOutcome> EscalateAsync(string conversationId, string reason, string? language, string? hint = null, string? origin = null)
    {
        var department = departments.Route(language, hint ?? reason);
        var now = time.GetUtcNow();
        var open = department.Hours.IsOpen(now);
        if (!open && department.AfterHours == AfterHoursMode.OfflineRequest)
        {
            return new(EscalationKind.OfflineRequest, department.Name, ConversationOwner.Bot, OpensAt: department.Hours.NextOpening(now));
        }

        var running = await store.EscalateAsync(new EscalationRequest(conversationId, department.Name, department.Priority, reason, AfterHours: !open, Origin: origin));
        if (running is HandoffStatus.Offered or HandoffStatus.Assigned)
        {
            return new(EscalationKind.WithAgent, department.Name, await store.OwnerAsync(conversationId));
        }

        if (running is HandoffStatus.Resolved or HandoffStatus.Returned or HandoffStatus.Abandoned)
        {
            return new(EscalationKind.AlreadyOver, department.Name, ConversationOwner.Bot);
        }

        var chat = await store.GetChatAsync(conversationId);
        var queuedIn = departments.Find(chat?.Department) ?? department;
        if (running is null)
        {
            Log.HandoffQueued(logger, conversationId, queuedIn.Name, reason);
            if (open && await OfferToPreviousAgentAsync(conversationId, queuedIn.Name) is { } owner)
            {
                return new(EscalationKind.WithAgent, queuedIn.Name, owner, Announce: true);
            }
        }

        if (chat?.AfterHours == true && !queuedIn.Hours.IsOpen(now))
        {
            return new(EscalationKind.AfterHoursQueued, queuedIn.Name, ConversationOwner.Bot, OpensAt: queuedIn.Hours.NextOpening(now));
        }

        var (position, wait) = await WaitingAsync(conversationId, queuedIn.Name);
        // Waiting from before: the owner is the stored one, not assumed. A chat queued after hours stays with the bot until an
        // agent takes it, also once the department has opened; a turn that claimed "queued" would never commit.
        var waitingOwner = running is null ? ConversationOwner.Queued : await store.OwnerAsync(conversationId);
        return new(running is null ? EscalationKind.Queued : EscalationKind.AlreadyWaiting, queuedIn.Name, waitingOwner, position, wait, Announce: running is null);
    }

    /// <summary>
    /// Tells agents and assigners about a new escalation. Called once the turn that escalated is
    /// committed: an agent who took the chat earlier would silence the bot's "passing you to a person".
    /// </summary>
    public async Task AnnounceAsync(string conversationId, EscalationOutcome outcome, string reason)
    {
        await NotifyAsync(new HandoffNotice("queued", conversationId, Department: outcome.Department, Reason: reason));
        if (outcome.Owner.AgentId is { } agentId)
        {
            await NotifyAsync(new HandoffNotice("offered", conversationId, agentId, outcome.Department, Reason: "returning"));
        }
        else if (outcome.Kind == EscalationKind.Queued)
        {
            await assignerWake.PulseAsync();
        }
    }

    /// <summary>
    /// A customer whose chat an agent resolved within the last hours writes again: straight back to
    /// that agent when they are online with room. Returns the new owner, or null (the bot answers).
    /// </summary>
    public async Task<EscalationOutcome?> ReturnToPreviousAgentAsync(string conversationId, string? language, string? origin = null)
    {
        if (await store.LastAgentAsync(conversationId) is not { } agentId || await store.GetAgentAsync(agentId) is not { Status: PresenceStatus.Online, Alive: true } agent
            || agent.ActiveChats >= agent.Capacity)
        {
            return null;
        }

        var department = departments.Route(language, null);
        if (!department.Hours.IsOpen(time.GetUtcNow()) || await store.EscalateAsync(new EscalationRequest(conversationId, department.Name, department.Priority, "returning-customer", Origin: origin)) is not null)
        {
            return null;
        }

        // The turn announces it once committed (see AnnounceAsync).
        if (await OfferToPreviousAgentAsync(conversationId, department.Name) is { } owner)
        {
            return new(EscalationKind.WithAgent, department.Name, owner, Announce: true);
        }

        var (position, wait) = await WaitingAsync(conversationId, department.Name);
        return new(EscalationKind.Queued, department.Name, ConversationOwner.Queued, position, wait, Announce: true);
    }

    private async Task<ConversationOwner?> OfferToPreviousAgentAsync(string conversationId, string department)
    {
        if (await store.LastAgentAsync(conversationId) is not { } agentId)
        {
            return null;
        }

        if (!(await store.OfferAsync(conversationId, department, agentId, AnswerLease, returning: true)).Succeeded)
        {
            return null;
        }

        return ConversationOwner.Agent(agentId);
    }

    /// <summary>
    /// Position in line and an estimate of the wait from recent handle times and the agents on duty; no estimate when
    /// nobody of the department is online, since then it depends on when someone comes in, not on handle times.
    /// </summary>
    public async Task<(long? Position, TimeSpan? Wait)> WaitingAsync(string conversationId, string department)
    {
        var position = await store.PositionAsync(conversationId, department);
        if (position is null)
        {
            return (null, null);
        }

        var handle = (await store.FiguresAsync("handle", department)).Median ?? TimeSpan.FromSeconds(Options.DefaultHandleSeconds);
        var agents = await Task.WhenAll((await store.DepartmentAgentsAsync(department)).Select(store.GetAgentAsync));
        var seats = agents.Where(a => a is { Status: PresenceStatus.Online, Alive: true }).Sum(a => a!.Capacity);
        if (seats == 0)
        {
            return (position, null);
        }

        // Each seat finishes a chat per handle time; the customer is served when `position` seats have freed.
        var rounds = Math.Ceiling(position.Value / (double)seats);
        return (position, handle * rounds);
    }

    /// <summary>The customer says "never mind" while waiting.</summary>
    public async Task<bool> AbandonAsync(string conversationId)
    {
        var outcome = await store.AbandonAsync(conversationId);
        if (outcome.Succeeded)
        {
            await NotifyAsync(new HandoffNotice("abandoned", conversationId));
        }

        return outcome.Succeeded;
    }

    /// <summary>
    /// The customer rated the chat resolved at <paramref name="closedAt"/> (the survey after the close). False when that
    /// close is not the chat's last any more, or is gone; true also when the rating was kept already (a turn run again).
    /// </summary>
    public async Task<bool> RateAsync(string channel, string conversationId, DateTimeOffset closedAt, int rating)
    {
        switch (await store.RateAsync(conversationId, closedAt, rating))
        {
            case "ok":
                metrics.SatisfactionRating(channel, rating);
                await NotifyAsync(new HandoffNotice("rated", conversationId, Status: rating.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                return true;
            case "already":
                return true;
            default:
                return false;
        }
    }

    /// <summary>The agent takes a waiting chat — or pulls one the bot is handling (e.g. from the interest feed).</summary>
    public async Task<HandoffOutcome> ClaimAsync(string conversationId, string agentId)
    {
        var before = await store.GetChatAsync(conversationId);
        if (before is null && await store.GetProfileAsync(conversationId) is null)
        {
            return new(HandoffRefusal.UnknownChat, $"No conversation '{conversationId}'.");
        }

        var fromBot = (await store.OwnerAsync(conversationId)).IsBot;
        var outcome = await store.ClaimAsync(conversationId, agentId, AnswerLease, pull: true, departments.Default.Name);
        if (outcome.Succeeded)
        {
            if (fromBot)
            {
                await EndBotDialogAsync(conversationId);
            }

            if (before is { Status: HandoffStatus.Queued, QueuedAt: { } queuedAt, Department: { } department })
            {
                metrics.HandoffWait(department, time.GetUtcNow() - queuedAt);
            }

            await NotifyAsync(new HandoffNotice("assigned", conversationId, agentId, before?.Department ?? departments.Default.Name));
        }

        return outcome;
    }

    /// <summary>The agent pulled the chat from the bot: a turn in the conversation's order ends whatever dialog the bot had open.</summary>
    private Task EndBotDialogAsync(string conversationId) => TellCustomerAsync(conversationId, ActivityKind.AgentTookOver, text: null);

    /// <summary>
    /// A turn of the conversation's own, queued after what is already in it (the agent's last reply, the customer's
    /// messages), for what an agent did: <see cref="ActivityKind.AgentTookOver"/> ends the bot's open dialog,
    /// <see cref="ActivityKind.AgentHandedBack"/> tells the customer the bot answers again.
    /// </summary>
    private async Task TellCustomerAsync(string conversationId, ActivityKind kind, string? text, string? eventId = null)
    {
        if (await store.GetProfileAsync(conversationId) is not { } profile)
        {
            return;
        }

        await ingress.AcceptAsync(new ChannelActivity
        {
            Channel = profile.Channel,
            ConversationId = conversationId,
            EventId = eventId ?? (kind == ActivityKind.AgentTookOver ? "taken-over:" : "handed-back:") + Guid.NewGuid().ToString("N"),
            From = new ChannelUser(profile.UserId, profile.Name, profile.PhotoUrl, profile.ProfileUrl),
            Kind = kind,
            Text = text,
            Locale = profile.Language,
            ChannelAccount = profile.ChannelAccount,
        });
    }

    /// <summary>The agent's reply: into the conversation's outbox, sent on its own channel by the pipeline.</summary>
    public async Task<HandoffOutcome> SendAsync(string conversationId, string agentId, string text)
    {
        // Their first line in this chat (after taking it, or receiving it by transfer): the customer learns a person answers, and who.
        var introduce = (await store.GetChatAsync(conversationId))?.AnsweredBy != agentId;
        if (await AgentMessageAsync(conversationId, agentId, text, introduce: introduce) is not { } message)
        {
            return new(HandoffRefusal.UnknownChat, $"No conversation '{conversationId}'.");
        }

        var outcome = await store.AgentMessageAsync(conversationId, agentId, message.OutboxItem, message.TranscriptEntry);
        if (outcome.Succeeded)
        {
            await WakePipelineAsync();
            await NotifyAsync(new HandoffNotice("agent_message", conversationId, agentId));
        }

        return outcome;
    }

    /// <summary>
    /// An agent's message to the customer as the outbox and the console's transcript store it (JSON), addressed from
    /// the conversation's profile; null when the conversation has expired. With <paramref name="introduce"/>, on a channel
    /// that shows the customer no sender of its own, the message begins with the <c>agentIntroduction</c> line.
    /// </summary>
    public async Task<(RedisValue OutboxItem, RedisValue TranscriptEntry)?> AgentMessageAsync(
        string conversationId, string agentId, string text, string? inReplyToEventId = null, bool introduce = false)
    {
        var profileTask = store.GetProfileAsync(conversationId);
        var agentTask = store.GetAgentAsync(agentId);
        if (await profileTask is not { } profile)
        {
            return null;
        }

        var agent = await agentTask;
        var now = time.GetUtcNow();
        var item = new OutboxItem
        {
            Id = $"{conversationId}:agent:{Guid.NewGuid():N}",
            Channel = profile.Channel,
            ConversationId = conversationId,
            ChannelAccount = profile.ChannelAccount,
            RecipientId = profile.UserId,
            Message = new OutgoingMessage(introduce ? Introduced(text, conversationId, profile, agent) : text),
            Author = ConversationOwner.Agent(agentId).Value,
            AuthorName = agent?.Name ?? agentId,
            InReplyToEventId = inReplyToEventId,
            Language = profile.Language,
            CreatedAt = now,
        };
        var entry = new TranscriptEntry { AtUnixMs = now.ToUnixTimeMilliseconds(), From = "agent", AgentId = agentId, Text = text, OutboxId = item.Id };
        return (JsonSerializer.Serialize(item, BotJson.Default.OutboxItem), JsonSerializer.Serialize(entry, ConversationJson.Default.TranscriptEntry));
    }

    /// <summary>
    /// "Anna from our team:" above the text in a private chat on Telegram or VK: there every line comes from the bot's
    /// account, so the customer could not tell a person's first words from the bot's. The web chat labels the agent's lines
    /// and an e-mail carries their name as its sender, so those go as written; so do replies in a group or a comment thread
    /// (everyone reads them) and the text of an agent with no name (only their id).
    /// </summary>
    private string Introduced(string text, string conversationId, ConversationProfile profile, AgentState? agent)
    {
        if (profile.Channel is not (Channels.Telegram.TelegramBots.ChannelName or Channels.Vk.VkConversation.Channel)
            || !Channels.DirectChats.IsDirect(conversationId)
            || agent?.Name is not { Length: > 0 } name || name == agent.AgentId)
        {
            return text;
        }

        var line = Dialogs.Content.BotMessages.Pick(content.Current.Messages.AgentIntroduction, profile.Language ?? "en");
        return line.Length == 0 ? text : line.Replace("{agent}", name, StringComparison.Ordinal) + "\n" + text;
    }

    /// <summary>A message is in an outbox and its conversation is due: wake the pipeline here and on every instance.</summary>
    public async Task WakePipelineAsync()
    {
        pipelineWake.Pulse();
        await redis.GetSubscriber().PublishAsync(RedisKeys.PipelineWake, PipelineIngress.InstanceId, CommandFlags.FireAndForget);
    }

    /// <summary>
    /// Hands a chat to another agent or department. The holder may; with <paramref name="asSupervisor"/> (a supervisor's or
    /// admin's sign-in) the acting agent may also move a chat someone else holds, who then loses it.
    /// </summary>
    public async Task<HandoffOutcome> TransferAsync(string conversationId, string agentId, string? toAgentId, string? toDepartment, string? note, bool asSupervisor = false)
    {
        HandoffOutcome outcome;
        var from = agentId;
        if (asSupervisor)
        {
            (outcome, var holder) = toAgentId is not null
                ? await store.ReassignToAgentAsync(conversationId, agentId, toAgentId, note, AnswerLease)
                : await store.ReassignToDepartmentAsync(conversationId, agentId, toDepartment!, note);
            from = holder ?? agentId;
        }
        else
        {
            outcome = toAgentId is not null
                ? await store.TransferToAgentAsync(conversationId, agentId, toAgentId, note, AnswerLease)
                : await store.TransferToDepartmentAsync(conversationId, agentId, toDepartment!, note);
        }

        if (outcome.Succeeded)
        {
            if (from != agentId)
            {
                Log.ChatReassigned(logger, agentId, conversationId, from);
            }

            await NotifyAsync(new HandoffNotice("transferred", conversationId, toAgentId, toDepartment, From: from, Note: note, By: from == agentId ? null : agentId));
            await assignerWake.PulseAsync();
        }

        return outcome;
    }

    public async Task<HandoffOutcome> ReturnToBotAsync(string conversationId, string agentId, string? note)
    {
        var handBack = HandBackFor("returned", conversationId);
        var outcome = await store.ReturnToBotAsync(conversationId, agentId, note, handBack?.Token);
        return await AfterCloseAsync(outcome, "returned", conversationId, agentId, note, handBack);
    }

    public async Task<HandoffOutcome> ResolveAsync(string conversationId, string agentId, string? reason)
    {
        var handBack = HandBackFor("resolved", conversationId);
        var outcome = await store.ResolveAsync(conversationId, agentId, reason, TimeSpan.FromHours(Options.ReturnToSameAgentHours), handBack?.Token);
        return await AfterCloseAsync(outcome, "resolved", conversationId, agentId, reason, handBack);
    }

    /// <summary>
    /// The customer has not answered the agent's last message for <see cref="HandoffOptions.ResolveIdleAfterMinutes"/>: the
    /// chat is resolved as the agent would (the customer is told, the agent remembered for their return), with the reason
    /// <see cref="HandoffStore.IdleReason"/>. Refused when anything happened in the chat since it was found idle.
    /// </summary>
    public async Task<HandoffOutcome> ResolveIdleAsync(IdleChat idle)
    {
        var handBack = HandBackFor("resolved", idle.ConversationId);
        var outcome = await store.ResolveIdleAsync(idle, TimeSpan.FromHours(Options.ReturnToSameAgentHours), handBack?.Token);
        return await AfterCloseAsync(outcome, "resolved", idle.ConversationId, idle.AgentId, HandoffStore.IdleReason, handBack);
    }

    /// <summary>Only a private chat is told that the bot answers again (<see cref="Channels.DirectChats"/>).</summary>
    private static HandBackToTell? HandBackFor(string status, string conversationId) =>
        Channels.DirectChats.IsDirect(conversationId) ? HandBackToTell.New(status, conversationId) : null;

    /// <summary>
    /// Queues the customer's "you're back with the bot" turn, once: the close kept <paramref name="handBack"/> in the store,
    /// and a crash or a Redis error before this ran leaves it there for the handoff monitor, which calls this again.
    /// </summary>
    internal async Task TellHandBackAsync(HandBackToTell handBack)
    {
        await TellCustomerAsync(handBack.ConversationId, ActivityKind.AgentHandedBack, handBack.Status, eventId: "handed-back:" + handBack.Token);
        await store.HandBackToldAsync(handBack);
    }

    private async Task<HandoffOutcome> AfterCloseAsync(HandoffOutcome outcome, string type, string conversationId, string agentId, string? note, HandBackToTell? handBack)
    {
        if (outcome.Succeeded)
        {
            if (handBack is not null)
            {
                await TellHandBackAsync(handBack);
            }

            await NotifyAsync(new HandoffNotice(type, conversationId, agentId, Note: note));
            await assignerWake.PulseAsync(); // the agent has room again
        }

        return outcome;
    }

    /// <summary>Sets presence; coming online (or getting more room) starts an assignment round at once.</summary>
    public async Task<PresenceStatus> SetPresenceAsync(string agentId, PresenceUpdate update)
    {
        var before = await store.SetPresenceAsync(
            agentId, update, [.. departments.All.Select(d => d.Name)],
            TimeSpan.FromSeconds(Options.PresenceTtlSeconds), TimeSpan.FromSeconds(Options.AgentGraceSeconds));
        await NotifyAsync(new HandoffNotice("presence", null, agentId, Status: update.Status.ToString().ToLowerInvariant()));
        if (update.Status == PresenceStatus.Online)
        {
            await assignerWake.PulseAsync();
        }

        return before;
    }

    public Task<bool> HeartbeatAsync(string agentId) => store.HeartbeatAsync(agentId, TimeSpan.FromSeconds(Options.PresenceTtlSeconds));

    /// <summary>
    /// The customer is typing (the web chat says so every few seconds while they do; VK with message_typing_state): the agent holding the chat sees
    /// "Olga is typing…" and can wait for the whole message. Nothing while the bot or the queue has the chat.
    /// </summary>
    public async Task NotifyCustomerTypingAsync(string conversationId)
    {
        try
        {
            if ((await store.OwnerAsync(conversationId)).AgentId is { } agentId)
            {
                await redis.GetSubscriber().PublishAsync(RedisKeys.HandoffNotify,
                    JsonSerializer.Serialize(new HandoffNotice("customer_typing", conversationId, agentId, At: time.GetUtcNow()), BotJson.Default.HandoffNotice),
                    CommandFlags.FireAndForget);
            }
        }
        catch (Exception e) when (Storage.StoreOutage.IsOutage(e))
        {
            // Never recorded and repeated every few seconds: a lost one costs nothing, and Redis trouble is not the customer's.
        }
    }

    /// <summary>
    /// A customer wrote in a chat an agent holds (the turn stored it): pushed to that agent live, words included. In a chat
    /// still waiting in the queue (<paramref name="agentId"/> null) every agent hears only that it moved, as with other queue
    /// changes, so that an open queue or chat page shows the new message.
    /// </summary>
    public Task NotifyCustomerMessageAsync(string conversationId, string? agentId, ChannelActivity activity) =>
        agentId is null
            ? NotifyAsync(new HandoffNotice("queue_message", conversationId))
            : NotifyAsync(new HandoffNotice("customer_message", conversationId, agentId, Text: activity.Text, Name: activity.From.Name));

    /// <summary>
    /// Tells every instance; each forwards to the agents connected to it. Called once, by the instance that made the change,
    /// which is also where the chat's interest records follow a new holder.
    /// </summary>
    public async Task NotifyAsync(HandoffNotice notice)
    {
        if (HolderChange(notice) is ({ } conversationId, { } to, var from))
        {
            try
            {
                await interests.FollowChatAsync(conversationId, to, from);
            }
            catch (Exception e) when (e is RedisException or InvalidOperationException)
            {
                // The chat has changed hands already; a record that still shows the old holder is not worth failing that.
                Log.RecordsDidNotFollowChat(logger, conversationId, to, e.Message);
            }
        }

        await redis.GetSubscriber().PublishAsync(RedisKeys.HandoffNotify, JsonSerializer.Serialize(notice with { At = time.GetUtcNow() }, BotJson.Default.HandoffNotice));
    }

    /// <summary>Who has the chat now and who had it, when the notice says it changed hands (responsible values of the interest log).</summary>
    private static (string? ConversationId, string? To, string? From) HolderChange(HandoffNotice notice) => notice switch
    {
        { Type: "offered" or "assigned", ConversationId: { } id, AgentId: { } agent } => (id, "agent:" + agent, null),
        { Type: "transferred", ConversationId: { } id, From: { } from } => (id, notice.AgentId is { } to ? "agent:" + to : "queue", "agent:" + from),
        { Type: "lease_expired", ConversationId: { } id, AgentId: { } agent } => (id, "queue", "agent:" + agent),
        _ => (null, null, null),
    };
}

/// <summary>What agents' consoles hear about, live.</summary>
public sealed record HandoffNotice(
    string Type,
    string? ConversationId,
    string? AgentId = null,
    string? Department = null,
    string? Reason = null,
    string? From = null,
    string? Note = null,
    string? Text = null,
    string? Name = null,
    string? Status = null,
    DateTimeOffset? At = null,
    string? By = null);

using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace SupportBot.Chaos;

/// <summary>
/// The invariants, read back from what customers and agents see (Direct Line transcripts, the Telegram
/// stand-in's sendMessage calls, the interest feed and the handoff API), not from the host's internals.
/// </summary>
internal static partial class ChaosCheck
{
    /// <summary>A fault within this long after a reply's first copy may have caught its send in flight.</summary>
    private static readonly TimeSpan InFlight = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long after the killed host had exited the stand-in may still be handling what it sent: the stand-in stamps a
    /// sendMessage when its handler runs, which on a loaded machine trails the bytes' arrival. A new host cannot send
    /// that soon: it has to start and then wait out the dead one's conversation leases.
    /// </summary>
    private static readonly TimeSpan StandInLag = TimeSpan.FromSeconds(1);

    public static async Task CheckAsync(
        ChaosReport report, HttpClient http, string apiKey, IReadOnlyList<ChaosConversation> conversations, ChaosProbe probe,
        TelegramInbox telegram, ChaosCustomers customers, CancellationToken cancellationToken)
    {
        report.Conversations = conversations.Count;
        report.Messages = conversations.Sum(c => c.Sent.Count);
        report.Handoffs = conversations.Count(c => c.AsksForHuman);
        foreach (var conversation in conversations.Where(c => c.Channel == ChaosChannel.WebChat && c.DirectLineId is not null))
        {
            await customers.ReadWebChatAsync(conversation, cancellationToken);
        }

        foreach (var conversation in conversations)
        {
            if (conversation.Sent.Count < conversation.MessageCount)
            {
                report.Finding($"conversation {conversation.Number}: only {conversation.Sent.Count} of {conversation.MessageCount} messages were acknowledged");
            }

            CheckReplies(report, conversation, probe, telegram);
        }

        await CheckRecordsAsync(report, http, apiKey, conversations, cancellationToken);
        await CheckHandoffsAsync(report, http, apiKey, conversations, cancellationToken);
    }

    /// <summary>
    /// Every question's answer once (answers differ between the questions of a conversation), the greeting
    /// once, the agent's message once; after a request for a person its notices once each.
    /// </summary>
    private static void CheckReplies(ChaosReport report, ChaosConversation conversation, ChaosProbe probe, TelegramInbox telegram)
    {
        List<SeenReply> seen;
        if (conversation.Channel == ChaosChannel.Telegram)
        {
            seen = [.. telegram.Messages(conversation.ChatId)];
        }
        else
        {
            lock (conversation.WebChatReplies)
            {
                seen = [.. conversation.WebChatReplies];
            }
        }

        report.Replies += seen.Count;
        var expected = new Dictionary<string, int>(StringComparer.Ordinal) { [probe.Greeting] = 1 };
        foreach (var question in conversation.Sent.Where(m => !m.IsHumanRequest))
        {
            expected[probe.Answers[question.Text]] = 1;
        }

        if (conversation.AgentMessageSent)
        {
            expected[conversation.AgentText] = 1;
        }

        // The handoff's own lines (acknowledgement, place in line) vary with the queue: counted per shape, digits aside.
        var byText = seen.GroupBy(r => expected.ContainsKey(r.Text) || !conversation.AsksForHuman ? r.Text : Digits().Replace(r.Text, "#"), StringComparer.Ordinal);
        var handoffLines = 0;
        foreach (var group in byText)
        {
            var copies = group.OrderBy(r => r.At).ToList();
            if (!expected.TryGetValue(group.Key, out var want))
            {
                if (!conversation.AsksForHuman)
                {
                    report.UnexpectedReplies += copies.Count;
                    report.Finding($"conversation {conversation.Number} ({conversation.Channel}): unexpected reply \"{Short(group.Key)}\" ×{copies.Count}");
                    continue;
                }

                handoffLines++;
                want = 1;
            }

            for (var extra = want; extra < copies.Count; extra++)
            {
                report.DuplicateReplies++;
                var inDoubt = conversation.Channel == ChaosChannel.Telegram && report.Faults.Any(f => InFlightAt(f, copies[extra - 1].At, copies[extra].At));
                if (inDoubt)
                {
                    report.InDoubtDuplicates++;
                }

                report.Finding($"conversation {conversation.Number} ({conversation.Channel}): \"{Short(group.Key)}\" seen {copies.Count} times, at " +
                    $"{string.Join(", ", copies.Select(c => c.At.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture)))}{(inDoubt ? " (in flight at a fault)" : "")}; " +
                    $"faults at {string.Join(", ", report.Faults.Select(f => f.At.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture)))}");
            }
        }

        foreach (var (text, want) in expected)
        {
            var got = seen.Count(r => r.Text == text);
            if (got < want)
            {
                report.LostReplies += want - got;
                report.Finding($"conversation {conversation.Number} ({conversation.Channel}): never saw \"{Short(text)}\"");
            }
        }

        // An agent who takes the chat before the bot's turn commits silences the bot's notice (by design): then the
        // agent's message is the answer.
        if (conversation.Sent.Any(m => m.IsHumanRequest) && handoffLines == 0 && !seen.Any(r => r.Text == conversation.AgentText))
        {
            report.LostReplies++;
            report.Finding($"conversation {conversation.Number} ({conversation.Channel}): asked for a person and was not told anything");
        }

        if (conversation.Channel == ChaosChannel.WebChat)
        {
            // Direct Line links each answer to its question: exactly one answer per question.
            foreach (var question in conversation.Sent.Where(m => !m.IsHumanRequest && m.ActivityId is not null))
            {
                var answers = seen.Count(r => r.ReplyToId == question.ActivityId);
                if (answers != 1)
                {
                    report.Finding($"conversation {conversation.Number}: question \"{question.Text}\" has {answers} answers");
                }
            }
        }
    }

    /// <summary>
    /// A send that reached Telegram shortly before the fault (or, with Redis away, while it was down: the host could not
    /// write down that it had sent) and was sent again after it.
    /// </summary>
    private static bool InFlightAt(ChaosFault fault, DateTimeOffset first, DateTimeOffset again)
    {
        var until = fault.Kind == "redis-restart" ? fault.At.AddSeconds(fault.BackSeconds) : (fault.HostDeadAt ?? fault.At) + StandInLag;
        return first >= fault.At - InFlight && first <= until && again >= fault.At;
    }

    /// <summary>One inbound interest record per message sent, matched by conversation and text (texts differ within a conversation).</summary>
    private static async Task CheckRecordsAsync(ChaosReport report, HttpClient http, string apiKey, IReadOnlyList<ChaosConversation> conversations, CancellationToken cancellationToken)
    {
        var ours = conversations.Where(c => c.ConversationId.Length > 0).ToDictionary(c => c.ConversationId, StringComparer.Ordinal);
        var counts = new Dictionary<(string, string), int>();
        for (var page = 1; ; page++)
        {
            using var request = ChaosHttp.Json(HttpMethod.Get, $"/api/interests?direction=in&pageSize=500&page={page.ToString(CultureInfo.InvariantCulture)}", null);
            request.Headers.Add("X-Api-Key", apiKey);
            using var response = await http.SendAsync(request, cancellationToken);
            await ChaosHttp.EnsureSuccessAsync(response, "GET /api/interests", cancellationToken);
            var body = await ChaosHttp.ReadObjectAsync(response, cancellationToken);
            foreach (var item in body["items"]!.AsArray())
            {
                var conversationId = item!["conversationId"]?.GetValue<string>() ?? "";
                if (ours.ContainsKey(conversationId) && item["action"]?.GetValue<string>() == "message")
                {
                    var key = (conversationId, item["text"]?.GetValue<string>() ?? "");
                    counts[key] = counts.GetValueOrDefault(key) + 1;
                }
            }

            if (body["hasMore"]?.GetValue<bool>() != true)
            {
                break;
            }
        }

        foreach (var conversation in ours.Values)
        {
            foreach (var message in conversation.Sent)
            {
                var key = (conversation.ConversationId, message.Text);
                var found = counts.GetValueOrDefault(key);
                counts.Remove(key);
                report.Records += Math.Min(found, 1);
                if (found == 0)
                {
                    report.LostRecords++;
                    report.Finding($"conversation {conversation.Number}: no interest record for \"{message.Text}\"");
                }
                else if (found > 1)
                {
                    report.DuplicateRecords += found - 1;
                    report.Finding($"conversation {conversation.Number}: {found} interest records for \"{message.Text}\"");
                }
            }
        }

        foreach (var ((conversationId, text), count) in counts)
        {
            report.UnexpectedRecords += count;
            report.Finding($"{conversationId}: interest record for a message never sent: \"{Short(text)}\"");
        }
    }

    /// <summary>
    /// Each chat that asked for a person is in exactly one place: waiting once in a queue, or held by one agent,
    /// or resolved and nowhere; its events escalate it once and resolve it at most once.
    /// </summary>
    private static async Task CheckHandoffsAsync(ChaosReport report, HttpClient http, string apiKey, IReadOnlyList<ChaosConversation> conversations, CancellationToken cancellationToken)
    {
        var queued = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var item in (await GetAsync(http, apiKey, null, "/api/handoff/queue", cancellationToken))["items"]!.AsArray())
        {
            var id = item!["conversationId"]!.GetValue<string>();
            queued[id] = queued.GetValueOrDefault(id) + 1;
        }

        var holders = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var agent in ChaosAgents.AgentIds)
        {
            foreach (var item in (await GetAsync(http, apiKey, agent, "/api/handoff/mine", cancellationToken))["items"]!.AsArray())
            {
                var id = item!["chat"]!["conversationId"]!.GetValue<string>();
                (holders.TryGetValue(id, out var list) ? list : holders[id] = []).Add(agent);
            }
        }

        foreach (var conversation in conversations.Where(c => c.ConversationId.Length > 0))
        {
            var asked = conversation.Sent.Any(m => m.IsHumanRequest);
            var inQueue = queued.GetValueOrDefault(conversation.ConversationId);
            var held = holders.GetValueOrDefault(conversation.ConversationId) ?? [];
            if (!asked)
            {
                if (inQueue + held.Count > 0)
                {
                    report.HandoffsDoubled++;
                    report.Finding($"conversation {conversation.Number} never asked for a person but is queued or held");
                }

                continue;
            }

            var details = await GetAsync(http, apiKey, null, $"/api/handoff/{Uri.EscapeDataString(conversation.ConversationId)}", cancellationToken);
            var status = details["chat"]?["status"]?.GetValue<string>();
            var events = details["events"]?.AsArray().Select(e => e!["type"]!.GetValue<string>()).ToList() ?? [];
            var escalated = events.Count(e => e == "escalated");
            var resolved = events.Count(e => e == "resolved");
            var place = status switch
            {
                "queued" => inQueue == 1 && held.Count == 0,
                "offered" or "assigned" => inQueue == 0 && held.Count == 1 && held[0] == details["chat"]?["agentId"]?.GetValue<string>(),
                "resolved" => inQueue == 0 && held.Count == 0,
                _ => false,
            };
            if (status is null || status == "bot" || !conversation.AgentMessageSent)
            {
                report.HandoffsLost++;
                report.Finding($"conversation {conversation.Number}: asked for a person; status {status ?? "none"}, agent answered: {conversation.AgentMessageSent}, events {string.Join(",", events)}");
            }
            else if (!place || escalated != 1 || resolved > 1 || inQueue > 1 || held.Count > 1)
            {
                report.HandoffsDoubled++;
                report.Finding($"conversation {conversation.Number}: status {status}, in queue ×{inQueue}, held by [{string.Join(",", held)}], events {string.Join(",", events)}");
            }

            if (status == "resolved")
            {
                report.HandoffsResolved++;
            }
        }
    }

    private static async Task<JsonObject> GetAsync(HttpClient http, string apiKey, string? agentId, string path, CancellationToken cancellationToken)
    {
        using var request = ChaosHttp.Json(HttpMethod.Get, path, null);
        request.Headers.Add("X-Api-Key", apiKey);
        if (agentId is not null)
        {
            request.Headers.Add("X-Agent-Id", agentId);
        }

        using var response = await http.SendAsync(request, cancellationToken);
        await ChaosHttp.EnsureSuccessAsync(response, "GET " + path, cancellationToken);
        return await ChaosHttp.ReadObjectAsync(response, cancellationToken);
    }

    private static string Short(string text) => text.Length <= 60 ? text : text[..57] + "…";

    [GeneratedRegex(@"\d+")]
    private static partial Regex Digits();
}

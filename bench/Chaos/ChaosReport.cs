using System.Text.Json;
using System.Text.Json.Nodes;

namespace SupportBot.Chaos;

/// <summary>A fault the run caused and how long customers went without answers.</summary>
/// <param name="Kind">host-sigkill or redis-restart.</param>
/// <param name="AfterMessages">Messages acknowledged when it struck.</param>
/// <param name="BackSeconds">From the fault until the host answered /readyz 200 again (a new process, or Redis back).</param>
/// <param name="RecoverySeconds">From the fault until the first reply a customer saw after the host was back.</param>
/// <param name="ReadyzRedSeen">Redis restart: /readyz answered 503 while Redis was down.</param>
/// <param name="HostDeadAt">
/// SIGKILL: when the killed process had exited. Killing a process tree can take a moment on a busy machine, and what the
/// process sent until then still arrives.
/// </param>
internal sealed record ChaosFault(string Kind, DateTimeOffset At, int AfterMessages, double BackSeconds, double RecoverySeconds, bool? ReadyzRedSeen = null, DateTimeOffset? HostDeadAt = null);

/// <summary>What the check found; the invariants hold when every "bad" count is 0.</summary>
internal sealed class ChaosReport
{
    public int Messages { get; set; }

    public int Conversations { get; set; }

    /// <summary>Inbound interest records that belong to a sent message (one each when all is well).</summary>
    public int Records { get; set; }

    public int DuplicateRecords { get; set; }

    public int LostRecords { get; set; }

    /// <summary>Records of our conversations that match no message sent.</summary>
    public int UnexpectedRecords { get; set; }

    /// <summary>Bot and agent messages the customers saw.</summary>
    public int Replies { get; set; }

    /// <summary>Replies a customer saw more than once; <see cref="InDoubtDuplicates"/> of them are explained below.</summary>
    public int DuplicateReplies { get; set; }

    /// <summary>
    /// Telegram replies sent again because a fault struck between Telegram accepting the sendMessage and the host
    /// writing that down: sendMessage has no idempotency key, so a send in flight at a crash cannot be known to
    /// have arrived. Each is a duplicate whose first copy arrived shortly before a fault and whose second after it.
    /// </summary>
    public int InDoubtDuplicates { get; set; }

    /// <summary>Answers the customer should have seen and did not (the bot's, the handoff notice, the agent's).</summary>
    public int LostReplies { get; set; }

    /// <summary>Replies the script does not explain (a fallback, an apology for a technical problem, a wrong answer).</summary>
    public int UnexpectedReplies { get; set; }

    /// <summary>Conversations whose customer asked for a person.</summary>
    public int Handoffs { get; set; }

    /// <summary>Asked for a person, but the chat is not queued, offered, held or resolved (or never reached an agent).</summary>
    public int HandoffsLost { get; set; }

    /// <summary>A chat in two places at once (two agents, queue and agent, twice in a queue) or escalated/resolved twice.</summary>
    public int HandoffsDoubled { get; set; }

    public int HandoffsResolved { get; set; }

    public List<ChaosFault> Faults { get; } = [];

    /// <summary>The host exited without being killed by the run (it was started again).</summary>
    public int UnplannedExits { get; set; }

    /// <summary>fail: or crit: lines in the hosts' logs.</summary>
    public int HostErrorLines { get; set; }

    public int ClientRetries { get; set; }

    /// <summary>Customer or agent requests refused for good (4xx) or given up on.</summary>
    public List<string> Errors { get; } = [];

    /// <summary>The first few findings, readable.</summary>
    public List<string> Findings { get; } = [];

    public double Seconds { get; set; }

    public int Duplicates => DuplicateRecords + DuplicateReplies + HandoffsDoubled;

    public int Lost => LostRecords + LostReplies + HandoffsLost;

    /// <summary>Everything holds, allowing only the in-doubt Telegram resends.</summary>
    public bool Passed =>
        DuplicateRecords == 0 && LostRecords == 0 && UnexpectedRecords == 0 && DuplicateReplies == InDoubtDuplicates && LostReplies == 0
        && UnexpectedReplies == 0 && HandoffsLost == 0 && HandoffsDoubled == 0 && UnplannedExits == 0 && Errors.Count == 0;

    public void Finding(string text)
    {
        if (Findings.Count < 20)
        {
            Findings.Add(text);
        }
    }

    public string ToJsonLine() => new JsonObject
    {
        ["scenario"] = "chaos",
        ["messages"] = Messages,
        ["conversations"] = Conversations,
        ["records"] = Records,
        ["replies"] = Replies,
        ["duplicates"] = Duplicates,
        ["in_doubt_duplicates"] = InDoubtDuplicates,
        ["lost"] = Lost,
        ["duplicate_records"] = DuplicateRecords,
        ["lost_records"] = LostRecords,
        ["duplicate_replies"] = DuplicateReplies,
        ["lost_replies"] = LostReplies,
        ["unexpected_replies"] = UnexpectedReplies,
        ["handoffs"] = Handoffs,
        ["handoffs_resolved"] = HandoffsResolved,
        ["handoffs_lost"] = HandoffsLost,
        ["handoffs_doubled"] = HandoffsDoubled,
        ["kills"] = Faults.Count(f => f.Kind == "host-sigkill"),
        ["redis_restarts"] = Faults.Count(f => f.Kind == "redis-restart"),
        ["readyz_red_then_green"] = Faults.Where(f => f.ReadyzRedSeen is not null).Select(f => f.ReadyzRedSeen).FirstOrDefault(),
        ["recovery_seconds"] = new JsonArray([.. Faults.Select(f => (JsonNode)Math.Round(f.RecoverySeconds, 1))]),
        ["back_seconds"] = new JsonArray([.. Faults.Select(f => (JsonNode)Math.Round(f.BackSeconds, 1))]),
        ["unplanned_exits"] = UnplannedExits,
        ["host_error_lines"] = HostErrorLines,
        ["client_retries"] = ClientRetries,
        ["errors"] = Errors.Count,
        ["seconds"] = Math.Round(Seconds, 1),
        ["passed"] = Passed,
    }.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
}

using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;

namespace SupportBot.Chaos;

/// <summary>
/// Agents working the handoff API the way the console does: online with a heartbeat, accepting the
/// chats offered to them, one of them also claiming straight from the queue (racing the offers),
/// answering each chat once and resolving most. A request whose outcome is unknown (the host died
/// under it) is not blindly repeated: the agent looks at the chat first, as a person would.
/// </summary>
internal sealed class ChaosAgents(HttpClient http, string apiKey, IReadOnlyList<ChaosConversation> conversations)
{
    public static readonly string[] AgentIds = ["chaos-agent-1", "chaos-agent-2", "chaos-agent-3"];

    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(5);

    private readonly Dictionary<string, ChaosConversation> _byId = new(StringComparer.Ordinal);

    /// <summary>Agent requests that failed in transit or with a 5xx (looked at and tried again later).</summary>
    public int Retries => Volatile.Read(ref _retries);

    private int _retries;

    public ConcurrentQueue<string> Errors { get; } = new();

    /// <summary>Works until every conversation that asked for a person has been answered (and resolved where planned), or until cancelled.</summary>
    public async Task RunAsync(Func<bool> customersDone, CancellationToken cancellationToken)
    {
        await Task.WhenAll(AgentIds.Select((agent, i) => Task.Run(() => WorkAsync(agent, claimsFromQueue: i == 0, customersDone, cancellationToken), CancellationToken.None)));
    }

    private bool AllHandled(Func<bool> customersDone) => customersDone() && conversations.All(c => c.HandledByAgent);

    private async Task WorkAsync(string agentId, bool claimsFromQueue, Func<bool> customersDone, CancellationToken cancellationToken)
    {
        var lastHeartbeat = DateTime.MinValue;
        var rounds = 0;
        while (!AllHandled(customersDone) && !cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (DateTime.UtcNow - lastHeartbeat > Heartbeat)
                {
                    using var presence = await SendAsync(agentId, HttpMethod.Put, $"/api/agents/{agentId}/presence",
                        new JsonObject { ["status"] = "online", ["capacity"] = 100, ["name"] = agentId }, cancellationToken);
                    if (presence.IsSuccessStatusCode)
                    {
                        lastHeartbeat = DateTime.UtcNow;
                    }
                    else if ((int)presence.StatusCode < 500)
                    {
                        Errors.Enqueue($"{agentId} PUT presence: {(int)presence.StatusCode} {await presence.Content.ReadAsStringAsync(cancellationToken)}");
                        return;
                    }
                }

                if (claimsFromQueue && rounds++ % 3 == 0)
                {
                    await ClaimFromQueueAsync(agentId, cancellationToken);
                }

                await WorkMineAsync(agentId, cancellationToken);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                Interlocked.Increment(ref _retries); // the host is down or restarting: look again shortly
            }

            try
            {
                await Task.Delay(300, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task ClaimFromQueueAsync(string agentId, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(agentId, HttpMethod.Get, "/api/handoff/queue", null, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            return;
        }

        var items = (await ChaosHttp.ReadObjectAsync(response, cancellationToken))["items"]!.AsArray();
        foreach (var item in items.Take(3))
        {
            var conversationId = item!["conversationId"]!.GetValue<string>();
            // 409 when another agent was offered it first: that race is the point.
            using var claimed = await SendAsync(agentId, HttpMethod.Post, $"/api/handoff/{Uri.EscapeDataString(conversationId)}/claim", null, cancellationToken);
        }
    }

    private async Task WorkMineAsync(string agentId, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(agentId, HttpMethod.Get, "/api/handoff/mine", null, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            return;
        }

        foreach (var item in (await ChaosHttp.ReadObjectAsync(response, cancellationToken))["items"]!.AsArray())
        {
            var chat = item!["chat"]!;
            var conversationId = chat["conversationId"]!.GetValue<string>();
            var status = chat["status"]?.GetValue<string>();
            var path = $"/api/handoff/{Uri.EscapeDataString(conversationId)}";
            if (Find(conversationId) is not { } conversation)
            {
                continue; // not one of ours (e.g. a probe); leave it
            }

            if (status == "offered")
            {
                using var accepted = await SendAsync(agentId, HttpMethod.Post, path + "/claim", null, cancellationToken);
                if (!accepted.IsSuccessStatusCode)
                {
                    continue;
                }
            }

            if (!conversation.AgentMessageSent)
            {
                await AnswerAsync(agentId, conversation, path, cancellationToken);
            }

            if (conversation.AgentMessageSent && conversation.AgentResolves && !conversation.AgentResolved)
            {
                using var resolved = await SendAsync(agentId, HttpMethod.Post, path + "/resolve", new JsonObject { ["reason"] = "answered" }, cancellationToken);
                conversation.AgentResolved = resolved.IsSuccessStatusCode || await StatusAsync(agentId, path, cancellationToken) == "resolved";
            }
        }
    }

    /// <summary>Sends the agent's message once: after a failure whose outcome is unknown, the transcript says whether it went in.</summary>
    private async Task AnswerAsync(string agentId, ChaosConversation conversation, string path, CancellationToken cancellationToken)
    {
        if (await InTranscriptAsync(agentId, path, conversation.AgentText, cancellationToken))
        {
            conversation.AgentMessageSent = true;
            return;
        }

        try
        {
            using var sent = await SendAsync(agentId, HttpMethod.Post, path + "/messages", new JsonObject { ["text"] = conversation.AgentText }, cancellationToken);
            if (sent.IsSuccessStatusCode)
            {
                conversation.AgentMessageSent = true;
            }
            else if ((int)sent.StatusCode is >= 400 and < 500 && sent.StatusCode != HttpStatusCode.Conflict)
            {
                Errors.Enqueue($"{agentId} POST {path}/messages: {(int)sent.StatusCode} {await sent.Content.ReadAsStringAsync(cancellationToken)}");
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            Interlocked.Increment(ref _retries); // unknown outcome: the next round looks at the transcript first
        }
    }

    private async Task<bool> InTranscriptAsync(string agentId, string path, string text, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(agentId, HttpMethod.Get, path, null, cancellationToken);
        return response.IsSuccessStatusCode
            && (await ChaosHttp.ReadObjectAsync(response, cancellationToken))["transcript"]?.AsArray().Any(e => e?["text"]?.GetValue<string>() == text) == true;
    }

    private async Task<string?> StatusAsync(string agentId, string path, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(agentId, HttpMethod.Get, path, null, cancellationToken);
        return response.IsSuccessStatusCode ? (await ChaosHttp.ReadObjectAsync(response, cancellationToken))["chat"]?["status"]?.GetValue<string>() : null;
    }

    private ChaosConversation? Find(string conversationId)
    {
        lock (_byId)
        {
            if (_byId.Count == 0 || !_byId.ContainsKey(conversationId))
            {
                foreach (var c in conversations.Where(c => c.ConversationId.Length > 0))
                {
                    _byId[c.ConversationId] = c;
                }
            }

            return _byId.GetValueOrDefault(conversationId);
        }
    }

    private async Task<HttpResponseMessage> SendAsync(string agentId, HttpMethod method, string path, JsonNode? body, CancellationToken cancellationToken)
    {
        using var request = ChaosHttp.Json(method, path, body);
        request.Headers.Add("X-Api-Key", apiKey);
        request.Headers.Add("X-Agent-Id", agentId);
        var response = await http.SendAsync(request, cancellationToken);
        if ((int)response.StatusCode >= 500)
        {
            Interlocked.Increment(ref _retries); // Redis restarting (503): the next round tries again
        }

        return response;
    }
}

using System.Text.Json;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using SupportBot.Hosting;
using StackExchange.Redis;
using SupportBot.Storage;

namespace SupportBot.Handoff;

/// <summary>
/// Agents' live connection (<c>/hubs/handoff</c>): queue changes for everyone, a customer's
/// messages for the agent who holds the chat. The connection is also the agent's heartbeat.
/// Authenticated like the API: a console sign-in, or <c>X-Api-Key</c> plus the agent in <c>X-Agent-Id</c>.
/// </summary>
[Authorize(Policy = BotDefaults.ApiPolicy)]
internal sealed class HandoffHub(HandoffService handoff) : Hub
{
    public const string Path = "/hubs/handoff";

    /// <summary>The client method every notice arrives on.</summary>
    public const string NoticeMethod = "handoff";

    public const string AllAgents = "agents";

    public static string AgentGroup(string agentId) => "agent:" + agentId;

    public override async Task OnConnectedAsync()
    {
        var agentId = Context.User is { } user && SupportBot.Api.ActingAgent.SignedInAgent(user) is { } signedIn
            ? signedIn
            : Context.GetHttpContext()?.Request.Headers[HandoffApi.AgentHeader].ToString();
        if (string.IsNullOrEmpty(agentId) || !HandoffApi.AgentIdPattern().IsMatch(agentId))
        {
            Context.Abort();
            return;
        }

        Context.Items["agent"] = agentId;
        await Groups.AddToGroupAsync(Context.ConnectionId, AllAgents);
        await Groups.AddToGroupAsync(Context.ConnectionId, AgentGroup(agentId));
        await handoff.HeartbeatAsync(agentId);
        await base.OnConnectedAsync();
    }

    /// <summary>Keeps the agent's presence alive; false when they must set their presence again.</summary>
    public Task<bool> Heartbeat() =>
        Context.Items.TryGetValue("agent", out var agent) && agent is string agentId ? handoff.HeartbeatAsync(agentId) : Task.FromResult(false);
}

/// <summary>Forwards handoff notices from Redis (any instance) to the agents connected to this instance.</summary>
internal sealed class HandoffHubRelay(IConnectionMultiplexer redis, IHubContext<HandoffHub> hub, ILogger<HandoffHubRelay> logger) : IHostedService
{
    private ChannelMessageQueue? _subscription;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _subscription = await redis.GetSubscriber().SubscribeAsync(RedisKeys.HandoffNotify);
        _subscription.OnMessage(async message =>
        {
            try
            {
                if (JsonSerializer.Deserialize((string)message.Message!, BotJson.Default.HandoffNotice) is not { } notice)
                {
                    return;
                }

                // A customer's words (or that they are typing), and a reply of theirs that could not be delivered, go only to that agent; queue changes go to every agent.
                var clients = notice.Type is "customer_message" or "customer_typing" or "undelivered" && notice.AgentId is { } agentId
                    ? hub.Clients.Group(HandoffHub.AgentGroup(agentId))
                    : hub.Clients.Group(HandoffHub.AllAgents);
                await clients.SendAsync(HandoffHub.NoticeMethod, notice);
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException)
            {
                Log.HandoffNoticeDropped(logger, e.Message);
            }
        });
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _subscription.UnsubscribeQuietlyAsync();
    }
}

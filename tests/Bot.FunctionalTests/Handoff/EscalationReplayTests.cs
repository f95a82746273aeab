using System.Net;
using Microsoft.Extensions.DependencyInjection;
using SupportBot.FunctionalTests.Channels.Telegram;
using SupportBot.FunctionalTests.Infrastructure;
using SupportBot.Handoff;
using static SupportBot.FunctionalTests.Infrastructure.AgentTestClient;

namespace SupportBot.FunctionalTests.Handoff;

public sealed class EscalationReplayOnRedisTests(TelegramHostFixture<RedisServerFixture> host)
    : EscalationReplayTests<RedisServerFixture>(host), IClassFixture<TelegramHostFixture<RedisServerFixture>>;

public sealed class EscalationReplayOnGarnetTests(TelegramHostFixture<GarnetFixture> host)
    : EscalationReplayTests<GarnetFixture>(host), IClassFixture<TelegramHostFixture<GarnetFixture>>;

/// <summary>
/// A turn queues the chat for a person in its own step, before the turn commits. When the host dies in
/// between (found by the chaos run), the message is processed again later: by then an agent may have
/// served and resolved the chat. The re-run must not queue the customer a second time.
/// </summary>
public abstract class EscalationReplayTests<TStore>(TelegramHostFixture<TStore> host) where TStore : IStore, IAsyncLifetime, new()
{
    [Fact]
    public async Task HumanRequest_RunAgainAfterItsHandoffWasResolved_NoSecondHandoffAndNothingSaidTwice()
    {
        var chat = TelegramHostFixture<TStore>.NextChatId();
        var updateId = TelegramHostFixture<TStore>.NextUpdateId();
        var conversationId = $"telegram:shop:{chat}";
        var handoff = host.Factory.Services.GetRequiredService<HandoffService>();

        // What the first run of "I want a human" (update updateId) did before its host was killed: queued the chat.
        await handoff.EscalateAsync(conversationId, "customer-request", "en", origin: updateId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        // Meanwhile an agent on another instance took the chat and resolved it.
        await using var agent = new AgentTestClient(host.Factory, "replay-" + Guid.NewGuid().ToString("N")[..8]);
        await agent.OnlineAsync();
        Assert.Equal(HttpStatusCode.OK, (await agent.ClaimAsync(conversationId)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await agent.ResolveAsync(conversationId)).StatusCode);
        // Signed off, so the customer's next question is the bot's again (not straight back to this agent).
        (await agent.SetPresenceAsync("offline")).EnsureSuccessStatusCode();

        // Telegram redelivers the unacknowledged update; the message is processed again, then the customer asks something else.
        Assert.Equal(HttpStatusCode.OK, (await host.PostUpdateAsync(Updates.Message(updateId, chat, "I want to talk to a human"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.PostUpdateAsync(Updates.Message(TelegramHostFixture<TStore>.NextUpdateId(), chat, "How much is shipping?", messageId: 1366))).StatusCode);
        await Eventually.TrueAsync(() => host.Api.MessagesTo(chat).Any(m => m.Body["text"]!.GetValue<string>().Contains("free from €50")), "the shipping answer");

        var details = await agent.DetailsAsync(conversationId);
        var events = EventTypes(details).ToList();
        Assert.Single(events, e => e == "escalated");
        Assert.Equal("resolved", events[^1]);
        Assert.Equal("resolved", Status(details));
        Assert.DoesNotContain((await agent.GetAsync("/api/handoff/queue"))["items"]!.AsArray(), i => i!["conversationId"]!.GetValue<string>() == conversationId);
        // The customer hears the answer to the new question, and no "passing you to a person" for a handoff long over.
        var said = host.Api.MessagesTo(chat).Select(m => m.Body["text"]!.GetValue<string>()).ToList();
        Assert.DoesNotContain(said, text => text.Contains("passing you to a person") || text.Contains("in line"));
        Assert.Single(said, text => text.Contains("free from €50"));
    }
}

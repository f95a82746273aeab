using Microsoft.Extensions.DependencyInjection;
using SupportBot.FunctionalTests.Infrastructure;
using static SupportBot.FunctionalTests.Infrastructure.AgentTestClient;

namespace SupportBot.FunctionalTests.Handoff;

/// <summary>
/// A chat whose customer got the agent's answer and went quiet is resolved by itself after <c>Handoff:ResolveIdleAfterMinutes</c>
/// (here 3 s), so that it does not hold the agent's seat for days; one whose customer wrote last stays with the agent.
/// </summary>
public sealed class IdleResolveTests : IAsyncLifetime
{
    private readonly RedisServerFixture _store = new();
    private BotFactory _factory = null!;

    public async ValueTask InitializeAsync()
    {
        await _store.InitializeAsync();
        var settings = HandoffSettings.Claim;
        settings["Handoff:ResolveIdleAfterMinutes"] = "0.05";
        _factory = new BotFactory(_store.ConnectionString, settings);
        _ = _factory.Server;
    }

    public async ValueTask DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _store.DisposeAsync();
    }

    [Fact]
    public async Task CustomerQuietAfterTheAgentsAnswer_ResolvedByItself_TheCustomerTold_AChatAwaitingTheAgentIsNot()
    {
        await using var anna = new AgentTestClient(_factory, "anna-idle");
        await anna.OnlineAsync();
        var customer = new DirectLineTestClient(_factory.CreateClient());
        var quiet = await customer.StartAsync();
        var asking = await customer.StartAsync();
        foreach (var chat in new[] { quiet, asking })
        {
            await customer.SendAsync(chat, "I want to talk to a human");
            await customer.WaitForBotMessagesAsync(chat, 3);
            (await anna.ClaimAsync(ConversationOf(chat))).EnsureSuccessStatusCode();
            (await anna.SendAsync(ConversationOf(chat), "Here is your tracking link.")).EnsureSuccessStatusCode();
        }

        await customer.SendAsync(asking, "It does not open, can you check?");
        await anna.WaitForAsync(ConversationOf(asking), d => d["transcript"]!.AsArray().Any(e => e!["text"]?.GetValue<string>() == "It does not open, can you check?"));

        var resolved = await anna.WaitForAsync(ConversationOf(quiet), d => d["chat"]!["status"]!.GetValue<string>() == "resolved", TimeSpan.FromSeconds(30));

        var close = resolved["events"]!.AsArray().Last(e => e!["type"]!.GetValue<string>() == "resolved")!;
        Assert.Equal(("idle", anna.AgentId), (close["reason"]!.GetValue<string>(), close["agent"]!.GetValue<string>()));
        var messages = _factory.Services.GetRequiredService<SupportBot.Dialogs.Content.ContentLibrary>().Current.Messages;
        var said = await customer.WaitForBotMessagesAsync(quiet, 6); // greeting, ack, position, Anna, "closed", the survey
        Assert.Equal(messages.ChatResolved["en"], said[4]["text"]!.GetValue<string>());
        Assert.Equal(messages.SatisfactionQuestion["en"], said[5]["text"]!.GetValue<string>());

        // Twice the idle time on, the customer who wrote last still waits for Anna, who holds their chat alone now.
        await Task.Delay(TimeSpan.FromSeconds(6), TestCancellation.Ct);
        Assert.Equal("assigned", (await anna.DetailsAsync(ConversationOf(asking)))["chat"]!["status"]!.GetValue<string>());
        var mine = await anna.GetAsync("/api/handoff/mine");
        Assert.Equal([ConversationOf(asking)], mine["items"]!.AsArray().Select(i => i!["chat"]!["conversationId"]!.GetValue<string>()));
    }
}

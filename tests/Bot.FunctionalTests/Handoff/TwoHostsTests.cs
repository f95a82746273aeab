using SupportBot.FunctionalTests.Infrastructure;
using static SupportBot.FunctionalTests.Infrastructure.AgentTestClient;
using static SupportBot.FunctionalTests.Infrastructure.TestCancellation;

namespace SupportBot.FunctionalTests.Handoff;

/// <summary>Two instances of the host on one real Redis, as when scaled out behind a load balancer.</summary>
public sealed class TwoHostsFixture : IAsyncLifetime
{
    public RedisServerFixture Store { get; } = new();

    public BotFactory HostA { get; private set; } = null!;

    public BotFactory HostB { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        await Store.InitializeAsync();
        HostA = new BotFactory(Store.ConnectionString, HandoffSettings.Claim);
        HostB = new BotFactory(Store.ConnectionString, HandoffSettings.Claim);
        _ = HostA.Server;
        _ = HostB.Server;
    }

    public async ValueTask DisposeAsync()
    {
        await HostA.DisposeAsync();
        await HostB.DisposeAsync();
        await Store.DisposeAsync();
    }
}

public sealed class TwoHostsTests(TwoHostsFixture hosts) : IClassFixture<TwoHostsFixture>
{
    [Fact]
    public async Task CustomerOnHostA_AgentOnHostB_MessagesCrossBothWays()
    {
        var customer = new DirectLineTestClient(hosts.HostA.CreateClient());
        await using var agent = new AgentTestClient(hosts.HostB, "olga");
        await agent.OnlineAsync(name: "Olga");
        await agent.ConnectHubAsync();

        var chat = await customer.StartAsync();
        await customer.SendAsync(chat, "Can I talk to a person?");
        var queued = await agent.NextNoticeAsync(n => n["type"]?.GetValue<string>() == "queued" && n["conversationId"]?.GetValue<string>() == ConversationOf(chat));
        Assert.Equal("support", queued["department"]!.GetValue<string>());

        (await agent.ClaimAsync(ConversationOf(chat))).EnsureSuccessStatusCode();
        (await agent.SendAsync(ConversationOf(chat), "Olga here, from host B.")).EnsureSuccessStatusCode();
        var seen = await customer.WaitForBotMessagesAsync(chat, 4);
        Assert.Equal("Olga here, from host B.", seen[^1]["text"]!.GetValue<string>());

        await customer.SendAsync(chat, "Thanks Olga, written on host A");
        var heard = await agent.NextNoticeAsync(n => n["type"]?.GetValue<string>() == "customer_message");
        Assert.Equal("Thanks Olga, written on host A", heard["text"]!.GetValue<string>());
        Assert.Equal(ConversationOf(chat), heard["conversationId"]!.GetValue<string>());

        await Task.Delay(300, Ct);
        Assert.Equal(4, DirectLineTestClient.BotMessages(await customer.GetActivitiesAsync(chat)).Count);
        await agent.SetPresenceAsync("offline");
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SupportBot.AgentConsole.Accounts;
using SupportBot.FunctionalTests.Infrastructure;
using static SupportBot.FunctionalTests.Infrastructure.AgentTestClient;
using static SupportBot.FunctionalTests.Infrastructure.TestCancellation;

namespace SupportBot.FunctionalTests.Handoff;

/// <summary>
/// <c>POST /api/handoff/{id}/transfer</c> on a chat another agent holds: a supervisor's or admin's console sign-in moves it,
/// an agent's sign-in and an API key (which carries no role, whoever it names) are refused.
/// </summary>
public sealed class SupervisorTransferTests(ClaimHostFixture<RedisServerFixture> host) : IClassFixture<ClaimHostFixture<RedisServerFixture>>, IAsyncDisposable
{
    private readonly DirectLineTestClient _customer = new(host.Factory.CreateClient());
    private readonly List<AgentTestClient> _agents = [];

    private AgentTestClient ApiAgent(string id)
    {
        var agent = new AgentTestClient(host.Factory, id);
        _agents.Add(agent);
        return agent;
    }

    /// <summary>A website chat that asked for a person and that <paramref name="holder"/> claimed.</summary>
    private async Task<string> ChatHeldByAsync(AgentTestClient holder)
    {
        var chat = await _customer.StartAsync();
        await _customer.SendAsync(chat, "I want to talk to a human");
        var id = ConversationOf(chat);
        await holder.WaitForAsync(id, d => Status(d) == "queued");
        Assert.Equal(HttpStatusCode.OK, (await holder.ClaimAsync(id)).StatusCode);
        return id;
    }

    private static Task<HttpResponseMessage> TransferAsync(HttpClient client, string id, JsonObject body) =>
        client.PostAsJsonAsync($"/api/handoff/{id}/transfer", body, Ct);

    [Fact]
    public async Task SupervisorSignIn_MovesAChatAnotherAgentHolds_ToADepartment_TheHolderLosesIt()
    {
        var anna = ApiAgent($"anna-{Guid.NewGuid():N}"[..16]);
        await anna.OnlineAsync();
        var id = await ChatHeldByAsync(anna);
        var (supervisor, supervisorId) = await ConsoleBrowser.NewSignedInAsync(host.Factory, AgentRoles.Supervisor);

        var moved = await TransferAsync(supervisor, id, new JsonObject { ["department"] = "billing", ["note"] = "Anna is on a break" });

        Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
        var details = await anna.DetailsAsync(id);
        Assert.Equal(("queued", "billing"), (Status(details), details["chat"]!["department"]!.GetValue<string>()));
        Assert.Equal(0, (await anna.GetAsync("/api/handoff/mine"))["total"]!.GetValue<int>());
        var transferred = details["events"]!.AsArray().Last(e => e!["type"]!.GetValue<string>() == "transferred")!;
        Assert.Equal((anna.AgentId, supervisorId, "Anna is on a break"),
            (transferred["from"]!.GetValue<string>(), transferred["by"]!.GetValue<string>(), transferred["note"]!.GetValue<string>()));
        await ProblemAssert.IsProblemAsync(await anna.SendAsync(id, "Still here?"), HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task AdminSignIn_MovesAChatAnotherAgentHolds_ToAnotherAgent()
    {
        var anna = ApiAgent($"anna-{Guid.NewGuid():N}"[..16]);
        var boris = ApiAgent($"boris-{Guid.NewGuid():N}"[..16]);
        await anna.OnlineAsync();
        await boris.OnlineAsync();
        var id = await ChatHeldByAsync(anna);
        var (admin, _) = await ConsoleBrowser.NewSignedInAsync(host.Factory, AgentRoles.Admin);

        Assert.Equal(HttpStatusCode.OK, (await TransferAsync(admin, id, new JsonObject { ["agentId"] = boris.AgentId })).StatusCode);

        Assert.Equal(boris.AgentId, (await boris.DetailsAsync(id))["chat"]!["agentId"]!.GetValue<string>());
        Assert.Equal(1, (await boris.GetAsync("/api/handoff/mine"))["total"]!.GetValue<int>());
        Assert.Equal(0, (await anna.GetAsync("/api/handoff/mine"))["total"]!.GetValue<int>());
        await ProblemAssert.IsProblemAsync(await anna.SendAsync(id, "Hello?"), HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.OK, (await boris.SendAsync(id, "Boris here, I'll take it from here.")).StatusCode);
    }

    [Fact]
    public async Task AgentSignIn_AndApiKeys_CannotMoveAChatAnotherAgentHolds()
    {
        var anna = ApiAgent($"anna-{Guid.NewGuid():N}"[..16]);
        var boris = ApiAgent($"boris-{Guid.NewGuid():N}"[..16]);
        await anna.OnlineAsync();
        await boris.OnlineAsync();
        var id = await ChatHeldByAsync(anna);
        var (agent, _) = await ConsoleBrowser.NewSignedInAsync(host.Factory, AgentRoles.Agent, "support");
        var (_, supervisorId) = await ConsoleBrowser.NewSignedInAsync(host.Factory, AgentRoles.Supervisor);
        var keyNamingTheSupervisor = ApiAgent(supervisorId);

        var byAgent = await TransferAsync(agent, id, new JsonObject { ["department"] = "billing" });
        var byOtherAgentsKey = await boris.TransferAsync(id, new JsonObject { ["agentId"] = boris.AgentId });
        var byKeyNamingASupervisor = await keyNamingTheSupervisor.TransferAsync(id, new JsonObject { ["department"] = "billing" });

        var problem = await ProblemAssert.IsProblemAsync(byAgent, HttpStatusCode.Forbidden);
        Assert.Contains("supervisor", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        await ProblemAssert.IsProblemAsync(byOtherAgentsKey, HttpStatusCode.Forbidden);
        await ProblemAssert.IsProblemAsync(byKeyNamingASupervisor, HttpStatusCode.Forbidden);
        var details = await anna.DetailsAsync(id);
        Assert.Equal(("assigned", anna.AgentId), (Status(details), details["chat"]!["agentId"]!.GetValue<string>()));
        Assert.DoesNotContain("transferred", EventTypes(details));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var agent in _agents)
        {
            await agent.DisposeAsync();
        }
    }
}

using System.Net;
using System.Net.Http.Json;
using SupportBot.AgentConsole.Accounts;
using SupportBot.FunctionalTests.Infrastructure;
using static SupportBot.FunctionalTests.Infrastructure.TestCancellation;

namespace SupportBot.FunctionalTests.Interests;

/// <summary>The feed's API called with a console sign-in (the page's own token on changes): agents take, supervisors assign.</summary>
public sealed class FeedConsoleSignInTests(BotHostFixture<RedisServerFixture> host) : IClassFixture<BotHostFixture<RedisServerFixture>>
{
    [Fact]
    public async Task SignedInAgent_TakesARecord_ButCannotAssignItToSomeoneElse_ASupervisorCan()
    {
        var feed = new FeedSupport(host.Factory);
        var record = await feed.SeedAsync("Is there a warranty?");
        var (agent, agentId) = await SignedInAsync(AgentRoles.Agent);
        var (supervisor, _) = await SignedInAsync(AgentRoles.Supervisor);

        var refused = await agent.PostAsJsonAsync($"/api/interests/{record.Id}/assign", FeedSupport.Json("agentId", "someone-else"), Ct);
        var taken = await agent.PostAsync($"/api/interests/{record.Id}/take", null, Ct);
        var reassigned = await supervisor.PostAsJsonAsync($"/api/interests/{record.Id}/assign", FeedSupport.Json("agentId", "someone-else"), Ct);

        Assert.Contains("supervisors", (await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.Forbidden))["detail"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, taken.StatusCode);
        Assert.Equal("agent:" + agentId, (await taken.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>(Ct))!["responsible"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, reassigned.StatusCode);
        Assert.Equal("agent:someone-else", (await feed.RecordAsync(record.Id))["responsible"]!.GetValue<string>());
    }

    private Task<(HttpClient Client, string AgentId)> SignedInAsync(string role) => ConsoleBrowser.NewSignedInAsync(host.Factory, role, "support");
}

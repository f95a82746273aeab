using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using SupportBot.AgentConsole.Accounts;
using SupportBot.FunctionalTests.Infrastructure;
using static SupportBot.FunctionalTests.Infrastructure.TestCancellation;

namespace SupportBot.FunctionalTests.Interests;

/// <summary>The feed's API called with a console sign-in (the page's own token on changes): agents take, supervisors assign.</summary>
public sealed class FeedConsoleSignInTests(BotHostFixture<RedisServerFixture> host) : IClassFixture<BotHostFixture<RedisServerFixture>>
{
    private const string Password = "a-long-enough-password";

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

    /// <summary>A browser-like client signed in through the login form, sending the console page's antiforgery token.</summary>
    private async Task<(HttpClient Client, string AgentId)> SignedInAsync(string role)
    {
        var email = $"feed-{Guid.NewGuid():N}@example.com";
        var accounts = host.Factory.Services.GetRequiredService<AgentAccountStore>();
        await accounts.UpsertAsync(email, "Feed " + role, role, ["support"], Password);
        var client = ConsoleBrowser.Create(host.Factory);
        var signedIn = await ConsoleBrowser.SignInAsync(client, email, Password);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        var page = await client.GetStringAsync("/console/feed", Ct);
        client.DefaultRequestHeaders.Add("RequestVerificationToken", ConsoleBrowser.AntiforgeryToken(page));
        return (client, (await accounts.FindByEmailAsync(email))!.Id);
    }
}

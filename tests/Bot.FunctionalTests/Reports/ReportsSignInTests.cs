using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using SupportBot.AgentConsole.Accounts;
using SupportBot.FunctionalTests.Infrastructure;
using static SupportBot.FunctionalTests.Infrastructure.TestCancellation;

namespace SupportBot.FunctionalTests.Reports;

/// <summary>Signed in to the console, supervisors and admins read the reports API; agents do not (as on the page).</summary>
public sealed class ReportsSignInTests(BotHostFixture<RedisServerFixture> host) : IClassFixture<BotHostFixture<RedisServerFixture>>
{
    private const string Password = "a-long-enough-password";

    [Theory]
    [InlineData(AgentRoles.Supervisor, HttpStatusCode.OK)]
    [InlineData(AgentRoles.Admin, HttpStatusCode.OK)]
    [InlineData(AgentRoles.Agent, HttpStatusCode.Forbidden)]
    public async Task SignedIn_ReportsByRole(string role, HttpStatusCode expected)
    {
        var email = $"reports-{Guid.NewGuid():N}@example.com";
        await host.Factory.Services.GetRequiredService<AgentAccountStore>().UpsertAsync(email, "Report Reader", role, ["support"], Password);
        var browser = ConsoleBrowser.Create(host.Factory);
        var signedIn = await ConsoleBrowser.SignInAsync(browser, email, Password);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);

        foreach (var report in new[] { "summary", "timeline", "agents", "unanswered" })
        {
            var response = await browser.GetAsync("/api/reports/" + report, Ct);
            if (expected == HttpStatusCode.OK)
            {
                Assert.Equal(expected, response.StatusCode);
            }
            else
            {
                await ProblemAssert.IsProblemAsync(response, expected);
            }
        }
    }
}

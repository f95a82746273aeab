using Microsoft.Extensions.DependencyInjection;
using SupportBot.AgentConsole.Accounts;

namespace SupportBot.BrowserTests.Infrastructure;

/// <summary>
/// The browser host with two departments (support first, so the website chat's escalations land there; billing for
/// "invoice" questions) and claim-only assignment, plus console accounts for each role.
/// </summary>
public sealed class ConsoleHostFixture : BrowserHostFixture
{
    public const string Password = "correct-horse-battery";

    public static readonly (string Email, string Name, string Role, string[] Departments) SupportAgent = ("sam@example.com", "Sam Support", AgentRoles.Agent, ["support"]);
    public static readonly (string Email, string Name, string Role, string[] Departments) BillingAgent = ("bill@example.com", "Bill Billing", AgentRoles.Agent, ["billing"]);
    public static readonly (string Email, string Name, string Role, string[] Departments) Supervisor = ("sue@example.com", "Sue Supervisor", AgentRoles.Supervisor, []);
    public static readonly (string Email, string Name, string Role, string[] Departments) Admin = ("ada@example.com", "Ada Admin", AgentRoles.Admin, []);

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Handoff:Assignment"] = "Claim",
        ["Handoff:Departments:0:Name"] = "support",
        ["Handoff:Departments:1:Name"] = "billing",
        ["Handoff:Departments:1:Skills:0"] = "invoice",
        ["Console:RevalidateSeconds"] = "1",
    };

    /// <summary>The shared accounts exist, in English whatever an earlier test of the class left them in.</summary>
    public async Task SeedAccountsAsync()
    {
        var accounts = Services.GetRequiredService<AgentAccountStore>();
        foreach (var (email, name, role, departments) in new[] { SupportAgent, BillingAgent, Supervisor, Admin })
        {
            if (await accounts.FindByEmailAsync(email) is not { } account)
            {
                await accounts.UpsertAsync(email, name, role, departments, Password);
            }
            else if (account.Language != "en")
            {
                await accounts.SetLanguageAsync(account.Id, "en");
            }
        }
    }
}

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using SupportBot.AgentConsole.Accounts;
using static Microsoft.Playwright.Assertions;

namespace SupportBot.BrowserTests.Infrastructure;

/// <summary>A browser test of the agent console: accounts exist; <see cref="SignInAsync"/> goes through the real login form.</summary>
public abstract class ConsoleTest(ConsoleHostFixture host) : BrowserTest(host)
{
    protected new ConsoleHostFixture Host => host;

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        await host.SeedAccountsAsync();
    }

    /// <summary>Fills and sends the login form in <paramref name="page"/> (the test's own page by default).</summary>
    protected async Task SignInAsync((string Email, string Name, string Role, string[] Departments) account, string password = ConsoleHostFixture.Password, IPage? page = null)
    {
        page ??= Page;
        await page.GotoAsync("/console/login");
        await page.FillAsync("#email", account.Email);
        await page.FillAsync("#password", password);
        await page.ClickAsync("button[type=submit]");
    }

    /// <summary>Signed in and the live connection is up (the presence buttons answer only then).</summary>
    protected async Task SignInAndWaitAsync((string Email, string Name, string Role, string[] Departments) account, IPage? page = null)
    {
        page ??= Page;
        await SignInAsync(account, page: page);
        await Expect(page.Locator(".who")).ToHaveTextAsync(account.Name);
        await WaitForLiveAsync(page);
    }

    /// <summary>
    /// Signs out and in as <paramref name="account"/> in the same browser. The open page is left first: a console page whose
    /// live connection starts after its cookie is gone sends itself to the login (a full page load), and that navigation
    /// would abort the one to the login form (net::ERR_ABORTED).
    /// </summary>
    protected async Task SwitchUserAsync((string Email, string Name, string Role, string[] Departments) account)
    {
        await Page.GotoAsync("about:blank");
        await Context.ClearCookiesAsync();
        await SignInAndWaitAsync(account);
    }

    /// <summary>Blazor's circuit is connected and the agent's presence renewed: interactive handlers and claims work from here on.</summary>
    protected Task WaitForLiveAsync(IPage? page = null) =>
        (page ?? Page).Locator("[data-testid=presence][data-live=true]").WaitForAsync();

    /// <summary>An account of this test alone (e.g. one whose language the test changes), with <see cref="ConsoleHostFixture.Password"/>.</summary>
    protected async Task<(string Email, string Name, string Role, string[] Departments)> NewAccountAsync(string role, params string[] departments)
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var account = ($"{role}-{suffix}@example.com", $"{char.ToUpperInvariant(role[0])}{role[1..]} {suffix}", role, departments);
        await host.Services.GetRequiredService<AgentAccountStore>().UpsertAsync(account.Item1, account.Item2, role, departments, ConsoleHostFixture.Password);
        return account;
    }
}

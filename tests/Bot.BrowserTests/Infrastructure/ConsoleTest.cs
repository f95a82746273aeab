using Microsoft.Playwright;
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

    protected async Task SignInAsync((string Email, string Name, string Role, string[] Departments) account, string password = ConsoleHostFixture.Password)
    {
        await Page.GotoAsync("/console/login");
        await Page.FillAsync("#email", account.Email);
        await Page.FillAsync("#password", password);
        await Page.ClickAsync("button[type=submit]");
    }

    /// <summary>Signed in and the live connection is up (the presence buttons answer only then).</summary>
    protected async Task SignInAndWaitAsync((string Email, string Name, string Role, string[] Departments) account)
    {
        await SignInAsync(account);
        await Expect(Page.Locator(".who")).ToHaveTextAsync(account.Name);
        await WaitForLiveAsync();
    }

    /// <summary>Blazor's circuit is connected: interactive handlers work from here on.</summary>
    protected Task WaitForLiveAsync() =>
        Page.Locator("[data-testid=presence][data-live=true]").WaitForAsync();
}

using System.Net;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using SupportBot.AgentConsole.Accounts;
using SupportBot.FunctionalTests.Infrastructure;
using static SupportBot.FunctionalTests.Infrastructure.TestCancellation;

namespace SupportBot.FunctionalTests.Console;

/// <summary>The console's sign-in over HTTP (the real form with its antiforgery token) and what a sign-in may do on the API.</summary>
public sealed class ConsoleSignInTests(BotHostFixture<RedisServerFixture> host) : IClassFixture<BotHostFixture<RedisServerFixture>>
{
    private const string Password = "a-long-enough-password";

    private async Task<string> NewAgentAsync(string role = AgentRoles.Agent)
    {
        var email = $"agent-{Guid.NewGuid():N}@example.com";
        await host.Factory.Services.GetRequiredService<AgentAccountStore>().UpsertAsync(email, "Test Agent", role, ["support"], Password);
        return email;
    }

    private HttpClient Browser() => ConsoleBrowser.Create(host.Factory);

    private static Task<HttpResponseMessage> SignInAsync(HttpClient browser, string email, string password) =>
        ConsoleBrowser.SignInAsync(browser, email, password);

    [Fact]
    public async Task RightPassword_SignsIn_WrongOneDoesNot()
    {
        var email = await NewAgentAsync();
        var browser = Browser();

        var wrong = await SignInAsync(browser, email, "not the password!");
        Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
        Assert.Contains("Wrong e-mail or password.", await wrong.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("/console", Ct)).StatusCode);

        var right = await SignInAsync(browser, email, Password);
        Assert.Equal(HttpStatusCode.Redirect, right.StatusCode);
        Assert.Equal("/console", new Uri(new Uri("http://localhost"), right.Headers.Location!).AbsolutePath);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/console", Ct)).StatusCode);
    }

    [Fact]
    public async Task RepeatedFailures_LockTheAccount_EvenForTheRightPassword()
    {
        var email = await NewAgentAsync();
        var browser = Browser();
        for (var i = 0; i < 5; i++)
        {
            await SignInAsync(browser, email, "wrong password " + i);
        }

        var locked = await SignInAsync(browser, email, Password);
        Assert.Equal(HttpStatusCode.OK, locked.StatusCode);
        Assert.Contains("the account is locked", await locked.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GuessesSentAllAtOnce_StillOnlyFiveArePutToTheTest_ThenTheAccountIsLocked()
    {
        var email = await NewAgentAsync();
        var accounts = host.Factory.Services.GetRequiredService<AgentAccountStore>();

        // A burst of guesses: each would read the account as unlocked before any failure was counted.
        var results = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Task.Run(() => accounts.CheckPasswordAsync(email, "wrong password " + i), Ct)));

        Assert.True(results.Count(r => r.Result == SignInResult.WrongCredentials) <= 4, $"{results.Count(r => r.Result == SignInResult.WrongCredentials)} guesses were checked; the lockout allows 5 per {nameof(SupportBot.AgentConsole.ConsoleOptions.LockoutMinutes)}");
        Assert.Equal(SignInResult.LockedOut, (await accounts.CheckPasswordAsync(email, Password)).Result);
    }

    [Fact]
    public async Task WrongPasswordsFromOneAddress_DoNotLockTheAgentOutFromTheirOwn()
    {
        var email = await NewAgentAsync();
        var accounts = host.Factory.Services.GetRequiredService<AgentAccountStore>();
        for (var i = 0; i < 5; i++)
        {
            await accounts.CheckPasswordAsync(email, "wrong password " + i, "203.0.113.7");
        }

        Assert.Equal(SignInResult.LockedOut, (await accounts.CheckPasswordAsync(email, Password, "203.0.113.7")).Result);
        Assert.Equal(SignInResult.Success, (await accounts.CheckPasswordAsync(email, Password, "198.51.100.2")).Result);
        Assert.Equal(SignInResult.LockedOut, (await accounts.CheckPasswordAsync(email, Password, "203.0.113.7")).Result);
    }

    [Fact]
    public async Task GuessesFromManyAddresses_LockTheAccountForEveryone()
    {
        var email = await NewAgentAsync();
        var accounts = host.Factory.Services.GetRequiredService<AgentAccountStore>();

        // Four guesses each from many addresses, none of them locked on its own: fifty in all lock the account.
        var results = await Task.WhenAll(Enumerable.Range(0, 60).Select(i =>
            Task.Run(() => accounts.CheckPasswordAsync(email, "wrong password " + i, $"198.18.{i / 4}.1"), Ct)));

        Assert.True(results.Count(r => r.Result == SignInResult.WrongCredentials) < 50, $"{results.Count(r => r.Result == SignInResult.WrongCredentials)} guesses were checked");
        Assert.Equal(SignInResult.LockedOut, (await accounts.CheckPasswordAsync(email, Password, "192.0.2.99")).Result);
    }

    [Fact]
    public async Task TwoAddressesThatLookAlikeAsIds_AreTwoAccounts_NeitherTakesOverTheOther()
    {
        var accounts = host.Factory.Services.GetRequiredService<AgentAccountStore>();
        var tag = Guid.NewGuid().ToString("N")[..8];
        var ann = await accounts.UpsertAsync($"ann-{tag}@example.com", "Ann", AgentRoles.Agent, ["support"], Password);

        // Both addresses clean to the same readable id.
        var other = await accounts.UpsertAsync($"ann@{tag}-example.com", "Mallory", AgentRoles.Admin, [], "another-long-password");

        Assert.NotEqual(ann.Id, other.Id);
        var (result, signedIn) = await accounts.CheckPasswordAsync($"ann-{tag}@example.com", Password);
        Assert.Equal(SignInResult.Success, result);
        Assert.Equal(("Ann", AgentRoles.Agent, ann.Id), (signedIn!.Name, signedIn.Role, signedIn.Id));
        Assert.Equal(SignInResult.Success, (await accounts.CheckPasswordAsync($"ann@{tag}-example.com", "another-long-password")).Result);
        Assert.Equal(2, (await accounts.ListAsync()).Count(a => a.Email.Contains(tag, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task PasswordReset_EndsTheSessionsSignedInWithTheOldPassword()
    {
        var email = await NewAgentAsync();
        var accounts = host.Factory.Services.GetRequiredService<AgentAccountStore>();
        var stolen = Browser();
        Assert.Equal(HttpStatusCode.Redirect, (await SignInAsync(stolen, email, Password)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await stolen.GetAsync("/api/handoff/queue", Ct)).StatusCode);

        // The agent's password leaked; the admin sets a new one.
        await accounts.SetPasswordAsync((await accounts.FindByEmailAsync(email))!.Id, "a-brand-new-password");

        Assert.Equal(HttpStatusCode.Unauthorized, (await stolen.GetAsync("/api/handoff/queue", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await stolen.GetAsync("/console", Ct)).StatusCode);
        var fresh = Browser();
        Assert.Equal(HttpStatusCode.Redirect, (await SignInAsync(fresh, email, "a-brand-new-password")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await fresh.GetAsync("/api/handoff/queue", Ct)).StatusCode);
    }

    [Fact]
    public async Task UnknownEmail_GetsTheSameAnswerAsAWrongPassword()
    {
        var response = await SignInAsync(Browser(), "nobody@example.com", Password);
        Assert.Contains("Wrong e-mail or password.", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignedIn_ReadsTheApi_ButAChangeWithoutTheAntiforgeryTokenIsRefused()
    {
        var browser = Browser();
        Assert.Equal(HttpStatusCode.Redirect, (await SignInAsync(browser, await NewAgentAsync(), Password)).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/api/handoff/queue", Ct)).StatusCode);
        var forged = await browser.PostAsync("/api/handoff/webchat:abc/claim", null, Ct);
        await ProblemAssert.IsProblemAsync(forged, HttpStatusCode.Forbidden);

        // A made-up API key next to the sign-in cookie gets no further.
        using var withMadeUpKey = new HttpRequestMessage(HttpMethod.Post, "/api/handoff/webchat:abc/claim");
        withMadeUpKey.Headers.Add("X-Api-Key", "made-up");
        await ProblemAssert.IsProblemAsync(await browser.SendAsync(withMadeUpKey, Ct), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task SignInCookie_IsHttpOnlyAndSameSiteStrict()
    {
        var browser = host.Factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        var form = await browser.GetAsync("/console/login", Ct);
        var antiforgeryCookie = form.Headers.GetValues("Set-Cookie").First(c => c.StartsWith(".SupportBot.Antiforgery", StringComparison.Ordinal));
        var token = ConsoleBrowser.AntiforgeryToken(await form.Content.ReadAsStringAsync(Ct));
        using var post = new HttpRequestMessage(HttpMethod.Post, "/console/login")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["_handler"] = "login", ["__RequestVerificationToken"] = token, ["Input.Email"] = await NewAgentAsync(), ["Input.Password"] = Password,
            }),
        };
        post.Headers.Add("Cookie", antiforgeryCookie.Split(';')[0]);
        var response = await browser.SendAsync(post, Ct);

        var session = response.Headers.GetValues("Set-Cookie").First(c => c.StartsWith(".SupportBot.Console=", StringComparison.Ordinal));
        Assert.Contains("httponly", session, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", session, StringComparison.OrdinalIgnoreCase);
    }
}

using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;
using static SupportBot.FunctionalTests.Infrastructure.TestCancellation;

namespace SupportBot.FunctionalTests.Infrastructure;

/// <summary>An HTTP client that behaves like a browser on the console: keeps cookies, fills the real login form.</summary>
public static partial class ConsoleBrowser
{
    public static HttpClient Create(BotFactory factory) =>
        factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    /// <summary>Posts the login form with its antiforgery token: 302 on success, the form again (200) on failure.</summary>
    public static async Task<HttpResponseMessage> SignInAsync(HttpClient browser, string email, string password)
    {
        var form = await browser.GetStringAsync("/console/login", Ct);
        return await browser.PostAsync("/console/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["__RequestVerificationToken"] = AntiforgeryToken(form),
            ["Input.Email"] = email,
            ["Input.Password"] = password,
        }), Ct);
    }

    /// <summary>A console page as the signed-in agent gets it (rendered on the server before the live connection takes over).</summary>
    public static async Task<string> SignedInPageAsync(BotFactory factory, string email, string password, string path)
    {
        using var browser = Create(factory);
        Assert.Equal(System.Net.HttpStatusCode.Redirect, (await SignInAsync(browser, email, password)).StatusCode);
        return await browser.GetStringAsync(path, Ct);
    }

    /// <summary>
    /// A new console account of <paramref name="role"/>, signed in through the login form, whose client sends the console
    /// page's antiforgery token with every request (as the page's own calls do). Returns the client and the agent id.
    /// </summary>
    public static async Task<(HttpClient Client, string AgentId)> NewSignedInAsync(BotFactory factory, string role, params string[] departments)
    {
        const string password = "a-long-enough-password";
        var email = $"{role}-{Guid.NewGuid():N}@example.com";
        var accounts = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<AgentConsole.Accounts.AgentAccountStore>(factory.Services);
        var account = await accounts.UpsertAsync(email, "Test " + role, role, departments, password);
        var client = Create(factory);
        var signedIn = await SignInAsync(client, email, password);
        Assert.Equal(System.Net.HttpStatusCode.Redirect, signedIn.StatusCode);
        client.DefaultRequestHeaders.Add("RequestVerificationToken", AntiforgeryToken(await client.GetStringAsync("/console/feed", Ct)));
        return (client, account.Id);
    }

    /// <summary>The antiforgery token a console page carries in its forms.</summary>
    public static string AntiforgeryToken(string html) => TokenField().Match(html).Groups[1].Value;

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex TokenField();
}

using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Localization;
using Microsoft.Extensions.Options;
using SupportBot.AgentConsole.Accounts;
using SupportBot.AgentConsole.Canned;
using SupportBot.AgentConsole.Live;
using SupportBot.Api;

namespace SupportBot.AgentConsole;

/// <summary>The agent console: cookie sign-in, Razor components under <c>/console</c>, languages.</summary>
public static class ConsoleSetup
{
    public const string CookieScheme = "Console";
    public const string Path = "/console";
    public const string LoginPath = Path + "/login";
    public const string CultureCookie = ".SupportBot.Console.Culture";
    public static readonly string[] Languages = ["en", "ru"];

    public static IHostApplicationBuilder AddConsole(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ConsoleOptions>().BindConfiguration(ConsoleOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<AgentAccountStore>();
        builder.Services.AddSingleton<CannedReplyStore>();
        builder.Services.AddSingleton<ConsoleNotices>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ConsoleNotices>());
        builder.Services.AddSingleton<Departments.DepartmentSettings>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<Departments.DepartmentSettings>());
        builder.Services.AddLocalization();
        builder.Services.AddTransient<ConsoleNames>();
        builder.Services.AddScoped<AgentClock>();
        // First among the exception handlers: ahead of the storage's JSON answer to the same outage.
        builder.Services.Insert(0, ServiceDescriptor.Singleton<Microsoft.AspNetCore.Diagnostics.IExceptionHandler, ConsoleOutagePage>());
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddCascadingAuthenticationState();
        builder.Services.AddScoped<Microsoft.AspNetCore.Components.Authorization.AuthenticationStateProvider, AccountRevalidation>();
        builder.Services.AddAntiforgery(o =>
        {
            o.Cookie.Name = ".SupportBot.Antiforgery";
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });

        builder.Services.AddAuthentication()
            .AddCookie(CookieScheme, o =>
            {
                o.Cookie.Name = ".SupportBot.Console";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest; // Secure whenever the console is served over HTTPS
                o.LoginPath = LoginPath;
                o.LogoutPath = Path + "/logout";
                o.AccessDeniedPath = Path + "/denied";
                o.SlidingExpiration = true;
                o.Events.OnRedirectToLogin = context => RedirectOrStatus(context, StatusCodes.Status401Unauthorized);
                o.Events.OnRedirectToAccessDenied = context => RedirectOrStatus(context, StatusCodes.Status403Forbidden);
                o.Events.OnValidatePrincipal = ValidateAccountAsync;
            });
        builder.Services.AddOptions<CookieAuthenticationOptions>(CookieScheme)
            .Configure<IOptions<ConsoleOptions>>((cookie, console) => cookie.ExpireTimeSpan = TimeSpan.FromHours(console.Value.SessionHours));

        // Console pages: signed-in console users only (API keys do not open pages).
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(ConsolePolicy, policy => policy.AddAuthenticationSchemes(CookieScheme).RequireAuthenticatedUser())
            .SetDefaultPolicy(new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder(CookieScheme).RequireAuthenticatedUser().Build());
        return builder;
    }

    public const string ConsolePolicy = "console";

    /// <summary>Culture, antiforgery, and the console's endpoints. Call after UseAuthorization.</summary>
    public static WebApplication UseConsole(this WebApplication app)
    {
        var localization = new RequestLocalizationOptions()
            .SetDefaultCulture("en")
            .AddSupportedCultures(Languages)
            .AddSupportedUICultures(Languages);
        localization.RequestCultureProviders = [new CookieRequestCultureProvider { CookieName = CultureCookie }, new AcceptLanguageHeaderRequestCultureProvider()];
        app.UseRequestLocalization(localization);
        app.Use(ApiAntiforgeryAsync);
        app.UseAntiforgery();
        return app;
    }

    public static void MapConsole(this WebApplication app)
    {
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();

        app.MapPost(Path + "/logout", async (HttpContext context) =>
        {
            await context.SignOutAsync(CookieScheme);
            return Results.LocalRedirect(LoginPath);
        }).RequireAuthorization(ConsolePolicy);

        // Language switch: remembered on the account and in a cookie the circuit reads when it starts.
        app.MapPost(Path + "/language", async (HttpContext context, AgentAccountStore accounts, [Microsoft.AspNetCore.Mvc.FromForm] string language, [Microsoft.AspNetCore.Mvc.FromForm] string? returnUrl) =>
        {
            if (!Languages.Contains(language))
            {
                return Problems.BadRequest($"language is one of: {string.Join(", ", Languages)}.");
            }

            if (ActingAgent.SignedInAgent(context.User) is { } agentId)
            {
                await accounts.SetLanguageAsync(agentId, language);
            }

            SetCultureCookie(context, language);
            return Results.LocalRedirect(returnUrl is { Length: > 0 } && returnUrl.StartsWith(Path, StringComparison.Ordinal) ? returnUrl : Path);
        }).RequireAuthorization(ConsolePolicy);
    }

    public static void SetCultureCookie(HttpContext context, string language) =>
        context.Response.Cookies.Append(
            CultureCookie,
            CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(language)),
            new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, Secure = context.Request.IsHttps, MaxAge = TimeSpan.FromDays(365), IsEssential = true });

    /// <summary>
    /// A console sign-in may call the API from the page (e.g. CSV export); a change then needs the antiforgery token,
    /// so another site cannot make the agent's browser act. API-key callers are not signed in as an agent (the key's
    /// identity is not a sign-in) and are not affected; an X-Api-Key header alone, valid or not, does not skip the check.
    /// </summary>
    private static async Task ApiAntiforgeryAsync(HttpContext context, Func<Task> next)
    {
        var changes = !(HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method) || HttpMethods.IsOptions(context.Request.Method));
        if (changes
            && context.Request.Path.StartsWithSegments("/api")
            && ActingAgent.SignedInAgent(context.User) is not null
            && !await AntiforgeryValidAsync(context))
        {
            await Problems.Forbidden("Send the antiforgery token of the console page with this request.").ExecuteAsync(context);
            return;
        }

        await next();
    }

    /// <summary>The claims a console sign-in carries.</summary>
    public static ClaimsPrincipal Principal(AgentAccount account)
    {
        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, account.Id),
                new Claim(ClaimTypes.Name, account.Name),
                new Claim(ClaimTypes.Email, account.Email),
                new Claim(ClaimTypes.Role, account.Role),
                .. account.Departments.Select(d => new Claim(DepartmentClaim, d)),
                new Claim(PasswordStampClaim, PasswordStamp(account)),
            ],
            CookieScheme);
        return new ClaimsPrincipal(identity);
    }

    public const string DepartmentClaim = "department";

    /// <summary>Which password a sign-in was made with: a new password ends the sessions made with the old one.</summary>
    public const string PasswordStampClaim = "pwd";

    private static string PasswordStamp(AgentAccount account) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(account.PasswordHash)).AsSpan(0, 8));

    /// <summary>A disabled or deleted account, or a new password, ends the session at its next request; a changed role is taken over.</summary>
    private static async Task ValidateAccountAsync(CookieValidatePrincipalContext context)
    {
        var id = context.Principal?.FindFirstValue(ClaimTypes.NameIdentifier);
        var account = id is null ? null : await context.HttpContext.RequestServices.GetRequiredService<AgentAccountStore>().GetAsync(id);
        if (!SessionStillValid(context.Principal!, account))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieScheme);
            return;
        }

        var principal = context.Principal!;
        if (principal.FindFirstValue(ClaimTypes.Role) != account!.Role
            || !principal.FindAll(DepartmentClaim).Select(c => c.Value).SequenceEqual(account.Departments))
        {
            context.ReplacePrincipal(Principal(account));
            context.ShouldRenew = true;
        }
    }

    /// <summary>False when the account of a sign-in is gone, disabled, or has a new password since.</summary>
    internal static bool SessionStillValid(ClaimsPrincipal principal, AgentAccount? account) =>
        account is { Disabled: false } && principal.FindFirstValue(PasswordStampClaim) == PasswordStamp(account);

    /// <summary>Pages redirect to the login; API and hub calls get a status code (with problem details) instead.</summary>
    private static Task RedirectOrStatus(RedirectContext<CookieAuthenticationOptions> context, int status)
    {
        if (context.Request.Path.StartsWithSegments(Path) && !context.Request.Path.StartsWithSegments(Path + "/api"))
        {
            context.Response.Redirect(context.RedirectUri);
            return Task.CompletedTask;
        }

        // An API or hub call: a problem that says how to get in.
        return context.Response.HasStarted ? Task.CompletedTask : (status == StatusCodes.Status401Unauthorized
            ? Problems.Unauthorized($"Send a key from Api:Keys in the {ApiKeyAuthenticationHandler.HeaderName} header, or sign in to the console at {LoginPath}.")
            : Problems.Forbidden("Your console role may not use this.")).ExecuteAsync(context.HttpContext);
    }

    /// <summary>The culture a sign-in starts with: the account's language.</summary>
    public static CultureInfo CultureOf(AgentAccount account) => CultureInfo.GetCultureInfo(Languages.Contains(account.Language) ? account.Language : "en");

    /// <summary>Validates the antiforgery token of a cookie-authenticated API call that changes something.</summary>
    public static async Task<bool> AntiforgeryValidAsync(HttpContext context)
    {
        try
        {
            await context.RequestServices.GetRequiredService<IAntiforgery>().ValidateRequestAsync(context);
            return true;
        }
        catch (AntiforgeryValidationException)
        {
            return false;
        }
    }
}

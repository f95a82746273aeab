using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using SupportBot.Api;
using SupportBot.Channels.WebChat;
using SupportBot.Dialogs;
using SupportBot.Dialogs.Content;
using SupportBot.Pipeline;
using SupportBot.Observability;
using SupportBot.Pipeline.Outbox;
using SupportBot.Security;
using SupportBot.Storage;

namespace SupportBot.Hosting;

/// <summary>Logging, telemetry, problem details, security (headers, cookies, rate limits), limits, API-key auth and health: what every endpoint relies on.</summary>
public static class BotDefaults
{
    /// <summary>The agents' API: an <c>X-Api-Key</c> (integrations) or a console sign-in (cookie, with antiforgery on changes).</summary>
    public const string ApiPolicy = "api";

    /// <summary>Picks the API key handler when the header is there, else the console cookie.</summary>
    private const string KeyOrCookieScheme = "KeyOrCookie";

    public static IHostApplicationBuilder AddBotDefaults(this WebApplicationBuilder builder)
    {
        builder.Logging.AddSimpleConsole(console =>
        {
            console.IncludeScopes = true; // carries the conversation id into every line of a turn
            console.SingleLine = true;
            console.TimestampFormat = "HH:mm:ss ";
        });

        builder.AddObservability();
        builder.AddSecurity();
        builder.Services.AddOptions<ApiOptions>().BindConfiguration(ApiOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        var maxBody = builder.Configuration.GetValue<long?>(ApiOptions.Section + ":MaxRequestBodyBytes") ?? new ApiOptions().MaxRequestBodyBytes;
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = maxBody);
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(30));
        builder.Services.AddSingleton(TimeProvider.System);

        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<BadRequestExceptionHandler>();
        builder.Services.AddHealthChecks();

        builder.Services.AddAuthentication(KeyOrCookieScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null)
            .AddPolicyScheme(KeyOrCookieScheme, "API key or console sign-in", o => o.ForwardDefaultSelector = context =>
                context.Request.Headers.ContainsKey(ApiKeyAuthenticationHandler.HeaderName) && !context.Request.Path.StartsWithSegments(Intake.IntakeSetup.FormPath)
                    ? ApiKeyAuthenticationHandler.SchemeName
                    : AgentConsole.ConsoleSetup.CookieScheme); // the form intake's X-Api-Key is a site key, which it checks itself
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(ApiPolicy, policy => policy.AddAuthenticationSchemes(KeyOrCookieScheme).RequireAuthenticatedUser());
        return builder;
    }

    public static WebApplication UseBotDefaults(this WebApplication app)
    {
        app.UseSecurity();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(20) });
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.UseCors();
        app.UseRateLimiter();
        app.UseAuthentication();
        app.UseAuthorization();

        // Liveness: the process answers. Readiness: Redis answers too.
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") });
        app.MapMetrics();

        if (app.Services.GetRequiredService<IOptions<ApiOptions>>().Value.Keys.Length == 0)
        {
            Log.NoApiKeys(app.Logger);
        }

        if (string.IsNullOrEmpty(app.Services.GetRequiredService<IOptions<WebChatOptions>>().Value.Secret))
        {
            Log.NoWebChatSecret(app.Logger);
        }

        return app;
    }

    /// <summary>
    /// Connects to storage first, so a wrong <c>Redis:Connection</c> ends start-up with one
    /// readable line instead of a stack trace; then runs until shut down.
    /// </summary>
    public static async Task<int> RunBotAsync(this WebApplication app, string[] args)
    {
        try
        {
            CheckSettings(app.Services);
            app.Services.GetRequiredService<ContentLibrary>(); // a broken YAML file stops here, not at the first customer
            app.Services.GetRequiredService<IConversationBot>(); // the demo bot trains its FAQ recognizer now, not at the first customer
            await app.Services.GetRequiredService<RedisConnection>().ConnectAsync();
            await AgentConsole.Accounts.FirstAdmin.EnsureAsync(app.Services);
        }
        catch (Exception e) when (e is StorageUnavailableException or ContentException or OptionsValidationException || IsUnreadableSetting(e))
        {
            await Console.Error.WriteLineAsync("Start-up stopped: " + e.Message.ReplaceLineEndings(" "));
            return 1;
        }

        if (args is ["agents", .. var command])
        {
            return await AgentConsole.Accounts.AgentsCommand.RunAsync(app.Services, command);
        }

        await app.RunAsync();
        return 0;
    }

    /// <summary>A value the configuration binder could not convert (e.g. an unknown enum name): its message names the setting.</summary>
    private static bool IsUnreadableSetting(Exception e) =>
        e is InvalidOperationException && e.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal);

    /// <summary>Validates every options class now, so a wrong value is reported with its section name.</summary>
    private static void CheckSettings(IServiceProvider services)
    {
        Check<RedisOptions>(services, RedisOptions.Section);
        Check<StorageOptions>(services, StorageOptions.Section);
        Check<PipelineOptions>(services, PipelineOptions.Section);
        Check<OutboxOptions>(services, OutboxOptions.Section);
        Check<ApiOptions>(services, ApiOptions.Section);
        Check<SecurityOptions>(services, SecurityOptions.Section);
        Check<RateLimitOptions>(services, RateLimitOptions.Section);
        Check<MetricsOptions>(services, MetricsOptions.Section);
        Check<TelemetryOptions>(services, TelemetryOptions.Section);
        Check<WebChatOptions>(services, WebChatOptions.Section);
        Check<Handoff.Departments.HandoffOptions>(services, Handoff.Departments.HandoffOptions.Section);
        Check<AgentConsole.ConsoleOptions>(services, AgentConsole.ConsoleOptions.Section);
        Check<Customers.CustomersOptions>(services, Customers.CustomersOptions.Section);
        Check<FollowUps.FollowUpsOptions>(services, FollowUps.FollowUpsOptions.Section);
        Check<Reports.ReportsOptions>(services, Reports.ReportsOptions.Section);
        Check<Interests.InterestsOptions>(services, Interests.InterestsOptions.Section);
        Check<Channels.Telegram.TelegramOptions>(services, Channels.Telegram.TelegramOptions.Section);
        Check<Channels.Vk.VkOptions>(services, Channels.Vk.VkOptions.Section);
        Check<Intake.IntakeOptions>(services, Intake.IntakeOptions.Section);
        Check<Export.ExportOptions>(services, Export.ExportOptions.Section);
        Check<Channels.Email.EmailOptions>(services, Channels.Email.EmailOptions.Section);
    }

    private static void Check<TOptions>(IServiceProvider services, string section) where TOptions : class
    {
        try
        {
            _ = services.GetRequiredService<IOptions<TOptions>>().Value;
        }
        catch (OptionsValidationException e)
        {
            throw new OptionsValidationException(section, typeof(TOptions), [.. e.Failures.Select(f => f.StartsWith(section + ":", StringComparison.Ordinal) ? f : $"{section}: {f}")]);
        }
    }
}

/// <summary>Turns Kestrel's bad-request errors (body too large, malformed request) into problem details with their own status.</summary>
internal sealed class BadRequestExceptionHandler(IProblemDetailsService problemDetails) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad)
        {
            return false;
        }

        httpContext.Response.StatusCode = bad.StatusCode;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = { Status = bad.StatusCode, Title = "Bad request", Detail = bad.Message },
        });
    }
}

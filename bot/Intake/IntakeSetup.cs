using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using SupportBot.Api;

namespace SupportBot.Intake;

/// <summary>Wires the web-form intake: <c>Intake:*</c>, its rate limit, CORS for the sites' origins and the confirmation seam.</summary>
public static class IntakeSetup
{
    public const string CorsPolicy = "intake";
    public const string FormPath = "/api/intake/form";

    public static IHostApplicationBuilder AddIntake(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<IntakeOptions>().BindConfiguration(IntakeOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<IntakeOptions>, IntakeOptionsValidator>();
        builder.Services.AddSingleton<FormDeduplicator>();
        builder.Services.AddSingleton<ConfirmationCap>();
        builder.Services.AddSingleton<FormIntake>();
        builder.Services.TryAddSingleton<IFormConfirmationSender, NoFormConfirmationSender>(); // the e-mail channel registers the real one
        builder.Services.AddRateLimiter(limiter => limiter.AddPolicy<string, IntakeRateLimitPolicy>(IntakeRateLimitPolicy.Name));

        // Browsers on a site's own origins may post directly (the key then is public: it opens nothing but this).
        var origins = builder.Configuration.GetSection(IntakeOptions.Section + ":Sites").GetChildren()
            .SelectMany(site => site.GetSection(nameof(IntakeSiteOptions.Origins)).Get<string[]>() ?? []).ToArray();
        builder.Services.AddCors(cors => cors.AddPolicy(CorsPolicy, policy => policy
            .WithOrigins(origins)
            .WithMethods(HttpMethods.Post)
            .WithHeaders("content-type", ApiKeyAuthenticationHandler.HeaderName, FormIntake.IdempotencyHeader)));
        return builder;
    }

    /// <summary><c>POST /api/intake/form</c>: the site's own key in <c>X-Api-Key</c> (not <c>Api:Keys</c>, not a console sign-in).</summary>
    public static RouteHandlerBuilder MapIntake(this WebApplication app)
    {
        // Once started (the settings are checked by then): say so when a site wants confirmations nobody can send.
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var sites = app.Services.GetRequiredService<IOptions<IntakeOptions>>().Value.Sites;
            if (!app.Services.GetRequiredService<IFormConfirmationSender>().CanSend)
            {
                foreach (var index in Enumerable.Range(0, sites.Count).Where(i => sites[i].ConfirmationEmail))
                {
                    IntakeLog.NoConfirmationSender(app.Logger, index);
                }
            }
        });

        return app.MapPost(FormPath, (HttpContext context, FormIntake intake) => intake.SubmitAsync(context))
            .RequireCors(CorsPolicy)
            .RequireRateLimiting(IntakeRateLimitPolicy.Name)
            .DisableAntiforgery();
    }
}

using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using SupportBot.Hosting;
using SupportBot.Security;

namespace SupportBot.Channels.Telegram;

/// <summary>Wires the Telegram channel: options, clients, the update handler, the sender and the endpoints.</summary>
public static class TelegramChannel
{
    public static IHostApplicationBuilder AddTelegram(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<TelegramOptions>().BindConfiguration(TelegramOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<TelegramOptions>, TelegramOptionsValidator>();
        // Above the longest getUpdates wait (50 s). No HttpClient request logging: Bot API URLs contain the token.
        builder.Services.AddHttpClient(TelegramBots.HttpClientName, http => http.Timeout = TimeSpan.FromSeconds(90)).RemoveAllLoggers();
        builder.Services.AddSingleton<TelegramBots>();
        builder.Services.AddSingleton<FollowUps.IAgentNotifier, TelegramAgentNotifier>();
        builder.Services.AddSingleton<TelegramAgentLink>();
        builder.Services.AddSingleton<FollowUps.ITelegramAgentLinks>(sp => sp.GetRequiredService<TelegramAgentLink>());
        builder.Services.AddSingleton<TelegramStore>();
        builder.Services.TryAddSingleton<CustomerReachability>();
        builder.Services.AddSingleton<TelegramBlocking>();
        builder.Services.AddSingleton<TelegramProfilePhotos>();
        builder.Services.AddSingleton<TelegramRateLimits>();
        builder.Services.AddSingleton<TelegramUpdateHandler>();
        builder.Services.AddKeyedSingleton<IChannelSender, TelegramSender>(TelegramBots.ChannelName);
        builder.Services.AddKeyedSingleton<IChannelTyping, TelegramTyping>(TelegramBots.ChannelName);
        builder.Services.AddHostedService<TelegramConnector>();
        return builder;
    }

    public static IEndpointRouteBuilder MapTelegram(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/channels/telegram/{name}", TelegramEndpoints.Webhook).DisableAntiforgery().LimitedAs(Ingress.Webhook);
        app.MapGet("/api/channels/telegram/{name}/files/{fileId}", TelegramEndpoints.File).RequireAuthorization(BotDefaults.ApiPolicy);
        return app;
    }
}

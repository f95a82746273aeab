using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace SupportBot.Channels.WebChat;

/// <summary>Wires the website chat: Direct Line 3.0, the visitor-token endpoint, CORS and the widget.</summary>
public static class WebChatChannel
{
    public const string CorsPolicy = "webchat";
    public const string VisitorTokenRateLimit = "webchat-visitor-token";

    public static IHostApplicationBuilder AddWebChat(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<WebChatOptions>().BindConfiguration(WebChatOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<DirectLineTokens>();
        builder.Services.AddSingleton<DirectLineTranscript>();
        builder.Services.AddKeyedSingleton<IChannelSender, WebChatSender>(DirectLineTranscript.ChannelName);
        builder.Services.AddKeyedSingleton<IChannelTyping, WebChatTyping>(DirectLineTranscript.ChannelName);

        var allowedOrigins = builder.Configuration.GetSection(WebChatOptions.Section + ":AllowedOrigins").Get<string[]>() ?? ["*"];
        builder.Services.AddCors(cors => cors.AddPolicy(CorsPolicy, policy =>
        {
            if (allowedOrigins.Contains("*"))
            {
                policy.AllowAnyOrigin();
            }
            else
            {
                policy.WithOrigins(allowedOrigins);
            }

            // DirectLineJS sends x-ms-bot-agent and x-requested-with; Web Chat stalls if the preflight refuses them.
            policy.WithHeaders("authorization", "content-type", "x-ms-bot-agent", "x-requested-with").AllowAnyMethod();
        }));

        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.AddPolicy(VisitorTokenRateLimit, context =>
            {
                var perMinute = context.RequestServices.GetRequiredService<IOptions<WebChatOptions>>().Value.TokenRequestsPerMinutePerIp;
                return RateLimitPartition.GetFixedWindowLimiter(
                    context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                    _ => new FixedWindowRateLimiterOptions { PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 });
            });
        });
        return builder;
    }

    public static IEndpointRouteBuilder MapWebChat(this IEndpointRouteBuilder app)
    {
        app.MapDirectLine();
        app.MapPost("/api/webchat/token", DirectLineApi.VisitorToken)
            .RequireCors(CorsPolicy)
            .RequireRateLimiting(VisitorTokenRateLimit);
        return app;
    }
}

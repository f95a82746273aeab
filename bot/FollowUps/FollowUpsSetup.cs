namespace SupportBot.FollowUps;

public static class FollowUpsSetup
{
    /// <summary>The follow-up store, the reminder loop (<c>FollowUps:CheckSeconds</c>) and the relay to agents' live connections.</summary>
    public static IHostApplicationBuilder AddFollowUps(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<FollowUpsOptions>().BindConfiguration(FollowUpsOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<FollowUpsOptions>, FollowUpsOptionsValidator>();
        builder.Services.AddSingleton<FollowUpStore>();
        builder.Services.AddHostedService<FollowUpReminder>();
        builder.Services.AddSingleton<FollowUpRelay>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<FollowUpRelay>());
        // IAgentNotifier implementations register with their channel (Telegram: TelegramAgentNotifier).
        return builder;
    }
}

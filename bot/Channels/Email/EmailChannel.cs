using Microsoft.Extensions.Options;

namespace SupportBot.Channels.Email;

/// <summary>Wires e-mail: options, the IMAP reader, the intake, the sender keyed "email" and the notification mailer.</summary>
public static class EmailChannel
{
    public static IHostApplicationBuilder AddEmail(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<EmailOptions>().BindConfiguration(EmailOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<EmailOptions>, EmailOptionsValidator>();
        builder.Services.AddSingleton<EmailStore>();
        builder.Services.AddSingleton<EmailIntake>();
        builder.Services.AddSingleton<EmailSmtp>();
        builder.Services.AddSingleton<IEmailNotifier, EmailNotifier>();
        builder.Services.AddKeyedSingleton<IChannelSender, EmailSender>(EmailIntake.Channel);
        builder.Services.AddHostedService<EmailPoller>();
        return builder;
    }
}

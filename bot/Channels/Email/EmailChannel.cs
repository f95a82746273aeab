using Microsoft.Extensions.Options;
using SupportBot.Intake;

namespace SupportBot.Channels.Email;

/// <summary>Wires e-mail: options, the IMAP reader, the intake, the sender keyed "email", the notification mailer and the web forms' confirmations.</summary>
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
        // The web-form intake's confirmation mails (its stand-in is added with TryAdd, so this one wins in either order).
        builder.Services.AddSingleton<FormConfirmationQueue>();
        builder.Services.AddSingleton<IFormConfirmationSender>(sp => sp.GetRequiredService<FormConfirmationQueue>());
        builder.Services.AddHostedService<FormConfirmationMailer>();
        builder.Services.AddKeyedSingleton<IChannelSender, EmailSender>(EmailIntake.Channel);
        builder.Services.AddHostedService<EmailPoller>();
        return builder;
    }
}

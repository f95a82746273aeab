namespace SupportBot.Intake;

/// <summary>The form intake's log lines (event ids 840–859; the e-mail channel has 800–819): site names and record ids only, never what the form said.</summary>
internal static partial class IntakeLog
{
    [LoggerMessage(840, LogLevel.Information, "Web form on {Site} recorded as {RecordId} ({Action})")]
    public static partial void Recorded(ILogger logger, string site, string recordId, string action);

    [LoggerMessage(841, LogLevel.Debug, "Web form on {Site} repeated {RecordId}: not recorded again")]
    public static partial void Duplicate(ILogger logger, string site, string recordId);

    [LoggerMessage(842, LogLevel.Information, "Web form on {Site} dropped: the honeypot field was filled")]
    public static partial void HoneypotFilled(ILogger logger, string site);

    [LoggerMessage(843, LogLevel.Warning, "Confirmation e-mail for {RecordId} on {Site} failed")]
    public static partial void ConfirmationFailed(ILogger logger, string site, string recordId, Exception exception);

    [LoggerMessage(844, LogLevel.Warning, "Intake:Sites:{Index}:ConfirmationEmail is on, but no e-mail sender is configured: no confirmation is sent")]
    public static partial void NoConfirmationSender(ILogger logger, int index);

    [LoggerMessage(845, LogLevel.Warning, "Confirmation e-mail for {RecordId} on {Site} not sent: its address had Intake:ConfirmationsPerAddressPerDay already")]
    public static partial void ConfirmationCapped(ILogger logger, string site, string recordId);
}

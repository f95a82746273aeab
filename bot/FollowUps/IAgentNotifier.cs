namespace SupportBot.FollowUps;

/// <summary>
/// Another way a due reminder reaches its agent, besides their live console connection. Every
/// registered notifier is called once per reminder, on the instance that claimed it; a failing one is
/// logged and does not stop the others. The Telegram notifier (<c>TelegramAgentNotifier</c>) uses
/// <see cref="FollowUpSettings.LinkedTelegram"/>.
/// </summary>
public interface IAgentNotifier
{
    Task NotifyAsync(ReminderNotice reminder, FollowUpSettings settings, CancellationToken cancellationToken);
}

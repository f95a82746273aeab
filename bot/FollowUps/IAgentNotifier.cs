namespace SupportBot.FollowUps;

/// <summary>
/// Another way a due reminder reaches its agent, besides their live console connection. Every
/// registered notifier is called once per reminder, on the instance that claimed it; a failing one is
/// logged and does not stop the others. The Telegram notifier (which uses
/// <see cref="FollowUpSettings.LinkedTelegram"/>) comes with the Telegram channel.
/// </summary>
public interface IAgentNotifier
{
    Task NotifyAsync(ReminderNotice reminder, FollowUpSettings settings, CancellationToken cancellationToken);
}

using StackExchange.Redis;
using SupportBot.Intake;
using SupportBot.Storage;

namespace SupportBot.Channels.Email;

/// <summary>A queued confirmation: only what the mail says (not the form's text).</summary>
internal sealed record QueuedConfirmation(string RecordId, string Site, string To, string? Name, string? Language, string? Product, int Attempts, long LeaseUntilMs);

/// <summary>
/// The e-mail channel's <see cref="IFormConfirmationSender"/>: the intake puts a confirmation on a durable Redis queue
/// (a <see cref="LeasedQueue"/>, one item per record, so a repeat is queued once) and answers the form at once;
/// <see cref="FormConfirmationMailer"/> sends it. It survives a restart, and with several host instances each
/// confirmation is claimed by one of them at a time.
/// </summary>
internal sealed class FormConfirmationQueue(IConnectionMultiplexer redis, IEmailNotifier notifier, TimeProvider time) : IFormConfirmationSender
{
    private static readonly RedisValue[] Fields = ["site", "to", "name", "language", "product"];

    public LeasedQueue Items { get; } = new(redis, EmailKeys.ConfirmationsDue, EmailKeys.ConfirmationPrefix, time);

    /// <summary>A mailbox is configured (its SMTP server sends the mail, from its address).</summary>
    public bool CanSend => notifier.IsConfigured;

    public async Task SendAsync(FormConfirmation confirmation, CancellationToken cancellationToken)
    {
        if (!CanSend)
        {
            return; // start-up has warned: nothing could ever send it
        }

        await Items.EnqueueAsync(
            confirmation.RecordId,
            ["site", confirmation.Site, "to", confirmation.Email, "name", confirmation.Name ?? "", "language", confirmation.Language ?? "", "product", confirmation.Product ?? ""],
            onlyIfNew: true);
    }

    public async Task<IReadOnlyList<QueuedConfirmation>> ClaimAsync(int max, TimeSpan lease) =>
        [.. (await Items.ClaimAsync(max, lease, Fields)).Select(item => new QueuedConfirmation(
            item.Id, item.Fields[0].ToString(), item.Fields[1].ToString(), Text(item.Fields[2]), Text(item.Fields[3]), Text(item.Fields[4]), item.Attempts, item.LeaseUntilMs))];

    private static string? Text(RedisValue value) => value.IsNullOrEmpty ? null : value.ToString();
}

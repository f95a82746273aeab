using Microsoft.Extensions.Options;
using SupportBot.Dialogs.Content;
using SupportBot.Pipeline;
using SupportBot.Storage;

namespace SupportBot.Channels.Email;

/// <summary>
/// Sends the queued form confirmations through <see cref="IEmailNotifier"/> (from the first mailbox). A refusal the
/// server means for good (5xx, a bad address) drops the confirmation; a 4xx answer or an unreachable server is tried
/// again with growing pauses (<c>Channels:Email:Confirmations</c>), up to a limit. Logs name the record, never the address.
/// </summary>
internal sealed class FormConfirmationMailer(
    FormConfirmationQueue queue,
    IEmailNotifier notifier,
    ContentLibrary content,
    IOptions<EmailOptions> options,
    TimeProvider time,
    ILogger<FormConfirmationMailer> logger)
    : LeasedQueueWorker<QueuedConfirmation>(queue.Items.Wake, time, logger)
{
    private const int MaxErrorLength = 300;

    protected override string Name => "Form confirmation mail";

    protected override bool Enabled => notifier.IsConfigured;

    protected override int Concurrency => 2;

    protected override TimeSpan Poll => TimeSpan.FromSeconds(1);

    /// <summary>Room for one send (connect, log in, send, each up to the timeout) with some to spare.</summary>
    private TimeSpan Lease => TimeSpan.FromSeconds((options.Value.TimeoutSeconds * 4) + 30);

    protected override Task<IReadOnlyList<QueuedConfirmation>> ClaimAsync(int max) => queue.ClaimAsync(max, Lease);

    protected override async Task HandleAsync(QueuedConfirmation item, CancellationToken stoppingToken)
    {
        var mail = FormConfirmationMail.Compose(item.To, item.Name, item.Product, item.Language, content.Current.Messages);
        string error;
        try
        {
            await notifier.SendAsync(mail, stoppingToken);
            await queue.Items.RemoveAsync(item.RecordId);
            EmailLog.ConfirmationSent(Logger, item.Site, item.RecordId);
            return;
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            await queue.Items.ReleaseAsync(item.RecordId, item.LeaseUntilMs); // shutting down: due again at once
            return;
        }
        catch (ChannelSendException e) when (e.Permanent)
        {
            await DropAsync(item, e.Message);
            return;
        }
        catch (ArgumentException)
        {
            await DropAsync(item, "the form's address is not an e-mail address"); // its message would name the address
            return;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            error = e.Message.Length > MaxErrorLength ? e.Message[..MaxErrorLength] : e.Message;
        }

        var settings = options.Value.Confirmations;
        var attempt = item.Attempts + 1;
        if (attempt >= settings.MaxAttempts)
        {
            await DropAsync(item, $"still failing after {attempt} tries: {error}");
            return;
        }

        var wait = RetryBackoff.Next(attempt, settings.FirstRetrySeconds, settings.MaxRetrySeconds, Random.Shared);
        if (await queue.Items.RetryLaterAsync(item.RecordId, item.LeaseUntilMs, Time.GetUtcNow() + wait, "error", error) > 0)
        {
            EmailLog.ConfirmationRetrying(Logger, item.Site, item.RecordId, attempt, wait.TotalSeconds, error);
        }
    }

    private async Task DropAsync(QueuedConfirmation item, string reason)
    {
        await queue.Items.RemoveAsync(item.RecordId);
        EmailLog.ConfirmationDropped(Logger, item.Site, item.RecordId, reason);
    }
}

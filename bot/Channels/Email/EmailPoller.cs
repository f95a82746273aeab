using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using Microsoft.Extensions.Options;
using MimeKit;
using SupportBot.Pipeline;

namespace SupportBot.Channels.Email;

/// <summary>
/// Reads each mailbox's folder by IMAP: waits with IDLE where the server has it, else polls every
/// <see cref="EmailMailboxOptions.PollSeconds"/>. One instance at a time reads a mailbox (a lease in
/// Redis, renewed while it reads; another instance takes over when it goes quiet), and the last UID
/// handled is kept in Redis with the folder's UIDVALIDITY, so a restart neither reads a mail twice
/// into the log nor skips one. A mail is handed to the pipeline before the cursor moves past it; a
/// crash in between reads it again and the Message-ID dedupe drops the copy. A server that is down
/// is retried with growing pauses; the host runs on meanwhile.
/// </summary>
internal sealed class EmailPoller(
    EmailIntake intake,
    EmailStore store,
    IOptions<EmailOptions> options,
    TimeProvider time,
    ILogger<EmailPoller> logger) : BackgroundService
{
    /// <summary>RFC 2177: clients should re-issue IDLE at least every 29 minutes; servers and NATs often drop sooner.</summary>
    private static readonly TimeSpan IdleRestart = TimeSpan.FromMinutes(9);

    private TimeSpan Lease => TimeSpan.FromSeconds(options.Value.LeaseSeconds);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(options.Value.Mailboxes.Select(m => RunAsync(m, stoppingToken)));

    private async Task RunAsync(EmailMailboxOptions mailbox, CancellationToken stopping)
    {
        await Task.Yield();
        var token = Guid.NewGuid().ToString("N");
        var failures = 0;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                if (!await store.TryHoldAsync(mailbox.Name, token, Lease))
                {
                    await Task.Delay(Lease / 3, time, stopping); // another instance reads it; take over if it goes quiet
                    continue;
                }

                await ReadWhileHeldAsync(mailbox, token, stopping);
                failures = 0;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                failures++;
                var delay = RetryBackoff.Next(failures, firstSeconds: 1, maxSeconds: 60, Random.Shared);
                EmailLog.ReadFailed(logger, mailbox.Name, delay.TotalSeconds, e.Message);
                await ReleaseQuietlyAsync(mailbox, token);
                try
                {
                    await Task.Delay(delay, time, stopping);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }

        await ReleaseQuietlyAsync(mailbox, token);
    }

    private async Task ReleaseQuietlyAsync(EmailMailboxOptions mailbox, string token)
    {
        try
        {
            await store.ReleaseAsync(mailbox.Name, token);
        }
        catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException)
        {
            // The lease runs out by itself.
        }
    }

    /// <summary>Connects and reads until the lease is lost or the host stops; throws on IMAP or Redis trouble.</summary>
    private async Task ReadWhileHeldAsync(EmailMailboxOptions mailbox, string token, CancellationToken stopping)
    {
        using var held = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var keeper = KeepLeaseAsync(mailbox, token, held);
        try
        {
            using var client = new ImapClient { Timeout = options.Value.TimeoutSeconds * 1000 };
            await client.ConnectAsync(mailbox.Imap.Host.Trim(), MailSecurity.ImapPort(mailbox.Imap), MailSecurity.Parse(mailbox.Imap.Security), held.Token);
            await client.AuthenticateAsync(MailSecurity.ImapUser(mailbox), mailbox.Imap.Password, held.Token);
            var folder = string.IsNullOrWhiteSpace(mailbox.Imap.Folder) || mailbox.Imap.Folder.Equals("INBOX", StringComparison.OrdinalIgnoreCase)
                ? client.Inbox
                : await client.GetFolderAsync(mailbox.Imap.Folder, held.Token);
            await folder.OpenAsync(FolderAccess.ReadOnly, held.Token); // read-only: the bot leaves flags as people set them

            var idle = client.Capabilities.HasFlag(ImapCapabilities.Idle);
            EmailLog.Connected(logger, mailbox.Name, folder.FullName, mailbox.Imap.Host, idle ? "waiting with IDLE" : $"polling every {mailbox.PollSeconds} s");

            // New mail announced while we were busy must not wait for the next IDLE timeout.
            var pending = false;
            CancellationTokenSource? idleDone = null;
            folder.CountChanged += (_, _) =>
            {
                pending = true;
                idleDone?.Cancel();
            };

            while (!held.IsCancellationRequested)
            {
                pending = false;
                await SyncAsync(mailbox, token, folder, held.Token);
                if (pending)
                {
                    continue;
                }

                if (idle)
                {
                    using var done = CancellationTokenSource.CreateLinkedTokenSource(held.Token);
                    done.CancelAfter(IdleRestart);
                    idleDone = done;
                    try
                    {
                        if (!pending)
                        {
                            await client.IdleAsync(done.Token, held.Token);
                        }
                    }
                    finally
                    {
                        idleDone = null;
                    }
                }
                else
                {
                    await Task.Delay(TimeSpan.FromSeconds(mailbox.PollSeconds), time, held.Token);
                }
            }

            await client.DisconnectAsync(true, CancellationToken.None);
        }
        catch (OperationCanceledException) when (held.IsCancellationRequested && !stopping.IsCancellationRequested)
        {
            EmailLog.LeaseLost(logger, mailbox.Name);
        }
        catch (LeaseLostException)
        {
            EmailLog.LeaseLost(logger, mailbox.Name);
        }
        finally
        {
            await held.CancelAsync();
            await keeper;
        }
    }

    /// <summary>Renews the lease at a third of its length; cancels <paramref name="held"/> when it is gone (another instance took over).</summary>
    private async Task KeepLeaseAsync(EmailMailboxOptions mailbox, string token, CancellationTokenSource held)
    {
        var failures = 0;
        while (!held.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Lease / 3, time, held.Token);
                if (!await store.TryHoldAsync(mailbox.Name, token, Lease))
                {
                    await held.CancelAsync();
                    return;
                }

                failures = 0;
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException)
            {
                // Redis is away: keep reading while the lease may still be ours, stop before it surely is not.
                if (++failures >= 2)
                {
                    await held.CancelAsync();
                    return;
                }
            }
        }
    }

    /// <summary>Hands every mail above the cursor to the intake, in UID order, moving the cursor after each.</summary>
    private async Task SyncAsync(EmailMailboxOptions mailbox, string token, IMailFolder folder, CancellationToken cancellationToken)
    {
        var validity = folder.UidValidity;
        var cursor = await store.CursorAsync(mailbox.Name);
        if (cursor is { } known && known.Validity == validity)
        {
            var fresh = await folder.SearchAsync(SearchQuery.Uids(new UniqueIdRange(new UniqueId(validity, known.Uid + 1), UniqueId.MaxValue)), cancellationToken);
            // "n:*" also names the newest mail when n is past it: only UIDs above the cursor are new.
            foreach (var uid in fresh.Where(u => u.Id > known.Uid).OrderBy(u => u.Id))
            {
                await ReadOrSetAsideAsync(mailbox, folder, uid, cancellationToken);
                if (!await store.AdvanceAsync(mailbox.Name, token, validity, uid.Id))
                {
                    throw new LeaseLostException();
                }
            }

            return;
        }

        // First read of this folder, or its UIDs were renumbered (UIDVALIDITY changed): read recent mail by date, then
        // start the cursor at the newest UID. The Message-ID dedupe drops what was handled before the renumbering.
        // The newest UID as the folder was opened, taken before searching: mail that arrives from here on lies above it
        // and the cursor reads it next. (Taken after the search, from a count the search's reply may already have
        // raised, it would have included mail the search did not see, and the cursor would have skipped it unread.)
        var top = folder.UidNext is { IsValid: true } next
            ? next.Id - 1
            : folder.Count > 0 ? (await folder.SearchAsync(SearchQuery.All, cancellationToken)).Select(u => u.Id).DefaultIfEmpty(0u).Max() : 0;
        var days = options.Value.FirstSyncDays;
        EmailLog.FirstSync(logger, mailbox.Name, cursor is null ? "first read" : "the folder's UIDs were renumbered", days, cursor is null ? "unread" : "received");
        var since = SearchQuery.DeliveredAfter(time.GetUtcNow().UtcDateTime.Date.AddDays(-days));
        var recent = days == 0 ? [] : await folder.SearchAsync(cursor is null ? SearchQuery.NotSeen.And(since) : since, cancellationToken);

        foreach (var uid in recent.Where(u => top == 0 || u.Id <= top).OrderBy(u => u.Id))
        {
            await ReadOrSetAsideAsync(mailbox, folder, uid, cancellationToken);
            top = Math.Max(top, uid.Id);
        }

        if (!await store.AdvanceAsync(mailbox.Name, token, validity, top))
        {
            throw new LeaseLostException();
        }
    }

    /// <summary>
    /// Reads one mail; a failure that is not the connection's (the server or Redis away) is counted per UID, and after
    /// <see cref="EmailOptions.MaxAttemptsPerMail"/> of them the mail is set aside (remembered in Redis, a warning with
    /// its UID) so the mail behind it is read, instead of the same mail failing the mailbox for ever. It stays in the
    /// folder for people: the bot opens the folder read-only and leaves its flags alone.
    /// </summary>
    private async Task ReadOrSetAsideAsync(EmailMailboxOptions mailbox, IMailFolder folder, UniqueId uid, CancellationToken cancellationToken)
    {
        try
        {
            await ReadOneAsync(mailbox, folder, uid, cancellationToken);
        }
        catch (Exception e) when (!IsConnectionTrouble(e, cancellationToken))
        {
            var attempts = await store.CountFailureAsync(mailbox.Name, uid.Validity, uid.Id);
            if (attempts < options.Value.MaxAttemptsPerMail)
            {
                throw;
            }

            await store.SetAsideAsync(mailbox.Name, uid.Validity, uid.Id, e.GetType().Name, time.GetUtcNow());
            EmailLog.SetAside(logger, mailbox.Name, uid.Id, attempts, e.GetType().Name);
        }
    }

    /// <summary>Failures that say nothing about the mail: trying again later is right.</summary>
    private static bool IsConnectionTrouble(Exception e, CancellationToken cancellationToken) =>
        e is OperationCanceledException or LeaseLostException or IOException or System.Net.Sockets.SocketException or TimeoutException
            or ImapProtocolException or ServiceNotConnectedException or ServiceNotAuthenticatedException or FolderNotOpenException
            or StackExchange.Redis.RedisConnectionException or StackExchange.Redis.RedisTimeoutException
        || cancellationToken.IsCancellationRequested;

    private async Task ReadOneAsync(EmailMailboxOptions mailbox, IMailFolder folder, UniqueId uid, CancellationToken cancellationToken)
    {
        MimeMessage message;
        try
        {
            var summary = (await folder.FetchAsync([uid], MessageSummaryItems.Size, cancellationToken)).FirstOrDefault();
            if (summary is null)
            {
                return; // expunged meanwhile
            }

            if (summary.Size > (uint)options.Value.MaxMessageBytes)
            {
                EmailLog.TooLarge(logger, mailbox.Name, uid.Id, summary.Size ?? 0);
                message = HeadersOnly(await folder.GetHeadersAsync(uid, cancellationToken), summary.Size ?? 0);
            }
            else
            {
                message = await folder.GetMessageAsync(uid, cancellationToken);
            }
        }
        catch (MessageNotFoundException)
        {
            return;
        }

        EmailInbound mail;
        try
        {
            mail = EmailNormalizer.Read(message, [.. options.Value.Mailboxes.Select(m => m.Address.Trim())]);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            EmailLog.Unreadable(logger, e, mailbox.Name, uid.Id);
            return;
        }

        await intake.HandleAsync(mailbox, mail);
    }

    /// <summary>A mail too large to download: its headers, and a line saying where the rest is.</summary>
    private static MimeMessage HeadersOnly(HeaderList headers, uint size)
    {
        var message = new MimeMessage();
        message.Headers.Clear();
        foreach (var header in headers)
        {
            if (header.Id is not (HeaderId.ContentType or HeaderId.ContentTransferEncoding))
            {
                message.Headers.Add(header);
            }
        }

        message.Body = new TextPart("plain")
        {
            Text = $"[This mail is {(size + 1023) / 1024} KB, too large to read here; open it in the mailbox.]",
        };
        return message;
    }

    private sealed class LeaseLostException : Exception;
}

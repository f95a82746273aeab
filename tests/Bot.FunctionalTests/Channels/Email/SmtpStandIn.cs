using System.Buffers;
using System.Collections.Concurrent;
using MimeKit;
using SmtpServer;
using SmtpServer.Authentication;
using SmtpServer.ComponentModel;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace SupportBot.FunctionalTests.Channels.Email;

/// <summary>
/// A real SMTP server on a loopback port (the SmtpServer package): it requires a login, keeps every
/// mail it accepts, and can be told to refuse the next mails to an address with a given reply code
/// (4xx: try later, 5xx: never), the way a provider's server answers.
/// </summary>
public sealed class SmtpStandIn : IAsyncDisposable
{
    public const string User = "smtp-user";
    public const string Password = "smtp-secret-1";

    private readonly SmtpServer.SmtpServer _server;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _running;
    private readonly ConcurrentQueue<MimeMessage> _received = new();
    private readonly ConcurrentDictionary<string, (int Code, int Times)> _failures = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, int> _attempts = new(StringComparer.OrdinalIgnoreCase);

    private SmtpStandIn(int port)
    {
        Port = port;
        var options = new SmtpServerOptionsBuilder()
            .ServerName("smtp.standin.test")
            .Endpoint(e => e.Endpoint(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, port)).AuthenticationRequired().AllowUnsecureAuthentication())
            .Build();
        var services = new ServiceProvider();
        services.Add(new Store(this));
        services.Add(new DelegatingUserAuthenticator((user, password) => user == User && password == Password));
        _server = new SmtpServer.SmtpServer(options, services);
        _running = _server.StartAsync(_stop.Token);
    }

    public int Port { get; }

    public IReadOnlyList<MimeMessage> Received => [.. _received];

    public static SmtpStandIn Start() => new(RedisServerFixture.FreePort());

    /// <summary>The next <paramref name="times"/> mails to <paramref name="recipient"/> are refused with <paramref name="code"/>.</summary>
    public void Refuse(string recipient, int code, int times = int.MaxValue) => _failures[recipient] = (code, times);

    /// <summary>How many times a mail to the address was offered (accepted or refused).</summary>
    public int AttemptsTo(string recipient) => _attempts.GetValueOrDefault(recipient);

    public IReadOnlyList<MimeMessage> To(string recipient) =>
        [.. _received.Where(m => m.To.Mailboxes.Any(a => string.Equals(a.Address, recipient, StringComparison.OrdinalIgnoreCase)))];

    /// <summary>Waits until <paramref name="count"/> mails to the address arrived (generous: the machine may be loaded).</summary>
    public async Task<IReadOnlyList<MimeMessage>> WaitForAsync(string recipient, int count = 1, int timeoutMs = 60_000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (true)
        {
            var got = To(recipient);
            if (got.Count >= count)
            {
                return got;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{got.Count} of {count} mails to {recipient} arrived within {timeoutMs} ms.");
            }

            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _server.Shutdown();
        try
        {
            await _running;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private sealed class Store(SmtpStandIn owner) : MessageStore
    {
        public override Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            using var stream = new MemoryStream(buffer.ToArray());
            var message = MimeMessage.Load(stream, cancellationToken);
            foreach (var to in transaction.To)
            {
                var address = to.User + "@" + to.Host;
                owner._attempts.AddOrUpdate(address, 1, (_, n) => n + 1);
                if (owner._failures.TryGetValue(address, out var failure) && failure.Times > 0)
                {
                    owner._failures[address] = (failure.Code, failure.Times - 1);
                    return Task.FromResult(new SmtpResponse((SmtpReplyCode)failure.Code, failure.Code >= 500 ? $"5.1.1 <{address}>: Mailbox unavailable" : "4.3.0 Try again later"));
                }
            }

            owner._received.Enqueue(message);
            return Task.FromResult(SmtpResponse.Ok);
        }
    }
}

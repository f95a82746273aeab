using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using MimeKit;

namespace SupportBot.FunctionalTests.Channels.Email;

/// <summary>
/// Debian's dovecot as a child process (<c>dovecot -F</c>) with a generated configuration in a temp
/// folder: IMAP on a loopback port, plain login allowed, users from a passwd file, maildirs in the
/// folder. Mail is delivered with IMAP APPEND, as a mail server's delivery agent would put it there.
/// The README's test command installs dovecot-imapd when it is missing.
/// </summary>
public sealed class DovecotServer : IAsyncDisposable
{
    private readonly string _dir;
    private readonly bool _idle;
    private Process? _process;
    private readonly StringBuilder _log = new();

    private DovecotServer(string dir, int port, bool idle)
    {
        _dir = dir;
        Port = port;
        _idle = idle;
    }

    public int Port { get; }

    public const string Password = "imap-secret-1";

    public string Log
    {
        get { lock (_log) { return _log.ToString(); } }
    }

    /// <param name="idle">False: the server does not announce IDLE, so clients must poll.</param>
    /// <param name="start">False: only the configuration is written (a server that is down until <see cref="StartAsync"/>).</param>
    public static async Task<DovecotServer> CreateAsync(IEnumerable<string> users, bool idle = true, bool start = true, int? port = null)
    {
        var dir = Directory.CreateTempSubdirectory("sb-dovecot-").FullName;
        var server = new DovecotServer(dir, port ?? RedisServerFixture.FreePort(), idle);
        server.WriteConfig(users);
        if (start)
        {
            await server.StartAsync();
        }

        return server;
    }

    private void WriteConfig(IEnumerable<string> users)
    {
        // Dovecot drops privileges: as root its login and internal processes run as the users the package made,
        // and mail as nobody; as anyone else every process runs as that user. Both need to reach the folders.
        var root = Environment.UserName == "root";
        var me = Environment.UserName;
        var mail = Path.Combine(_dir, "mail");
        Directory.CreateDirectory(mail);
        Directory.CreateDirectory(Path.Combine(_dir, "run"));
        Directory.CreateDirectory(Path.Combine(_dir, "state"));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(_dir, (UnixFileMode)Convert.ToInt32("755", 8));
            File.SetUnixFileMode(mail, (UnixFileMode)Convert.ToInt32("777", 8));
        }
        File.WriteAllLines(Path.Combine(_dir, "passwd"), users.Select(u => $"{u}:{{PLAIN}}{Password}::::::"));
        var (uid, gid) = root ? ("65534", "65534") : (Id("-u"), Id("-g"));
        var config = new StringBuilder($$"""
            base_dir = {{_dir}}/run
            state_dir = {{_dir}}/state
            log_path = /dev/stderr
            protocols = imap
            listen = 127.0.0.1
            ssl = no
            disable_plaintext_auth = no
            auth_mechanisms = plain login
            mail_location = maildir:{{mail}}/%u
            first_valid_uid = 1
            default_internal_user = {{(root ? "dovecot" : me)}}
            default_internal_group = {{(root ? "dovecot" : Id("-gn"))}}
            default_login_user = {{(root ? "dovenull" : me)}}
            passdb {
              driver = passwd-file
              args = scheme=PLAIN username_format=%u {{_dir}}/passwd
            }
            userdb {
              driver = static
              args = uid={{uid}} gid={{gid}} home={{mail}}/%u
            }
            service imap-login {
              inet_listener imap {
                address = 127.0.0.1
                port = {{Port.ToString(CultureInfo.InvariantCulture)}}
              }
              inet_listener imaps {
                port = 0
              }
            }

            """);
        if (!_idle)
        {
            config.AppendLine("imap_capability = IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE UIDPLUS NAMESPACE");
        }

        File.WriteAllText(Path.Combine(_dir, "dovecot.conf"), config.ToString());
    }

    private static string Id(string flag)
    {
        using var id = Process.Start(new ProcessStartInfo("id", [flag]) { RedirectStandardOutput = true })!;
        var value = id.StandardOutput.ReadToEnd().Trim();
        id.WaitForExit();
        return value;
    }

    public async Task StartAsync()
    {
        var start = new ProcessStartInfo(File.Exists("/usr/sbin/dovecot") ? "/usr/sbin/dovecot" : "dovecot", ["-F", "-c", Path.Combine(_dir, "dovecot.conf")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        try
        {
            _process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("dovecot is not installed; run the README's test command (it installs it) or apt-get install dovecot-imapd.", e);
        }

        _process.OutputDataReceived += (_, e) => { lock (_log) { _log.AppendLine(e.Data); } };
        _process.ErrorDataReceived += (_, e) => { lock (_log) { _log.AppendLine(e.Data); } };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        // Ready when a login works (the auth process starts a moment after the listener).
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                using var client = await ConnectAsync(File.ReadLines(Path.Combine(_dir, "passwd")).First().Split(':')[0]);
                await client.DisconnectAsync(true, TestContext.Current.CancellationToken);
                return;
            }
            catch (Exception e) when (e is SocketException or IOException or ImapProtocolException or AuthenticationException or ImapCommandException && DateTime.UtcNow < deadline)
            {
                if (_process.HasExited)
                {
                    throw new InvalidOperationException("dovecot exited: " + Log);
                }

                await Task.Delay(100, TestContext.Current.CancellationToken);
            }
        }
    }

    /// <summary>Stops the server at once (as a crash or a network cut would look to clients).</summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
        _process = null;
    }

    public async Task<ImapClient> ConnectAsync(string user)
    {
        var client = new ImapClient { Timeout = 10_000 };
        await client.ConnectAsync("127.0.0.1", Port, SecureSocketOptions.None, TestContext.Current.CancellationToken);
        await client.AuthenticateAsync(user, Password, TestContext.Current.CancellationToken);
        return client;
    }

    /// <summary>Delivers a mail into the user's INBOX (IMAP APPEND), unread.</summary>
    public async Task DeliverAsync(string user, MimeMessage message)
    {
        using var client = await ConnectAsync(user);
        await client.Inbox.AppendAsync(new AppendRequest(message, MessageFlags.None), TestContext.Current.CancellationToken);
        await client.DisconnectAsync(true, TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}

using System.Text;
using SupportBot.FunctionalTests.Infrastructure;

namespace SupportBot.Chaos;

/// <summary>
/// The host as its own process on a fixed port, restarted like a supervisor would (at once, same port,
/// same settings) when it is killed or exits; its log lines are kept across restarts. Its website chat and
/// its Telegram bot (by webhook, sending to the Bot API stand-in) are set up for the driver's customers.
/// </summary>
/// <param name="settings">More settings (environment variable names, e.g. <c>Pipeline__LeaseSeconds</c>).</param>
internal sealed class ChaosHosts(string workDirectory, string redisConnection, string telegramApiBaseUrl, IReadOnlyDictionary<string, string> settings) : IAsyncDisposable
{
    public const string ApiKey = "chaos-api-key-0123456789";
    public const string DirectLineSecret = "chaos-directline-secret-0123456789";

    private readonly List<BotProcess> _all = [];
    private readonly SemaphoreSlim _gate = new(1, 1);
    private int? _port;

    public BotProcess Current { get; private set; } = null!;

    public Uri BaseAddress => Current.BaseAddress;

    /// <summary>Restarts the host because it exited by itself: true if it had (and was started again).</summary>
    public async Task<bool> RestartIfExitedAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (!Current.HasExited)
            {
                return false;
            }

            await StartCoreAsync(cancellationToken);
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await StartCoreAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>SIGKILL (nothing is flushed, no shutdown hook runs), then a new process at once, as a supervisor does.</summary>
    /// <summary>SIGKILLs the host and starts a new one on the same port; answers when the killed one had exited.</summary>
    public async Task<DateTimeOffset> KillAndRestartAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await Current.KillAsync();
            var deadAt = DateTimeOffset.UtcNow;
            await StartCoreAsync(cancellationToken);
            return deadAt;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task StartCoreAsync(CancellationToken cancellationToken)
    {
        Current = BotProcess.Start(workDirectory, Environment(), _port);
        _port = Current.Port;
        _all.Add(Current);
        await Current.WaitUntilReadyAsync(TimeSpan.FromSeconds(180), cancellationToken);
    }

    /// <summary>Every host's output so far: stdout (the log) and stderr.</summary>
    public string Logs()
    {
        var all = new StringBuilder();
        foreach (var host in _all)
        {
            all.AppendLine($"---- host pid {host.ProcessId}").Append(host.StandardOutput).Append(host.StandardError);
        }

        return all.ToString();
    }

    private Dictionary<string, string> Environment()
    {
        var environment = new Dictionary<string, string>
        {
            ["Redis__Connection"] = redisConnection,
            ["Api__Keys__0"] = ApiKey,
            ["Channels__WebChat__Secret"] = DirectLineSecret,
            // Every customer here comes from 127.0.0.1.
            ["Channels__WebChat__TokenRequestsPerMinutePerIp"] = "100000",
            ["Channels__Telegram__Bots__0__Name"] = ChaosCustomers.BotName,
            ["Channels__Telegram__Bots__0__Token"] = ChaosCustomers.TelegramToken,
            ["Channels__Telegram__Bots__0__Mode"] = "webhook",
            ["Channels__Telegram__Bots__0__WebhookUrl"] = "https://bot.example.com/api/channels/telegram/" + ChaosCustomers.BotName,
            ["Channels__Telegram__Bots__0__WebhookSecret"] = ChaosCustomers.WebhookSecret,
            ["Channels__Telegram__Bots__0__ApiBaseUrl"] = telegramApiBaseUrl,
            // Telegram's ~30 messages/s per bot would make the run take an hour; the stand-in has no such limit.
            ["Channels__Telegram__PerBotPerSecond"] = "1000",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        foreach (var (key, value) in settings)
        {
            environment[key] = value;
        }

        return environment;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in _all)
        {
            await host.DisposeAsync();
        }
    }
}

using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

using static SupportBot.Dialogs.Tests.Infrastructure.TestCancellation;

namespace SupportBot.Dialogs.Tests.Infrastructure;

/// <summary>
/// A real <c>redis-server</c> on a free loopback port, one per test class, without persistence
/// (the approach of Bot.FunctionalTests' fixture, without dragging the bot in).
/// </summary>
public sealed class RedisServerFixture : IAsyncLifetime
{
    private Process? _process;
    private string? _dir;

    public int Port { get; private set; }

    public string ConnectionString => $"127.0.0.1:{Port}";

    public ConnectionMultiplexer Redis { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Port = FreePort();
        _dir = Directory.CreateTempSubdirectory("sb-dialogs-redis-").FullName;
        var start = new ProcessStartInfo("redis-server",
            ["--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", _dir, "--save", "", "--appendonly", "no"])
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
            throw new InvalidOperationException("redis-server is not installed; apt-get install redis-server.", e);
        }

        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                Redis = await ConnectionMultiplexer.ConnectAsync($"{ConnectionString},connectTimeout=500");
                await Redis.GetDatabase().PingAsync();
                return;
            }
            catch (RedisConnectionException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50, Ct);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Redis is not null)
        {
            await Redis.DisposeAsync();
        }

        if (_process is { HasExited: false })
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
        if (_dir is not null)
        {
            try
            {
                Directory.Delete(_dir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

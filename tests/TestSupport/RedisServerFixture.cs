using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;


namespace SupportBot.TestSupport;

/// <summary>
/// A real <c>redis-server</c> process on a free loopback port, one per test class (no Docker
/// here), with its append-only file so a restart keeps the data. The README's test command
/// installs Debian's redis-server when it is missing.
/// </summary>
public sealed class RedisServerFixture : IStore, IAsyncLifetime
{
    private Process? _process;
    private string? _dir;
    private ConnectionMultiplexer? _redis;

    public int Port { get; private set; }

    public string ConnectionString => $"127.0.0.1:{Port}";

    public string Name => "redis";

    /// <summary>A client for tests that talk to Redis directly, connected on first use.</summary>
    public ConnectionMultiplexer Redis => _redis ??= ConnectionMultiplexer.Connect(ConnectionString);

    public async ValueTask InitializeAsync()
    {
        Port = FreePort();
        _dir = Directory.CreateTempSubdirectory("sb-redis-").FullName;
        await StartAsync();
    }

    /// <summary>Starts (or restarts) the server on the same port and folder, with its append-only file.</summary>
    public async Task StartAsync()
    {
        var start = new ProcessStartInfo("redis-server",
            ["--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", _dir!, "--save", "", "--appendonly", "yes", "--appendfsync", "always"])
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
            throw new InvalidOperationException("redis-server is not installed; run the README's test command (it installs it) or apt-get install redis-server.", e);
        }

        _process.OutputDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                await using var probe = await ConnectionMultiplexer.ConnectAsync($"{ConnectionString},connectTimeout=500");
                await probe.GetDatabase().PingAsync();
                return;
            }
            catch (RedisException) when (DateTime.UtcNow < deadline)
            {
                // Not listening yet, or still reading its append-only file back (LOADING).
                await Task.Delay(50, TestContext.Current.CancellationToken);
            }
        }
    }

    /// <summary>Kills the server abruptly (as a crash would).</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }

        await KillAsync();
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

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace SupportBot.Benchmarks;

/// <summary>
/// A throw-away <c>redis-server</c> on a free loopback port, in its own temporary folder, without
/// persistence (nothing here needs to survive) unless asked for its append-only file (the chaos
/// scenario kills and restarts it). Killed and its folder removed on dispose.
/// </summary>
internal sealed class RedisServer : IAsyncDisposable
{
    private readonly string _dir;
    private readonly bool _appendOnly;
    private Process _process;

    private RedisServer(Process process, string dir, int port, bool appendOnly)
    {
        _process = process;
        _dir = dir;
        Port = port;
        _appendOnly = appendOnly;
    }

    public int Port { get; }

    public string ConnectionString => $"127.0.0.1:{Port}";

    public int ProcessId => _process.Id;

    /// <param name="appendOnly">Keep an append-only file, fsynced on every write, so a SIGKILL loses nothing acknowledged.</param>
    public static async Task<RedisServer> StartAsync(CancellationToken cancellationToken, bool appendOnly = false)
    {
        var port = FreePort();
        var dir = Directory.CreateTempSubdirectory("sb-bench-redis-").FullName;
        Process process;
        try
        {
            process = Launch(port, dir, appendOnly);
        }
        catch
        {
            Directory.Delete(dir, recursive: true);
            throw;
        }

        var server = new RedisServer(process, dir, port, appendOnly);
        // Should the bench die without unwinding (an unhandled exception elsewhere, SIGTERM), take redis-server along.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Kill();
        try
        {
            await server.WaitUntilReadyAsync(cancellationToken);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    private static Process Launch(int port, string dir, bool appendOnly)
    {
        var start = new ProcessStartInfo("redis-server",
            ["--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", dir, "--save", "",
             .. appendOnly ? new[] { "--appendonly", "yes", "--appendfsync", "always" } : ["--appendonly", "no"]])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("redis-server is not installed (apt-get install redis-server).", e);
        }

        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>SIGKILL, as a crash would; the append-only file (if kept) has every acknowledged write.</summary>
    public async Task KillAsync()
    {
        Kill();
        await _process.WaitForExitAsync();
    }

    /// <summary>Starts the server again on the same port and folder (replaying its append-only file).</summary>
    public async Task RestartAsync(CancellationToken cancellationToken)
    {
        await KillAsync();
        _process.Dispose();
        _process = Launch(Port, _dir, _appendOnly);
        await WaitUntilReadyAsync(cancellationToken);
    }

    private async Task WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"redis-server exited at start with code {_process.ExitCode}.");
            }

            try
            {
                await using var probe = await ConnectionMultiplexer.ConnectAsync($"{ConnectionString},connectTimeout=500");
                await probe.GetDatabase().PingAsync();
                return;
            }
            catch (RedisException) when (DateTime.UtcNow < deadline)
            {
                // Not listening yet, or still loading its append-only file (LOADING).
                await Task.Delay(50, cancellationToken);
            }
        }
    }

    /// <summary>CPU time redis-server has used so far (user + system).</summary>
    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    /// <summary>Calls per command since start (<c>INFO commandstats</c>), e.g. evalsha → 12000.</summary>
    public async Task<Dictionary<string, long>> CommandCallsAsync()
    {
        await using var admin = await ConnectionMultiplexer.ConnectAsync($"{ConnectionString},allowAdmin=true");
        var calls = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var group in await admin.GetServer(ConnectionString).InfoAsync("commandstats"))
        {
            foreach (var (key, value) in group)
            {
                // cmdstat_evalsha: calls=123,usec=456,...
                var name = key.StartsWith("cmdstat_", StringComparison.Ordinal) ? key[8..] : key;
                var field = value.Split(',').FirstOrDefault(f => f.StartsWith("calls=", StringComparison.Ordinal));
                if (field is not null && long.TryParse(field.AsSpan(6), NumberStyles.None, CultureInfo.InvariantCulture, out var count))
                {
                    calls[name] = count;
                }
            }
        }

        return calls;
    }

    private void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
            }
        }
        catch (InvalidOperationException)
        {
            // already gone, or disposed
        }
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        try
        {
            await _process.WaitForExitAsync();
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

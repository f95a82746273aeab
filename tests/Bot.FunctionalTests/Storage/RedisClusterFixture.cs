using System.Diagnostics;
using StackExchange.Redis;

namespace SupportBot.FunctionalTests.Storage;

/// <summary>
/// A real Redis Cluster of one node (<c>redis-server --cluster-enabled yes</c>, every slot assigned to it) on a free
/// loopback port. One node is enough to hold a script to the Cluster's rules: every key it touches declared in KEYS
/// (CROSSSLOT otherwise), and all in one hash slot ("Script attempted to access keys that do not hash to the same slot").
/// </summary>
public sealed class RedisClusterFixture : IAsyncLifetime
{
    private Process? _process;
    private string? _dir;

    public ConnectionMultiplexer Redis { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var port = RedisServerFixture.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        _dir = Directory.CreateTempSubdirectory("sb-cluster-").FullName;
        _process = Process.Start(new ProcessStartInfo("redis-server",
            ["--port", port, "--bind", "127.0.0.1", "--dir", _dir, "--save", "", "--appendonly", "no", "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        _process.OutputDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var endpoint = "127.0.0.1:" + port;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        ConnectionMultiplexer? admin = null;
        while (admin is null)
        {
            try
            {
                admin = await ConnectionMultiplexer.ConnectAsync($"{endpoint},allowAdmin=true,connectTimeout=500");
            }
            catch (RedisException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50, TestContext.Current.CancellationToken);
            }
        }

        await using (admin)
        {
            var server = admin.GetServer(endpoint);
            await server.ExecuteAsync("CLUSTER", "ADDSLOTSRANGE", "0", "16383");
            while (!((string?)await server.ExecuteAsync("CLUSTER", "INFO"))!.Contains("cluster_state:ok", StringComparison.Ordinal))
            {
                Assert.True(DateTime.UtcNow < deadline, "the one-node cluster did not come up");
                await Task.Delay(50, TestContext.Current.CancellationToken);
            }
        }

        Redis = await ConnectionMultiplexer.ConnectAsync(endpoint);
        Assert.Equal(ServerType.Cluster, Redis.GetServer(endpoint).ServerType);
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
        try
        {
            Directory.Delete(_dir!, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

using System.Globalization;
using Garnet;
using StackExchange.Redis;

namespace SupportBot.TestSupport;

/// <summary>
/// Microsoft Garnet in this process on a free loopback port, with the Lua flags the host's
/// embedded Garnet uses (bot/Storage/EmbeddedGarnet.cs), so test projects that do not reference
/// the host can run the same suite against Garnet as against a real Redis. Persistence is off:
/// nothing here outlives the test class.
/// </summary>
public sealed class GarnetServerFixture : IStore, IAsyncLifetime
{
    private GarnetServer? _server;
    private string? _dir;
    private ConnectionMultiplexer? _redis;

    public int Port { get; private set; }

    public string ConnectionString => $"127.0.0.1:{Port}";

    public string Name => "garnet";

    /// <summary>A client for tests that talk to Garnet directly, connected on first use.</summary>
    public ConnectionMultiplexer Redis => _redis ??= ConnectionMultiplexer.Connect(ConnectionString);

    public ValueTask InitializeAsync()
    {
        Port = RedisServerFixture.FreePort();
        _dir = Directory.CreateTempSubdirectory("sb-garnet-").FullName;
        _server = new GarnetServer(
        [
            "--bind", "127.0.0.1",
            "--port", Port.ToString(CultureInfo.InvariantCulture),
            "-m", "256m",
            "--page", "1m",
            "--index", "64m",
            "--checkpointdir", _dir,
            "--lua",
            // Without it Garnet runs scripts without locking their keys: not atomic against other clients.
            "--lua-transaction-mode", "true",
            // The native device needs libaio, which Debian 12 does not ship.
            "--device-type", "RandomAccess",
            "-q",
        ]);
        _server.Start();
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }

        _server?.Dispose();
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
}

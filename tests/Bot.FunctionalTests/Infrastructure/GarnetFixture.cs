using Microsoft.Extensions.Options;
using Microsoft.Extensions.Logging.Abstractions;
using SupportBot.Storage;

namespace SupportBot.FunctionalTests.Infrastructure;

/// <summary>
/// The embedded Garnet server exactly as the host starts it when no Redis is configured (same
/// class, same flags), on its own folder and port, so the suites run against both stores.
/// </summary>
public sealed class GarnetFixture : IStore, IAsyncLifetime
{
    private RedisConnection? _connection;
    private string? _dir;

    public string ConnectionString { get; private set; } = "";

    public string Name => "garnet";

    public async ValueTask InitializeAsync()
    {
        _dir = Directory.CreateTempSubdirectory("sb-garnet-").FullName;
        var port = RedisServerFixture.FreePort();
        _connection = new RedisConnection(
            Options.Create(new RedisOptions()),
            Options.Create(new StorageOptions { DataDir = _dir, EmbeddedPort = port }),
            NullLogger<RedisConnection>.Instance);
        await _connection.ConnectAsync();
        ConnectionString = $"127.0.0.1:{port}";
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }

        try
        {
            Directory.Delete(_dir!, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

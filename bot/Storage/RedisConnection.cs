using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace SupportBot.Storage;

/// <summary>
/// Owns the one <see cref="IConnectionMultiplexer"/> of the host: to the configured Redis, or to
/// the embedded Garnet server it starts when none is configured. Connecting is explicit so a
/// wrong setting stops start-up with one readable line.
/// </summary>
public sealed class RedisConnection(
    IOptions<RedisOptions> redisOptions,
    IOptions<StorageOptions> storageOptions,
    ILogger<RedisConnection> logger) : IAsyncDisposable
{
    private readonly SemaphoreSlim _connectGate = new(1, 1);
    private EmbeddedGarnet? _garnet;
    private ConnectionMultiplexer? _multiplexer;

    public IConnectionMultiplexer Multiplexer =>
        _multiplexer ?? throw new InvalidOperationException("Storage is not connected yet; ConnectAsync runs at start-up.");

    /// <summary>True when this host runs the embedded Garnet server.</summary>
    public bool IsEmbedded => _garnet is not null;

    /// <exception cref="StorageUnavailableException">The store cannot be reached; the message names the setting to fix.</exception>
    public async Task<IConnectionMultiplexer> ConnectAsync(CancellationToken cancellationToken = default)
    {
        if (_multiplexer is not null)
        {
            return _multiplexer;
        }

        await _connectGate.WaitAsync(cancellationToken);
        try
        {
            if (_multiplexer is not null)
            {
                return _multiplexer;
            }

            var connection = redisOptions.Value.Connection;
            if (string.IsNullOrWhiteSpace(connection))
            {
                _garnet = StartGarnet(storageOptions.Value);
                connection = _garnet.ConnectionString;
                Log.EmbeddedGarnetStarted(logger, _garnet.Port, _garnet.DataDir);
            }

            _multiplexer = await Connect(connection, redisOptions.Value.ConnectTimeoutSeconds);
            return _multiplexer;
        }
        finally
        {
            _connectGate.Release();
        }
    }

    private static EmbeddedGarnet StartGarnet(StorageOptions options)
    {
        try
        {
            return EmbeddedGarnet.Start(options);
        }
        catch (Exception e)
        {
            throw new StorageUnavailableException(
                $"The embedded Garnet server did not start with Storage:DataDir='{options.DataDir}' and Storage:EmbeddedPort={options.EmbeddedPort}: {e.GetBaseException().Message}. " +
                "Check that the folder is writable and the port free, or set Redis:Connection to a Redis server.", e);
        }
    }

    private static async Task<ConnectionMultiplexer> Connect(string connection, int timeoutSeconds)
    {
        ConfigurationOptions options;
        try
        {
            options = ConfigurationOptions.Parse(connection);
        }
        catch (ArgumentException e)
        {
            throw new StorageUnavailableException($"Redis:Connection is not a valid connection string ({e.Message}). Example: 'localhost:6379,password=…'; leave it empty for the embedded server.", e);
        }

        // Fail fast the first time; once connected the multiplexer reconnects by itself.
        options.AbortOnConnectFail = true;
        options.ConnectTimeout = timeoutSeconds * 1000;
        options.ConnectRetry = 2;
        var endpoints = string.Join(", ", options.EndPoints.Select(e => e.ToString()));
        try
        {
            var multiplexer = await ConnectionMultiplexer.ConnectAsync(options);
            // Later drops are survived: the host keeps running and /readyz reports it.
            return multiplexer;
        }
        catch (RedisConnectionException e)
        {
            throw new StorageUnavailableException(
                $"Cannot reach Redis at {endpoints} (Redis:Connection): {FirstLine(e.Message)} Start that server, correct Redis:Connection, or leave Redis:Connection empty to use the embedded Garnet server.", e);
        }
    }

    private static string FirstLine(string text)
    {
        var end = text.IndexOfAny(['\r', '\n']);
        return end < 0 ? text : text[..end];
    }

    public async ValueTask DisposeAsync()
    {
        if (_multiplexer is not null)
        {
            await _multiplexer.CloseAsync();
            _multiplexer.Dispose();
        }

        // Every write is already in the append-only file; disposing closes it cleanly.
        _garnet?.Dispose();
        _connectGate.Dispose();
    }
}

/// <summary>Storage cannot be reached at start-up; the message is meant for the operator as is.</summary>
public sealed class StorageUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

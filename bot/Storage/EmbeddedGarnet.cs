using System.Net;
using System.Net.Sockets;
using Garnet;

namespace SupportBot.Storage;

/// <summary>
/// Microsoft Garnet, the Redis-compatible server written in C#, run inside our process so
/// <c>dotnet run</c> needs no Redis. It speaks RESP on a loopback port and the rest of the code
/// uses the same StackExchange.Redis client as against a real Redis.
/// </summary>
internal sealed class EmbeddedGarnet : IDisposable
{
    private readonly GarnetServer _server;

    private EmbeddedGarnet(GarnetServer server, int port, string dataDir)
    {
        _server = server;
        Port = port;
        DataDir = dataDir;
    }

    public int Port { get; }

    public string DataDir { get; }

    public string ConnectionString => $"127.0.0.1:{Port},abortConnect=false";

    public static EmbeddedGarnet Start(StorageOptions options)
    {
        var dataDir = Path.GetFullPath(options.DataDir);
        Directory.CreateDirectory(dataDir);
        var port = options.EmbeddedPort == 0 ? FreeLoopbackPort() : options.EmbeddedPort;
        var args = new List<string>
        {
            "--bind", "127.0.0.1",
            "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-m", options.EmbeddedMemory,
            "--page", "1m",
            "--index", "64m",
            "--checkpointdir", dataDir,
            "--logdir", Path.Combine(dataDir, "log"),
            "--storage-tier",
            // Every write goes to the append-only file; recover replays it after a crash.
            "--aof",
            "--aof-commit-freq", "0",
            "--recover",
            "--lua",
            // Without it Garnet runs scripts without locking their keys: not atomic against other clients.
            "--lua-transaction-mode", "true",
            // The native device needs libaio, which Debian 12 does not ship.
            "--device-type", "RandomAccess",
            "-q",
        };
        if (options.AofCommitWait)
        {
            args.Add("--aof-commit-wait");
        }

        var server = new GarnetServer([.. args]);
        server.Start();
        return new EmbeddedGarnet(server, port, dataDir);
    }

    public void Dispose() => _server.Dispose();

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

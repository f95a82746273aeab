using System.ComponentModel.DataAnnotations;

namespace SupportBot.Storage;

/// <summary><c>Redis:*</c> — where the data lives.</summary>
public sealed class RedisOptions
{
    public const string Section = "Redis";

    /// <summary>A StackExchange.Redis connection string. Empty: start the embedded Garnet server.</summary>
    public string? Connection { get; set; }

    /// <summary>How long to wait for the first connection before giving up at start-up.</summary>
    [Range(1, 300)]
    public int ConnectTimeoutSeconds { get; set; } = 10;
}

/// <summary><c>Storage:*</c> — the embedded Garnet server, used when <c>Redis:Connection</c> is empty.</summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary>Folder for Garnet's append-only file and checkpoints; relative to the working directory.</summary>
    [Required]
    public string DataDir { get; set; } = "./data";

    /// <summary>Loopback port for the embedded server; 0 picks a free one.</summary>
    [Range(0, 65535)]
    public int EmbeddedPort { get; set; }

    /// <summary>Garnet's in-memory log size, e.g. 256m. Older data spills to the data folder.</summary>
    [Required]
    public string EmbeddedMemory { get; set; } = "256m";

    /// <summary>Reply to a write only after it is committed to the append-only file (survives a kill -9).</summary>
    public bool AofCommitWait { get; set; } = true;
}

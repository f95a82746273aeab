namespace SupportBot.Chaos;

/// <summary>
/// One chaos run: how much traffic, which faults, and how to reach the Redis server the host uses.
/// The driver (this folder) is shared by <c>bench -- chaos</c> and the functional test, which links these files.
/// </summary>
internal sealed class ChaosOptions
{
    /// <summary>Customer messages to send in all (the greeting and agents' messages not counted).</summary>
    public int Messages { get; init; } = 10_000;

    /// <summary>Conversations typing at the same time; each sends its next message once the previous one is answered.</summary>
    public int ActiveConversations { get; init; } = 64;

    /// <summary>Share of conversations whose customer asks for a person after a few questions.</summary>
    public double HandoffShare { get; init; } = 0.2;

    /// <summary>SIGKILLs of the host, each followed at once by a restart on the same port.</summary>
    public int HostKills { get; init; } = 2;

    /// <summary>Kill redis-server (SIGKILL; its append-only file fsyncs every write) once, and start it again.</summary>
    public bool RedisRestart { get; init; } = true;

    /// <summary>How long Redis stays down before it is started again.</summary>
    public TimeSpan RedisOutage { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Seeds the conversations' scripts (questions, lengths, who asks for a person).</summary>
    public int Seed { get; init; } = 1;

    /// <summary>How long a customer waits for an answer before counting it missing and going on.</summary>
    public TimeSpan ReplyTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The Redis the host uses (also read by the driver to see when the pipeline is idle).</summary>
    public required string RedisConnection { get; init; }

    /// <summary>Kills redis-server abruptly.</summary>
    public required Func<Task> KillRedisAsync { get; init; }

    /// <summary>Starts redis-server again on the same port, with the same append-only file.</summary>
    public required Func<Task> StartRedisAsync { get; init; }

    /// <summary>The host's working folder.</summary>
    public required string WorkDirectory { get; init; }

    /// <summary>More host settings (environment variable names, e.g. <c>Pipeline__LeaseSeconds</c>).</summary>
    public IReadOnlyDictionary<string, string> HostSettings { get; init; } = new Dictionary<string, string>();

    /// <summary>Where progress lines go (stderr in the bench, the test output in the test).</summary>
    public Action<string> Progress { get; init; } = _ => { };
}

using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace SupportBot.Handoff.Tests.Store;

/// <summary>
/// A clean database and a store on a fake clock for every test. Leases, heartbeats and grace
/// periods are deadlines the store computes from its <see cref="TimeProvider"/>, so moving the
/// fake clock is enough to make them run out.
/// </summary>
public abstract class HandoffStoreTestBase(IStore server) : IAsyncLifetime
{
    protected static readonly string[] Departments = ["support", "sales"];
    protected static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);
    protected static readonly TimeSpan PresenceTtl = TimeSpan.FromSeconds(30);
    protected static readonly TimeSpan Grace = TimeSpan.FromSeconds(60);

    private ConnectionMultiplexer? _redis;

    protected FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2025, 3, 3, 9, 0, 0, TimeSpan.Zero));

    protected HandoffStore Store { get; private set; } = null!;

    protected IDatabase Db => _redis!.GetDatabase();

    public async ValueTask InitializeAsync()
    {
        // allowAdmin for FLUSHDB: the fixture's server is shared by the tests of a class.
        _redis = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString + ",allowAdmin=true");
        await _redis.GetServer(_redis.GetEndPoints()[0]).FlushDatabaseAsync();
        Store = new HandoffStore(_redis, Clock);
    }

    public async ValueTask DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }

    protected Task<PresenceStatus> OnlineAsync(string agentId, int capacity = 3, params string[] departments) =>
        Store.SetPresenceAsync(agentId, new PresenceUpdate(PresenceStatus.Online, capacity, departments, null), Departments, PresenceTtl, Grace);

    protected Task<PresenceStatus> PresenceAsync(string agentId, PresenceStatus status, int capacity = 3) =>
        Store.SetPresenceAsync(agentId, new PresenceUpdate(status, capacity, [], null), Departments, PresenceTtl, Grace);

    protected async Task EscalateAsync(string conversationId, string department = "support", int priority = 0, bool afterHours = false) =>
        Assert.Null(await Store.EscalateAsync(new EscalationRequest(conversationId, department, priority, "asked-for-human", afterHours)));

    protected Task<HandoffOutcome> MessageAsync(string conversationId, string agentId, string text = "Hello, this is Anna.") =>
        Store.AgentMessageAsync(conversationId, agentId, "{\"text\":\"" + text + "\"}", "{\"from\":\"agent\",\"text\":\"" + text + "\"}");

    protected async Task<string[]> EventTypesAsync(string conversationId) =>
        [.. (await Store.GetEventsAsync(conversationId)).Select(e => e.Type)];

    protected static void Succeeded(HandoffOutcome outcome) => Assert.True(outcome.Succeeded, $"refused: {outcome.Refusal} {outcome.Detail}");

    protected static void Refused(HandoffRefusal expected, HandoffOutcome outcome) => Assert.Equal(expected, outcome.Refusal);
}

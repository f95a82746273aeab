namespace SupportBot.FunctionalTests.Infrastructure;

/// <summary>A store of kind <typeparamref name="TStore"/> and the host on it, shared by one test class.</summary>
public sealed class BotHostFixture<TStore> : IAsyncLifetime where TStore : IStore, IAsyncLifetime, new()
{
    public TStore Store { get; } = new();

    public BotFactory Factory { get; private set; } = null!;

    public DirectLineTestClient Client() => new(Factory.CreateClient());

    public async ValueTask InitializeAsync()
    {
        await Store.InitializeAsync();
        Factory = new BotFactory(Store.ConnectionString, new Dictionary<string, string?>
        {
            ["Outbox:FirstRetrySeconds"] = "0.05",
            ["Outbox:MaxAttempts"] = "3",
        });
        _ = Factory.Server; // start the host now, not inside the first test's timing
    }

    public async ValueTask DisposeAsync()
    {
        await Factory.DisposeAsync();
        await Store.DisposeAsync();
    }
}

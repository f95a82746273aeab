using SupportBot.FunctionalTests.Infrastructure;

namespace SupportBot.FunctionalTests.Handoff;

/// <summary>A store and a host whose agents take chats by claiming them (no automatic offers), for deterministic flows.</summary>
public sealed class ClaimHostFixture<TStore> : IAsyncLifetime where TStore : IStore, IAsyncLifetime, new()
{
    public TStore Store { get; } = new();

    public BotFactory Factory { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        await Store.InitializeAsync();
        Factory = new BotFactory(Store.ConnectionString, HandoffSettings.Claim);
        _ = Factory.Server;
    }

    public async ValueTask DisposeAsync()
    {
        await Factory.DisposeAsync();
        await Store.DisposeAsync();
    }
}

public static class HandoffSettings
{
    /// <summary>Two departments open around the clock; English goes to support; agents claim.</summary>
    public static Dictionary<string, string?> Claim => new()
    {
        ["Handoff:Assignment"] = "Claim",
        ["Handoff:Departments:0:Name"] = "support",
        ["Handoff:Departments:1:Name"] = "billing",
        ["Handoff:Departments:1:Skills:0"] = "payment",
        ["Outbox:FirstRetrySeconds"] = "0.05",
    };
}

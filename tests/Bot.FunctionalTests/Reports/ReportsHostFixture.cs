using SupportBot.FunctionalTests.Handoff;
using SupportBot.FunctionalTests.Infrastructure;

namespace SupportBot.FunctionalTests.Reports;

/// <summary>A store and a host whose reports count days in Moscow (UTC+3), with agents who claim chats.</summary>
public sealed class ReportsHostFixture<TStore> : IAsyncLifetime where TStore : IStore, IAsyncLifetime, new()
{
    public const string TimeZone = "Europe/Moscow";

    public TStore Store { get; } = new();

    public BotFactory Factory { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        await Store.InitializeAsync();
        var settings = HandoffSettings.Claim;
        settings["Reports:TimeZone"] = TimeZone;
        Factory = new BotFactory(Store.ConnectionString, settings);
        _ = Factory.Server;
    }

    public async ValueTask DisposeAsync()
    {
        await Factory.DisposeAsync();
        await Store.DisposeAsync();
    }
}

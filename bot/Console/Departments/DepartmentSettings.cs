using System.Text.Json;
using SupportBot.Handoff.Departments;
using StackExchange.Redis;
using SupportBot.Storage;

namespace SupportBot.AgentConsole.Departments;

/// <summary>
/// Departments and business hours as admins edit them in the console. Saved in Redis (they then win over
/// <c>Handoff:Departments</c> in the settings file) and applied on every host instance at once through pub/sub;
/// an instance that starts later reads them at start.
/// </summary>
public sealed class DepartmentSettings(IConnectionMultiplexer redis, DepartmentDirectory directory, ILogger<DepartmentSettings> logger) : IHostedService
{
    private static readonly RedisKey Key = "handoff:departments";
    private static readonly RedisChannel Changed = RedisChannel.Literal("handoff:departments:changed");
    private ChannelMessageQueue? _subscription;

    /// <summary>Validates, saves and applies; the mistakes (with their setting paths) when they are not usable.</summary>
    public async Task<IReadOnlyList<string>> SaveAsync(IReadOnlyList<DepartmentOptions> departments)
    {
        var errors = DepartmentDirectory.Check(departments);
        if (errors.Count > 0)
        {
            return errors;
        }

        await redis.GetDatabase().StringSetAsync(Key, JsonSerializer.Serialize([.. departments], BotJson.Default.ListDepartmentOptions));
        directory.Replace(departments);
        await redis.GetSubscriber().PublishAsync(Changed, "1");
        return [];
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _subscription = await redis.GetSubscriber().SubscribeAsync(Changed);
        _subscription.OnMessage(_ => LoadAsync());
        await LoadAsync();
    }

    private async Task LoadAsync()
    {
        try
        {
            var saved = await redis.GetDatabase().StringGetAsync(Key);
            if (saved.IsNullOrEmpty || JsonSerializer.Deserialize((string)saved!, BotJson.Default.ListDepartmentOptions) is not { } departments)
            {
                return;
            }

            if (directory.Replace(departments) is { Count: > 0 } errors)
            {
                // Saved by a newer or older version with other rules: keep what runs and say why.
                Log.DepartmentSettingsRefused(logger, string.Join("; ", errors));
            }
        }
        catch (Exception e) when (e is RedisException or JsonException)
        {
            Log.DepartmentSettingsRefused(logger, e.Message);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _subscription.UnsubscribeQuietlyAsync();
    }
}

using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using SupportBot.FunctionalTests.Infrastructure;
using SupportBot.Interests;
using static SupportBot.FunctionalTests.Infrastructure.TestCancellation;

namespace SupportBot.FunctionalTests.Channels.Vk;

/// <summary>
/// A store, the VK API stand-in and the host with three communities on it: <c>shop</c> and
/// <c>brand2</c> on the Callback API, <c>dev</c> on Bots Long Poll.
/// </summary>
public sealed class VkHostFixture<TStore> : IAsyncLifetime where TStore : IStore, IAsyncLifetime, new()
{
    public const long ShopGroup = 1001;
    public const string ShopSecret = "s3cret-shop";
    public const string ShopConfirmation = "a1b2c3d4";
    public const long BrandGroup = 2002;
    public const long DevGroup = 3003;

    public TStore Store { get; } = new();

    public VkApiStandIn Vk { get; private set; } = null!;

    public BotFactory Factory { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public InterestLog Interests => Factory.Services.GetRequiredService<InterestLog>();

    public async ValueTask InitializeAsync()
    {
        await Store.InitializeAsync();
        Vk = await VkApiStandIn.StartAsync();
        Factory = new BotFactory(Store.ConnectionString, new Dictionary<string, string?>
        {
            ["Outbox:FirstRetrySeconds"] = "0.05",
            ["Outbox:MaxAttempts"] = "3",
            ["Channels:Vk:LongPollWaitSeconds"] = "1",
            ["Channels:Vk:AuthorWaitMilliseconds"] = "5000", // names are asserted; the machine may be loaded
            ["Channels:Vk:Communities:0:Name"] = "shop",
            ["Channels:Vk:Communities:0:GroupId"] = "1001",
            ["Channels:Vk:Communities:0:Token"] = "vk1.a.shop-token",
            ["Channels:Vk:Communities:0:ConfirmationCode"] = ShopConfirmation,
            ["Channels:Vk:Communities:0:Secret"] = ShopSecret,
            ["Channels:Vk:Communities:0:ApiBaseUrl"] = Vk.ApiBaseUrl,
            ["Channels:Vk:Communities:1:Name"] = "brand2",
            ["Channels:Vk:Communities:1:GroupId"] = "2002",
            ["Channels:Vk:Communities:1:Token"] = "vk1.a.brand-token",
            ["Channels:Vk:Communities:1:ConfirmationCode"] = "zz99yy88",
            ["Channels:Vk:Communities:1:Secret"] = "brand-secret",
            ["Channels:Vk:Communities:1:ApiBaseUrl"] = Vk.ApiBaseUrl,
            ["Channels:Vk:Communities:2:Name"] = "dev",
            ["Channels:Vk:Communities:2:GroupId"] = "3003",
            ["Channels:Vk:Communities:2:Token"] = "vk1.a.dev-token",
            ["Channels:Vk:Communities:2:Mode"] = "longpoll",
            ["Channels:Vk:Communities:2:ApiBaseUrl"] = Vk.ApiBaseUrl,
        });
        Http = Factory.CreateClient();
        _ = Factory.Server;
    }

    /// <summary>Posts a Callback API event shaped like the documentation's: <c>{type, event_id, v, object, group_id, secret}</c>.</summary>
    public async Task<HttpResponseMessage> PostEventAsync(string type, JsonObject @object, string? eventId = null, string community = "shop", long groupId = ShopGroup, string? secret = ShopSecret)
    {
        var body = Event(type, @object, eventId ?? NewEventId(), groupId);
        if (secret is not null)
        {
            body["secret"] = secret;
        }

        return await Http.PostAsync($"/api/channels/vk/{community}", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"), Ct);
    }

    public static JsonObject Event(string type, JsonObject @object, string eventId, long groupId) => new()
    {
        ["type"] = type,
        ["event_id"] = eventId,
        ["v"] = "5.199",
        ["object"] = @object,
        ["group_id"] = groupId,
    };

    public static string NewEventId() => (Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N"))[..40];

    public static long NewUserId() => Random.Shared.NextInt64(100_000, 900_000_000);

    /// <summary>Waits until <paramref name="condition"/> holds (the pipeline works asynchronously).</summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T>> probe, Func<T, bool> condition, int timeoutMs = 10_000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (true)
        {
            var value = await probe();
            if (condition(value) || DateTime.UtcNow > deadline)
            {
                return value;
            }

            await Task.Delay(50, Ct);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Factory.DisposeAsync();
        await Vk.DisposeAsync();
        await Store.DisposeAsync();
    }
}

using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SupportBot.FunctionalTests.Infrastructure;
using static SupportBot.FunctionalTests.Infrastructure.TestCancellation;

namespace SupportBot.FunctionalTests.Export;

/// <summary>A store, a running webhook receiver, and hosts that deliver to it with short retry waits.</summary>
public class ExportHostFixture<TStore>(int maxAttempts) : IAsyncLifetime where TStore : IStore, IAsyncLifetime, new()
{
    public TStore Store { get; } = new();

    public WebhookReceiver Receiver { get; } = new();

    public BotFactory Factory { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        await Store.InitializeAsync();
        await Receiver.StartAsync();
        Factory = CreateHost(Store.ConnectionString, Receiver, maxAttempts);
        _ = Factory.Server;
    }

    /// <summary>A host with one receiver, <c>crm</c>; failed rounds are retried after 0.1–0.5 s.</summary>
    public static BotFactory CreateHost(string store, WebhookReceiver receiver, int maxAttempts) => new(store, new Dictionary<string, string?>
    {
        ["Export:Webhooks:0:Name"] = "crm",
        ["Export:Webhooks:0:Url"] = receiver.Url,
        ["Export:Webhooks:0:Secret"] = WebhookReceiver.Secret,
        ["Export:Delivery:MaxAttempts"] = maxAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Export:Delivery:FirstRetrySeconds"] = "0.1",
        ["Export:Delivery:MaxRetrySeconds"] = "0.5",
        ["Export:Delivery:QuickRetries"] = "1",
        ["Export:Delivery:TimeoutSeconds"] = "10",
        ["Export:Delivery:PollMilliseconds"] = "50",
    });

    public static HttpClient Api(BotFactory factory, string? agentId = null)
    {
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", BotFactory.ApiKey);
        if (agentId is not null)
        {
            client.DefaultRequestHeaders.Add("X-Agent-Id", agentId);
        }

        return client;
    }

    /// <summary>The receiver <c>crm</c> in <c>GET /api/export/webhooks</c>, and the totals.</summary>
    public static async Task<(JsonObject Crm, JsonObject Status)> StatusAsync(BotFactory factory)
    {
        var status = (await Api(factory).GetFromJsonAsync<JsonObject>("/api/export/webhooks", Ct))!;
        return (status["webhooks"]!.AsArray().Single(w => w!["name"]!.GetValue<string>() == "crm")!.AsObject(), status);
    }

    public async ValueTask DisposeAsync()
    {
        await Factory.DisposeAsync();
        await Receiver.DisposeAsync();
        await Store.DisposeAsync();
    }
}

public static class Eventually
{
    /// <summary>Probes until the condition holds; fails with <paramref name="what"/> after a generous minute.</summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> condition, string what, int seconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var value = await probe();
            if (condition(value))
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Gave up waiting for {what}.");
            }

            await Task.Delay(50, Ct);
        }
    }

    public static Task<List<ReceivedWebhook>> ReceivedAsync(WebhookReceiver receiver, Func<ReceivedWebhook, bool> match, string what, int count = 1) =>
        UntilAsync(() => Task.FromResult(receiver.Received.Where(match).ToList()), list => list.Count >= count, what);
}

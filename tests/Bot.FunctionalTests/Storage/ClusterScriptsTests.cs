using Microsoft.Extensions.Options;
using StackExchange.Redis;
using SupportBot.Dialogs.Llm;
using SupportBot.Enrichment;
using SupportBot.Export;

namespace SupportBot.FunctionalTests.Storage;

/// <summary>
/// Queues whose scripts touch several keys, run against a real (one-node) Redis Cluster: each script declares every
/// key it touches and keeps them in one slot, or the Cluster refuses it.
/// </summary>
public sealed class ClusterScriptsTests(RedisClusterFixture cluster) : IClassFixture<RedisClusterFixture>
{
    [Fact]
    public async Task EnrichmentQueue_ClaimHoldDone_OnACluster()
    {
        var queue = new EnrichmentQueue(cluster.Redis, Options.Create(new LlmOptions()), TimeProvider.System);
        var id = "rec-" + Guid.NewGuid().ToString("N");
        await cluster.Redis.GetDatabase().SortedSetAddAsync(EnrichmentKeys.Pending, id, DateTimeOffset.UtcNow.AddSeconds(-1).ToUnixTimeMilliseconds());

        Assert.Equal([id], await queue.ClaimAsync(10, TimeSpan.FromMinutes(1), "worker-a"));
        Assert.Equal([id], await queue.HoldAsync([id], TimeSpan.FromMinutes(1), "worker-a"));
        await queue.DoneAsync([id], "worker-a");

        Assert.Equal((0, 0), await queue.CountAsync());
    }

    [Fact]
    public async Task EnrichmentQueue_LegacyKeysOfAnOlderVersion_TakenOver()
    {
        // What an older version left on a single server: a waiting id and one being classified.
        await using var single = new RedisServerFixture();
        await single.InitializeAsync();
        var db = single.Redis.GetDatabase();
        await db.SortedSetAddAsync(EnrichmentKeys.LegacyPending, "waiting", 5);
        await db.SortedSetAddAsync(EnrichmentKeys.LegacyClaimed, "in-hand", 7);
        await db.HashSetAsync(EnrichmentKeys.LegacyClaims, "in-hand", "old-token");
        var queue = new EnrichmentQueue(single.Redis, Options.Create(new LlmOptions()), TimeProvider.System);

        await queue.AdoptLegacyKeysAsync();

        Assert.Equal(["waiting", "in-hand"], (await queue.ClaimAsync(10, TimeSpan.FromMinutes(1), "worker-b")).Order(StringComparer.Ordinal).Reverse());
        Assert.False(await db.KeyExistsAsync(EnrichmentKeys.LegacyPending));
        Assert.False(await db.KeyExistsAsync(EnrichmentKeys.LegacyClaimed));
        Assert.False(await db.KeyExistsAsync(EnrichmentKeys.LegacyClaims));
    }

    [Fact]
    public async Task WebhookQueue_FailedPastKeepFailed_OldestDroppedWithItsHashAndCount_OnACluster()
    {
        var options = new SupportBot.Export.ExportOptions();
        options.Delivery.KeepFailed = 2;
        var queue = new WebhookQueue(cluster.Redis, Options.Create(options), TimeProvider.System);
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var id = WebhookQueue.NewId();
            ids.Add(id);
            await queue.EnqueueAsync(id, "crm", "interest.created", "record-" + i, "{}");
            var delivery = Assert.Single(await queue.ClaimAsync(10));
            Assert.True(await queue.FailedAsync(delivery, "HTTP 500", DateTimeOffset.UtcNow, giveUp: true));
            await Task.Delay(5, TestContext.Current.CancellationToken); // failed-at times in order
        }

        var (items, total) = await queue.FailuresAsync(0, 10);
        Assert.Equal(2, total);
        Assert.Equal([ids[2], ids[1]], items.Select(f => f.Id)); // the oldest went
        Assert.False(await cluster.Redis.GetDatabase().KeyExistsAsync(WebhookKeys.Delivery(ids[0])));
        var (pending, failed, stats) = await queue.CountsAsync();
        Assert.Equal((0, 2), (pending, failed));
        Assert.Equal("2", stats["failed:crm"]);
        Assert.Equal("0", stats["pending:crm"]);
    }
}

using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using SupportBot.Channels;
using SupportBot.Contracts;
using SupportBot.FunctionalTests.Channels.Telegram;
using SupportBot.FunctionalTests.Infrastructure;
using SupportBot.Pipeline;
using SupportBot.Pipeline.Outbox;

namespace SupportBot.FunctionalTests.Pipeline;

/// <summary>
/// A channel whose sends are slow (rate limits, a sluggish API): a turn's replies together take longer than the
/// conversation's lease. Each must still go out once — a lease that ran out mid-drain made the next worker send the
/// last reply again (found by the chaos run with a short lease on a loaded machine).
/// </summary>
public sealed class SlowChannelTests(RedisServerFixture store) : IClassFixture<RedisServerFixture>, IAsyncDisposable
{
    private static readonly TimeSpan SendTime = TimeSpan.FromSeconds(4);

    private readonly SlowSender _slow = new(SendTime);

    private BotFactory? _host;

    [Fact]
    public async Task ThreeRepliesLongerThanTheLease_EachSentOnce()
    {
        _host = new BotFactory(store.ConnectionString, new Dictionary<string, string?> { ["Pipeline:LeaseSeconds"] = "9" },
            services => services.AddKeyedSingleton<IChannelSender>("slow", _slow));
        var activity = new ChannelActivity
        {
            Channel = "slow",
            ConversationId = $"slow:{Guid.NewGuid():N}",
            EventId = "update-1",
            From = new ChannelUser("customer-1", "Ann"),
            Text = "I want to talk to a human", // greeting, "passing you to a person", "you're number 1 in line": 3 × 4 s
        };

        await _host.Services.GetRequiredService<PipelineIngress>().AcceptAsync(activity);

        await Eventually.TrueAsync(() => _slow.Sent(activity.ConversationId).Count >= 3, "three replies", seconds: 60);
        var db = store.Redis.GetDatabase();
        await Eventually.TrueAsync(async () => await db.SortedSetScoreAsync("pipeline:pending", activity.ConversationId) is null, "the conversation at rest", seconds: 60);
        var sent = _slow.Sent(activity.ConversationId);
        Assert.Equal(3, sent.Count);
        Assert.Equal(3, sent.Select(i => i.Id).Distinct().Count());
    }

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    private sealed class SlowSender(TimeSpan sendTime) : IChannelSender
    {
        private readonly ConcurrentQueue<OutboxItem> _sent = new();

        public async Task<ChannelSendResult> SendAsync(OutboxItem item, CancellationToken cancellationToken)
        {
            await Task.Delay(sendTime, cancellationToken);
            _sent.Enqueue(item);
            return new ChannelSendResult("slow-" + item.Id);
        }

        public IReadOnlyList<OutboxItem> Sent(string conversationId) => [.. _sent.Where(i => i.ConversationId == conversationId)];
    }
}

using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using SupportBot.Channels;
using SupportBot.Contracts;
using SupportBot.FunctionalTests.Channels.Telegram;
using SupportBot.FunctionalTests.Infrastructure;
using SupportBot.Interests;
using SupportBot.Pipeline;
using SupportBot.Pipeline.Outbox;
using static SupportBot.FunctionalTests.Infrastructure.TestCancellation;

namespace SupportBot.FunctionalTests.Pipeline;

public sealed class OutboxOnRedisTests(RedisServerFixture store) : OutboxTests(store), IClassFixture<RedisServerFixture>;

public sealed class OutboxOnGarnetTests(GarnetFixture store) : OutboxTests(store), IClassFixture<GarnetFixture>;

/// <summary>
/// Channel sends go through the outbox: retried with backoff, in order, and when they keep
/// failing they land in the dead-letter list visible through the API, never dropped.
/// </summary>
public abstract class OutboxTests : IAsyncDisposable
{
    private readonly ScriptedSender _flaky = new(failFirst: 2);
    private readonly ScriptedSender _down = new(failFirst: int.MaxValue);
    private readonly ScriptedSender _blocked = new(failFirst: int.MaxValue, permanent: true);
    private readonly ScriptedSender _healthy = new(failFirst: 0);
    private readonly BotFactory _host;

    protected OutboxTests(IStore store)
    {
        _host = new BotFactory(store.ConnectionString, new Dictionary<string, string?>
        {
            ["Outbox:FirstRetrySeconds"] = "0.05",
            ["Outbox:MaxRetrySeconds"] = "0.2",
            ["Outbox:MaxAttempts"] = "3",
        }, services =>
        {
            services.AddKeyedSingleton<IChannelSender>("flaky", _flaky);
            services.AddKeyedSingleton<IChannelSender>("down", _down);
            services.AddKeyedSingleton<IChannelSender>("blocked", _blocked);
            services.AddKeyedSingleton<IChannelSender>("healthy", _healthy);
        });
    }

    [Fact]
    public async Task Send_FailsTwiceThenWorks_DeliveredOnceInOrderWithEvidence()
    {
        var conversationId = await AcceptAsync("flaky", "How long does delivery take?");

        var delivered = await WaitForAsync(() => _flaky.Delivered(conversationId), 2);

        Assert.Contains("Northwind", delivered[0].Message.Text); // greeting first
        Assert.Contains("2–4 working days", delivered[1].Message.Text); // then the answer
        Assert.Equal(4, _flaky.Attempts(conversationId)); // two failures, two successes
        // The outbound record is written just after the channel took the reply: the sender can have it first.
        var log = _host.Services.GetRequiredService<InterestLog>();
        InterestRecord? outbound = null;
        await Eventually.TrueAsync(async () => (outbound = await log.GetAsync(InterestLog.RecordId("out", conversationId, delivered[1].Id))) is not null, "the answer's outbound record");
        Assert.Equal("out", outbound!.Direction);
        Assert.Equal("flaky-msg-" + delivered[1].Id, outbound.ChannelMessageId);
    }

    [Fact]
    public async Task Send_KeepsFailing_DeadLetteredAfterMaxAttempts_AndListedByTheApi()
    {
        var conversationId = await AcceptAsync("down", "Which payment methods do you accept?");

        var letters = await WaitForDeadLettersAsync(conversationId, 2);

        Assert.All(letters, l => Assert.Equal(3, l["item"]!["attempts"]!.GetValue<int>()));
        Assert.All(letters, l => Assert.Contains("channel is down", l["reason"]!.GetValue<string>()));
        Assert.Equal(6, _down.Attempts(conversationId));
        Assert.Empty(_down.Delivered(conversationId));

        // The console's transcript says so where the replies were: each bot line marked, a line with the reason after it.
        var handoff = _host.Services.GetRequiredService<SupportBot.Handoff.HandoffStore>();
        var deadline = DateTime.UtcNow.AddSeconds(15);
        var transcript = await handoff.GetTranscriptAsync(conversationId);
        while (transcript.Count(e => e.IsDeliveryFailure) < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(25, Ct);
            transcript = await handoff.GetTranscriptAsync(conversationId);
        }

        var bot = transcript.Where(e => e.From == "bot").ToList();
        Assert.Equal(2, bot.Count);
        Assert.All(bot, e => Assert.Equal(SupportBot.Handoff.TranscriptEntry.Undelivered, e.DeliveryFailure));
        var failures = transcript.Where(e => e.IsDeliveryFailure).ToList();
        Assert.Equal(bot.Select(e => e.OutboxId), failures.Select(e => e.OutboxId));
        Assert.All(failures, f => Assert.Equal((SupportBot.Handoff.TranscriptEntry.Undelivered, "channel is down"), (f.Kind, f.Text)));
    }

    [Fact]
    public async Task Send_PermanentFailure_DeadLetteredWithoutRetry()
    {
        var conversationId = await AcceptAsync("blocked", "How much is shipping?");

        await WaitForDeadLettersAsync(conversationId, 2);

        Assert.Equal(2, _blocked.Attempts(conversationId)); // one attempt per reply
    }

    [Fact]
    public async Task Accept_SameEventFiveTimes_OneTurnAndOneSetOfReplies()
    {
        var ingress = _host.Services.GetRequiredService<PipelineIngress>();
        var activity = Activity("healthy", "How much is shipping?");

        var results = new List<IngressResult>();
        for (var i = 0; i < 5; i++)
        {
            results.Add(await ingress.AcceptAsync(activity));
        }

        Assert.Single(results, r => r.Accepted);
        await WaitForAsync(() => _healthy.Delivered(activity.ConversationId), 2);
        await Task.Delay(500, Ct);
        Assert.Equal(2, _healthy.Delivered(activity.ConversationId).Count);
    }

    [Fact]
    public async Task DeadLetters_WithoutApiKey_401()
    {
        var response = await _host.CreateClient().GetAsync("/api/outbox/dead-letters", Ct);
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task DeadLetters_BadPaging_400()
    {
        var client = _host.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", BotFactory.ApiKey);
        await ProblemAssert.IsProblemAsync(await client.GetAsync("/api/outbox/dead-letters?limit=0", Ct), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblemAsync(await client.GetAsync("/api/outbox/dead-letters?offset=-1", Ct), HttpStatusCode.BadRequest);
    }

    private async Task<string> AcceptAsync(string channel, string text)
    {
        var activity = Activity(channel, text);
        var result = await _host.Services.GetRequiredService<PipelineIngress>().AcceptAsync(activity);
        Assert.True(result.Accepted);
        return activity.ConversationId;
    }

    private static ChannelActivity Activity(string channel, string text) => new()
    {
        Channel = channel,
        ConversationId = $"{channel}:{Guid.NewGuid():N}",
        EventId = "update-1",
        From = new ChannelUser("customer-1", "Ann"),
        Text = text,
    };

    private async Task<List<JsonObject>> WaitForDeadLettersAsync(string conversationId, int count)
    {
        var client = _host.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", BotFactory.ApiKey);
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var page = (await client.GetFromJsonAsync<JsonObject>("/api/outbox/dead-letters?limit=500", Ct))!;
            var mine = page["items"]!.AsArray().Select(i => i!.AsObject())
                .Where(i => i["item"]!["conversationId"]!.GetValue<string>() == conversationId).ToList();
            if (mine.Count >= count || DateTime.UtcNow > deadline)
            {
                Assert.Equal(count, mine.Count);
                return mine;
            }

            await Task.Delay(50, Ct);
        }
    }

    private static async Task<IReadOnlyList<OutboxItem>> WaitForAsync(Func<IReadOnlyList<OutboxItem>> read, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (read().Count < count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(25, Ct);
        }

        Assert.Equal(count, read().Count);
        return read();
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    /// <summary>A channel whose first sends fail (transiently or for good), recording every attempt.</summary>
    private sealed class ScriptedSender(int failFirst, bool permanent = false) : IChannelSender
    {
        private readonly ConcurrentQueue<(OutboxItem Item, bool Delivered)> _attempts = new();
        private int _calls;

        public Task<ChannelSendResult> SendAsync(OutboxItem item, CancellationToken cancellationToken)
        {
            var failed = Interlocked.Increment(ref _calls) <= failFirst;
            _attempts.Enqueue((item, !failed));
            if (failed)
            {
                throw new ChannelSendException(permanent ? "bot was blocked by the user" : "channel is down", permanent);
            }

            return Task.FromResult(new ChannelSendResult("flaky-msg-" + item.Id));
        }

        public int Attempts(string conversationId) => _attempts.Count(a => a.Item.ConversationId == conversationId);

        public IReadOnlyList<OutboxItem> Delivered(string conversationId) =>
            [.. _attempts.Where(a => a.Delivered && a.Item.ConversationId == conversationId).Select(a => a.Item)];
    }
}

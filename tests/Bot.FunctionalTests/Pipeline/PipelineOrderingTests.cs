using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SupportBot.Dialogs;
using SupportBot.FunctionalTests.Infrastructure;
using static SupportBot.FunctionalTests.Infrastructure.TestCancellation;

namespace SupportBot.FunctionalTests.Pipeline;

/// <summary>
/// Two host instances on one real Redis: a conversation's messages, posted concurrently to
/// both, are processed once each, one at a time, in arrival order; other conversations are not
/// held up behind it.
/// </summary>
public sealed class PipelineOrderingTests : IClassFixture<RedisServerFixture>, IAsyncDisposable
{
    private readonly TurnRecorder _recorder = new();
    private readonly BotFactory _hostA;
    private readonly BotFactory _hostB;

    public PipelineOrderingTests(RedisServerFixture redis)
    {
        _hostA = Host(redis, "A");
        _hostB = Host(redis, "B");
    }

    private BotFactory Host(RedisServerFixture redis, string name) =>
        new(redis.ConnectionString, new Dictionary<string, string?> { ["Pipeline:Workers"] = "8" }, services =>
        {
            services.RemoveAll<IConversationBot>();
            services.AddSingleton<IConversationBot>(new RecordingBot(_recorder, name));
        });

    [Fact]
    public async Task TwoHosts_200ConcurrentMessagesInOneConversation_EachProcessedOnceInArrivalOrder()
    {
        var clientA = new DirectLineTestClient(_hostA.CreateClient());
        var clientB = new DirectLineTestClient(_hostB.CreateClient());
        var busy = await clientA.StartAsync();
        var quiet = await clientB.StartAsync();
        _recorder.DelayByConversation["webchat:" + busy.ConversationId] = TimeSpan.FromMilliseconds(10);

        // 200 posts at once, alternating between the hosts; a second conversation starts in the middle.
        var posts = Enumerable.Range(0, 200)
            .Select(i => (i % 2 == 0 ? clientA : clientB).SendAsync(busy, $"m{i:D3}"))
            .ToList();
        await Task.Delay(100, Ct);
        var quietPosts = Enumerable.Range(0, 5).Select(i => clientB.SendAsync(quiet, $"q{i}"));
        await Task.WhenAll(posts.Concat(quietPosts));

        var busyTurns = await WaitForTurns("webchat:" + busy.ConversationId, 200);
        var quietTurns = await WaitForTurns("webchat:" + quiet.ConversationId, 5);

        // Exactly once: 200 turns for 200 distinct messages.
        Assert.Equal(200, busyTurns.Select(t => t.Text).Distinct().Count());
        // In arrival order: the sequence numbers given at ingress, with no gap and no repeat (1 was the conversation start).
        Assert.Equal(Enumerable.Range(2, 200).Select(n => (long)n), busyTurns.Select(t => t.Sequence));
        // One at a time, across both hosts.
        Assert.Equal(1, _recorder.MaxOverlap);
        // The quiet conversation finished while the busy one was still being worked through.
        Assert.True(quietTurns.Max(t => t.FinishedAt) < busyTurns.Max(t => t.FinishedAt), "the second conversation waited behind the first");

        // The customer sees the replies in that same order, each once.
        var replies = await clientA.WaitForBotMessagesAsync(busy, 200, TimeSpan.FromSeconds(30));
        Assert.Equal(busyTurns.Select(t => "ack " + t.Text), replies.Select(r => r["text"]!.GetValue<string>()));
    }

    private async Task<IReadOnlyList<RecordedTurn>> WaitForTurns(string conversationId, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (_recorder.For(conversationId).Count < count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, Ct);
        }

        await Task.Delay(300, Ct); // a duplicate turn, if any, would show up now
        var turns = _recorder.For(conversationId);
        Assert.Equal(count, turns.Count);
        return turns;
    }

    public async ValueTask DisposeAsync()
    {
        await _hostA.DisposeAsync();
        await _hostB.DisposeAsync();
    }
}

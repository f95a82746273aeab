using Microsoft.Extensions.Time.Testing;
using SupportBot.Channels.Vk;

namespace SupportBot.Tests.Channels.Vk;

/// <summary>VK counts a token's calls per second over any window: a call past the limit waits until it fits.</summary>
public sealed class VkCallPacerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TwentyCallsGoAtOnce_TheTwentyFirstWaitsUntilTheFirstIsASecondOld()
    {
        var time = new FakeTimeProvider();
        var pacer = new VkCallPacer(20, time);
        for (var i = 0; i < 20; i++)
        {
            Assert.True(pacer.WaitForTurnAsync(Ct).IsCompletedSuccessfully, $"call {i + 1} had to wait");
        }

        var twentyFirst = pacer.WaitForTurnAsync(Ct);
        time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.False(twentyFirst.IsCompleted);

        time.Advance(TimeSpan.FromMilliseconds(1));
        await twentyFirst.WaitAsync(TimeSpan.FromSeconds(5), Ct);
    }

    [Fact]
    public async Task CallsSpreadOverASecond_EachWaitsOnlyForTheCallTwentyBeforeIt()
    {
        var time = new FakeTimeProvider();
        var pacer = new VkCallPacer(20, time);
        for (var i = 0; i < 10; i++)
        {
            await pacer.WaitForTurnAsync(Ct);
        }

        time.Advance(TimeSpan.FromMilliseconds(500));
        for (var i = 0; i < 10; i++)
        {
            await pacer.WaitForTurnAsync(Ct);
        }

        // Eleven more at 0.6 s: ten may go when the first ten are a second old (at 1.0 s), the eleventh at 1.5 s.
        time.Advance(TimeSpan.FromMilliseconds(100));
        var next = Enumerable.Range(0, 11).Select(_ => pacer.WaitForTurnAsync(Ct)).ToList();
        time.Advance(TimeSpan.FromMilliseconds(399));
        Assert.DoesNotContain(next, t => t.IsCompleted);

        time.Advance(TimeSpan.FromMilliseconds(1));
        await Task.WhenAll(next.Take(10)).WaitAsync(TimeSpan.FromSeconds(5), Ct);
        Assert.False(next[10].IsCompleted);

        time.Advance(TimeSpan.FromMilliseconds(500));
        await next[10].WaitAsync(TimeSpan.FromSeconds(5), Ct);
    }

    [Fact]
    public async Task AWaitingCall_EndsWhenItsCallerGivesUp_AndDoesNotHoldUpTheNext()
    {
        var time = new FakeTimeProvider();
        var pacer = new VkCallPacer(1, time);
        await pacer.WaitForTurnAsync(Ct);
        using var giveUp = new CancellationTokenSource();
        var abandoned = pacer.WaitForTurnAsync(giveUp.Token);
        var after = pacer.WaitForTurnAsync(Ct);

        await giveUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned);
        time.Advance(TimeSpan.FromSeconds(1));
        await after.WaitAsync(TimeSpan.FromSeconds(5), Ct);
    }
}

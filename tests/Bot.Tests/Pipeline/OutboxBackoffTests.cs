using SupportBot.Pipeline.Outbox;

namespace SupportBot.Tests.Pipeline;

public sealed class OutboxBackoffTests
{
    [Fact]
    public void Backoff_DoublesWithJitterAndStopsAtTheCap()
    {
        var options = new OutboxOptions { FirstRetrySeconds = 1, MaxRetrySeconds = 30 };
        var random = new Random(42);

        var delays = Enumerable.Range(1, 8).Select(n => options.Backoff(n, random).TotalSeconds).ToList();

        Assert.InRange(delays[0], 0.8, 1.2);
        Assert.InRange(delays[1], 1.6, 2.4);
        Assert.InRange(delays[2], 3.2, 4.8);
        Assert.All(delays.Skip(5), d => Assert.InRange(d, 24, 36));
    }
}

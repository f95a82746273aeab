using StackExchange.Redis;
using SupportBot.Hosting;

namespace SupportBot.FunctionalTests.Llm;

/// <summary>The LLM token budget against a real Redis that stops answering for a while (CLIENT PAUSE).</summary>
public sealed class RedisTokenBudgetTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    [Fact]
    public async Task HasRoomAndSpend_RedisTimesOut_ModelStillAsked_TurnDoesNotFail()
    {
        await using var slow = await ConnectionMultiplexer.ConnectAsync($"{redis.ConnectionString},asyncTimeout=200,syncTimeout=200");
        var budget = new RedisTokenBudget(() => slow, budget: 100);
        var conversation = "budget-timeout-" + Guid.NewGuid().ToString("N");
        await budget.SpendAsync(conversation, 150); // over the budget while Redis answers
        Assert.False(await budget.HasRoomAsync(conversation));

        await using var admin = await ConnectionMultiplexer.ConnectAsync($"{redis.ConnectionString},allowAdmin=true");
        await admin.GetDatabase().ExecuteAsync("CLIENT", "PAUSE", "3000", "ALL");
        try
        {
            // Timeouts are treated like a lost connection: the budget cannot be read, so it does not take the answer away.
            Assert.True(await budget.HasRoomAsync(conversation));
            await budget.SpendAsync(conversation, 10);
        }
        finally
        {
            await admin.GetDatabase().ExecuteAsync("CLIENT", "UNPAUSE");
        }
    }
}

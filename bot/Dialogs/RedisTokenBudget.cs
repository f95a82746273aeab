using StackExchange.Redis;
using SupportBot.Dialogs.Llm;
using SupportBot.Handoff;

namespace SupportBot.Hosting;

/// <summary>
/// <c>Llm:TokenBudgetPerConversation</c> counted in Redis: every host instance adds to one count per
/// conversation, which lasts a day from the first spend (and survives a restart). Fail-open: if Redis cannot be
/// reached or does not answer in time (a lost connection and a timeout alike) the model is asked anyway and the
/// spend goes uncounted: a budget must not take the answer away, nor make a slow store fail the customer's turn.
/// </summary>
/// <param name="redis">Asked when needed: the store connects at start-up, after the services are built.</param>
internal sealed class RedisTokenBudget(Func<IConnectionMultiplexer> redis, int budget) : ITokenBudget
{
    private static readonly long WindowMs = (long)TimeSpan.FromDays(1).TotalMilliseconds;

    // KEYS: 1 count. ARGV: 1 tokens, 2 window ms. The first spend starts the day.
    private const string SpendScript = """
        local n = redis.call('INCRBY', KEYS[1], ARGV[1])
        if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
        return n
        """;

    public async ValueTask<bool> HasRoomAsync(string conversationId)
    {
        if (budget <= 0)
        {
            return true;
        }

        try
        {
            var spent = await redis().GetDatabase().StringGetAsync(RedisKeys.LlmTokens(conversationId));
            return !spent.TryParse(out long tokens) || tokens < budget;
        }
        catch (Exception e) when (IsUnavailable(e))
        {
            return true;
        }
    }

    public async ValueTask SpendAsync(string conversationId, long tokens)
    {
        if (budget <= 0 || tokens <= 0)
        {
            return;
        }

        try
        {
            await redis().GetDatabase().ScriptEvaluateAsync(SpendScript, [RedisKeys.LlmTokens(conversationId)], [tokens, WindowMs]);
        }
        catch (Exception e) when (IsUnavailable(e))
        {
            // not counted: the next question may still go to the model
        }
    }

    /// <summary>Redis away (RedisConnectionException and other RedisException) or too slow (RedisTimeoutException is a TimeoutException).</summary>
    private static bool IsUnavailable(Exception e) => e is RedisException or TimeoutException;
}

namespace SupportBot.Dialogs.Llm;

/// <summary>
/// Model tokens a conversation may spend in a day (<c>Llm:TokenBudgetPerConversation</c>); past it the model is
/// not asked. The host keeps the count in Redis, so every instance (and a restart) sees the same spend.
/// </summary>
public interface ITokenBudget
{
    ValueTask<bool> HasRoomAsync(string conversationId);

    ValueTask SpendAsync(string conversationId, long tokens);
}

/// <summary>The budget in this process's memory (tests, the benchmark, embedding without Redis): a day from the first spend.</summary>
public sealed class MemoryTokenBudget(int budget, TimeProvider time) : ITokenBudget
{
    private static readonly TimeSpan Window = TimeSpan.FromDays(1);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (long Tokens, DateTimeOffset Since)> _spent = new(StringComparer.Ordinal);

    public ValueTask<bool> HasRoomAsync(string conversationId) => ValueTask.FromResult(
        budget <= 0 || !_spent.TryGetValue(conversationId, out var spent) || spent.Since + Window < time.GetUtcNow() || spent.Tokens < budget);

    public ValueTask SpendAsync(string conversationId, long tokens)
    {
        if (budget <= 0 || tokens <= 0)
        {
            return ValueTask.CompletedTask;
        }

        var now = time.GetUtcNow();
        _spent.AddOrUpdate(conversationId, (tokens, now), (_, old) => old.Since + Window < now ? (tokens, now) : (old.Tokens + tokens, old.Since));
        if (_spent.Count > 50_000)
        {
            foreach (var (key, value) in _spent)
            {
                if (value.Since + Window < now)
                {
                    _spent.TryRemove(key, out _);
                }
            }
        }

        return ValueTask.CompletedTask;
    }
}

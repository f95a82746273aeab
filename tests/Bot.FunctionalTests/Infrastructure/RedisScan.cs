using System.Text;
using StackExchange.Redis;

namespace SupportBot.FunctionalTests.Infrastructure;

/// <summary>Reads the whole store: what a test of an erasure looks through for traces left behind.</summary>
public static class RedisScan
{
    /// <summary>Every key whose name or content (any type) contains <paramref name="text"/>.</summary>
    public static async Task<List<string>> KeysHoldingAsync(IConnectionMultiplexer redis, string text)
    {
        var db = redis.GetDatabase();
        var found = new List<string>();
        foreach (var endpoint in redis.GetEndPoints())
        {
            await foreach (var key in redis.GetServer(endpoint).KeysAsync(pattern: "*", pageSize: 1000))
            {
                var content = new StringBuilder((string)key!);
                switch (await db.KeyTypeAsync(key))
                {
                    case RedisType.String:
                        content.Append((string?)await db.StringGetAsync(key));
                        break;
                    case RedisType.Hash:
                        foreach (var entry in await db.HashGetAllAsync(key))
                        {
                            content.Append(entry.Name).Append(entry.Value);
                        }

                        break;
                    case RedisType.List:
                        content.AppendJoin('\n', await db.ListRangeAsync(key));
                        break;
                    case RedisType.Set:
                        content.AppendJoin('\n', await db.SetMembersAsync(key));
                        break;
                    case RedisType.SortedSet:
                        content.AppendJoin('\n', await db.SortedSetRangeByRankAsync(key));
                        break;
                }

                if (content.ToString().Contains(text, StringComparison.OrdinalIgnoreCase))
                {
                    found.Add((string)key!);
                }
            }
        }

        return found;
    }
}

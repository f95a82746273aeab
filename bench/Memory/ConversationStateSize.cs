using System.Globalization;
using StackExchange.Redis;

namespace SupportBot.Memory;

/// <summary>
/// What one conversation keeps in Redis to go on later, measured with MEMORY USAGE (bench/README.md, scenario
/// memory, defines it): every key under the conversation's hash tag except its history and records, plus the
/// channel's delivery record of its replies. Shared by <c>bench -- memory</c> and the functional test.
/// </summary>
internal static class ConversationStateSize
{
    /// <summary>Keys under the tag that are history or records, kept by their own rules: not the conversation's state.</summary>
    public static readonly string[] NotState =
    [
        ":transcript",      // the console's transcript
        ":dl:log",          // the Direct Line activities (the website chat's transcript)…
        ":dl:appended",     // …and its index of appended ids
        ":events",          // the handoff's history
        ":interests:open",  // the interest feed's index of the conversation's open records…
        ":interests",       // …and of all its records (what erasing its customer removes)
    ];

    /// <summary>The conversation's state keys and their sizes in bytes. Scans the keyspace: use it while that is small.</summary>
    public static async Task<IReadOnlyList<(string Key, long Bytes)>> MeasureAsync(IConnectionMultiplexer redis, string conversationId)
    {
        var server = redis.GetServer(redis.GetEndPoints()[0]);
        var db = redis.GetDatabase();
        var keys = new List<string>();
        await foreach (var key in server.KeysAsync(pattern: Glob("{c:" + conversationId + "}") + "*", pageSize: 1000))
        {
            var name = (string)key!;
            if (!NotState.Any(suffix => name.EndsWith(suffix, StringComparison.Ordinal)))
            {
                keys.Add(name);
            }
        }

        // The Telegram channel's record of which parts of the latest reply went out.
        var sent = "telegram:sent:" + conversationId;
        if (await db.KeyExistsAsync(sent))
        {
            keys.Add(sent);
        }

        var sizes = new List<(string, long)>();
        foreach (var key in keys)
        {
            var usage = await db.ExecuteAsync("MEMORY", "USAGE", key, "SAMPLES", "0");
            if (!usage.IsNull)
            {
                sizes.Add((key, long.Parse(usage.ToString(), CultureInfo.InvariantCulture)));
            }
        }

        return sizes;
    }

    /// <summary>The key with the conversation's own part replaced, for listing which kinds of keys take the space.</summary>
    public static string Kind(string key, string conversationId) => key.Replace(conversationId, "<id>", StringComparison.Ordinal);

    private static string Glob(string literal)
    {
        var escaped = new System.Text.StringBuilder(literal.Length);
        foreach (var c in literal)
        {
            if (c is '*' or '?' or '[' or ']' or '\\')
            {
                escaped.Append('\\');
            }

            escaped.Append(c);
        }

        return escaped.ToString();
    }
}

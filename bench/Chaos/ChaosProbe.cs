using System.Text.Json.Nodes;

namespace SupportBot.Chaos;

/// <summary>
/// Before any fault: asks the host every candidate question once in one website chat and keeps the
/// questions that get exactly one answer of their own, so each answer can be counted in every chat later.
/// </summary>
internal sealed record ChaosProbe(string Greeting, IReadOnlyDictionary<string, string> Answers)
{
    /// <summary>The first English question of each entry of the shipped FAQ.</summary>
    private static readonly string[] Candidates =
    [
        "Which countries do you ship to?", "Can I pick up my order myself?", "Can I change the delivery address?", "My parcel arrived damaged",
        "How do I cancel my order?", "Can I add an item to my order?", "Where do I find my invoice?", "An item is missing from my parcel",
        "I forgot my password", "How do I delete my account?", "How do I unsubscribe from the newsletter?", "When will I get my money back?",
        "My payment was declined", "Can I pay in instalments?", "My discount code does not work", "Do you match lower prices?",
        "I lost the return label", "Can I exchange an item for another size?", "How do I make a warranty claim?", "What is your phone number?",
        "Where is your shop?", "Do you offer gift wrapping?", "When will this item be back in stock?", "How long does delivery take?",
        "How much is shipping?", "How do I return an item?", "Which payment methods do you accept?", "Where is my order?",
        "What are your opening hours?", "What warranty do you give?",
    ];

    public IReadOnlyList<string> Questions => [.. Answers.Keys];

    public static async Task<ChaosProbe> RunAsync(HttpClient http, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var tokenResponse = await ChaosHttp.SendUntilAnsweredAsync(http, () => ChaosHttp.Json(HttpMethod.Post, "/api/webchat/token", null), timeout, cancellationToken);
        await ChaosHttp.EnsureSuccessAsync(tokenResponse, "probe: token", cancellationToken);
        var token = await ChaosHttp.ReadObjectAsync(tokenResponse, cancellationToken);
        var directLineId = token["conversationId"]!.GetValue<string>();
        var bearer = token["token"]!.GetValue<string>();
        using var started = await http.SendAsync(ChaosHttp.Json(HttpMethod.Post, "/v3/directline/conversations", new JsonObject { ["locale"] = "en-US" }, bearer), cancellationToken);
        await ChaosHttp.EnsureSuccessAsync(started, "probe: start", cancellationToken);

        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var question in Candidates)
        {
            var activity = new JsonObject
            {
                ["type"] = "message",
                ["text"] = question,
                ["locale"] = "en-US",
                ["from"] = new JsonObject { ["id"] = "probe", ["role"] = "user" },
                ["channelData"] = new JsonObject { ["clientActivityID"] = "probe-" + ids.Count },
            };
            using var posted = await http.SendAsync(ChaosHttp.Json(HttpMethod.Post, $"/v3/directline/conversations/{directLineId}/activities", activity, bearer), cancellationToken);
            await ChaosHttp.EnsureSuccessAsync(posted, "probe: post", cancellationToken);
            ids[question] = (await ChaosHttp.ReadObjectAsync(posted, cancellationToken))["id"]!.GetValue<string>();
        }

        // Wait until every question has its answer(s) (and the greeting is there).
        List<(string? ReplyTo, string Text)> bot = [];
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            using var read = await http.SendAsync(ChaosHttp.Json(HttpMethod.Get, $"/v3/directline/conversations/{directLineId}/activities", null, bearer), cancellationToken);
            await ChaosHttp.EnsureSuccessAsync(read, "probe: read", cancellationToken);
            bot = [.. (await ChaosHttp.ReadObjectAsync(read, cancellationToken))["activities"]!.AsArray()
                .Where(a => a!["from"]?["role"]?.GetValue<string>() == "bot")
                .Select(a => (a!["replyToId"]?.GetValue<string>(), a["text"]?.GetValue<string>() ?? ""))];
            if (ids.Values.All(id => bot.Any(b => b.ReplyTo == id)) || DateTime.UtcNow > deadline)
            {
                break;
            }

            await Task.Delay(200, cancellationToken);
        }

        var greeting = bot.Where(b => b.ReplyTo is null).Select(b => b.Text).FirstOrDefault()
            ?? throw new InvalidOperationException("probe: the bot did not greet.");
        var answers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (question, id) in ids)
        {
            var replies = bot.Where(b => b.ReplyTo == id).Select(b => b.Text).ToList();
            if (replies.Count == 1 && replies[0] != greeting)
            {
                answers[question] = replies[0];
            }
        }

        // A "did you mean" offer is the same text for several questions: keep only answers that are one question's own.
        var shared = answers.GroupBy(a => a.Value).Where(g => g.Count() > 1).SelectMany(g => g.Select(a => a.Key)).ToList();
        foreach (var question in shared)
        {
            answers.Remove(question);
        }

        if (answers.Count < 5)
        {
            throw new InvalidOperationException($"probe: only {answers.Count} questions have an answer of their own; the FAQ content is not the shipped one?");
        }

        return new ChaosProbe(greeting, answers);
    }
}

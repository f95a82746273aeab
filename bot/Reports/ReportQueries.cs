using System.Globalization;
using StackExchange.Redis;
using SupportBot.Handoff;
using SupportBot.Interests;

namespace SupportBot.Reports;

/// <summary>
/// The reports that read live handoff and interest-log data: agents' response times (the handoff's
/// recent-figures lists, read once each) and what is still unanswered (the open index). Counts are in <see cref="ReportCounts"/>.
/// </summary>
public sealed class ReportQueries(
    IConnectionMultiplexer redis, HandoffService handoff, InterestLog interests, TimeProvider time)
{
    /// <summary>How many newest samples of each figure the handoff keeps (its lists are capped there).</summary>
    public const int FigureSamples = 1000;

    /// <summary>
    /// First-response and handle times per agent and department (median, p90), customers' ratings of resolved chats, and
    /// each department's queue now.
    /// </summary>
    public async Task<AgentsReport> AgentsAsync()
    {
        var db = redis.GetDatabase();
        var store = handoff.Store;
        // One read per figure: the same samples HandoffStore.FiguresAsync filters, grouped here in one pass.
        var waitTask = ReadFiguresAsync(db, "wait");
        var firstTask = ReadFiguresAsync(db, "first-response");
        var handleTask = ReadFiguresAsync(db, "handle");
        var ratingTask = ReadFiguresAsync(db, HandoffStore.SatisfactionFigure);
        var agentIdsTask = store.AgentIdsAsync();
        var lowTask = store.LowRatingsAsync(LowRatingsShown);
        var departments = handoff.Departments.All;
        var queueTasks = departments.Select(d => store.QueueLengthAsync(d.Name)).ToArray();
        var (wait, first, handle, ratings) = (await waitTask, await firstTask, await handleTask, await ratingTask);

        var agentIds = (await agentIdsTask).Concat(first.Select(s => s.Agent)).Concat(handle.Select(s => s.Agent)).Concat(ratings.Select(s => s.Agent))
            .Where(a => a.Length > 0).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var profiles = await Task.WhenAll(agentIds.Select(store.GetAgentAsync));
        var agents = agentIds.Select((id, i) => new AgentFigures(
            id, profiles[i]?.Name,
            Figures(first.Where(s => s.Agent == id)),
            Figures(handle.Where(s => s.Agent == id)),
            Ratings(ratings.Where(s => s.Agent == id)))).ToList();

        var queues = await Task.WhenAll(queueTasks);
        var now = time.GetUtcNow();
        var perDepartment = departments.Select((d, i) => new DepartmentFigures(
            d.Name, queues[i], d.Hours.IsOpen(now),
            Figures(wait.Where(s => s.Department == d.Name)),
            Figures(first.Where(s => s.Department == d.Name)),
            Figures(handle.Where(s => s.Department == d.Name)),
            Ratings(ratings.Where(s => s.Department == d.Name)))).ToList();
        var low = await lowTask;
        var customers = await Task.WhenAll(low.Select(r => store.GetProfileAsync(r.ConversationId)));
        var names = agentIds.Select((id, i) => (id, profiles[i]?.Name)).ToDictionary(a => a.id, a => a.Name, StringComparer.Ordinal);
        var lowRatings = low.Select((r, i) => new LowRatingItem(
            r.ConversationId, customers[i]?.Name, customers[i]?.UserId, customers[i]?.Channel ?? r.ConversationId.Split(':')[0],
            r.AgentId, names.GetValueOrDefault(r.AgentId), r.Department, r.Rating, r.At)).ToList();
        return new AgentsReport(agents, perDepartment, queues.Sum(), FigureSamples, lowRatings);
    }

    /// <summary>How many of the newest low ratings the report lists.</summary>
    public const int LowRatingsShown = 20;

    /// <summary>
    /// Inbound records not processed and older than <paramref name="olderThan"/>, newest first: the newest
    /// <paramref name="limit"/> of the interest log's open index (every open inbound record, by date) before the cut-off,
    /// and how many there are in all. Two reads however many records the log holds.
    /// </summary>
    public async Task<UnansweredReport> UnansweredAsync(TimeSpan olderThan, int limit)
    {
        var db = redis.GetDatabase();
        var now = time.GetUtcNow();
        var cutOff = now - olderThan;
        var end = cutOff.ToUnixTimeMilliseconds();
        var idsTask = db.SortedSetRangeByScoreAsync(RedisKeys.InterestsOpen, double.NegativeInfinity, end, Exclude.None, Order.Descending, 0, limit);
        var totalTask = db.SortedSetLengthAsync(RedisKeys.InterestsOpen, double.NegativeInfinity, end);
        var records = await interests.GetListedAsync([.. (await idsTask).Select(id => (string)id!)]);
        var items = records
            .Where(r => r is { Direction: "in", Processed: false }) // answered between the two reads: left out
            .Select(r => new UnansweredItem(
                r.Id, r.Date, (int)(now - r.Date).TotalMinutes, r.SourceType, r.Action, r.ConversationId,
                r.Author.Name, Shorten(r.Text), r.Product, r.Responsible, r.SourceLink, r.Author.Id))
            .ToList();
        return new UnansweredReport(items, await totalTask, cutOff);
    }

    private static async Task<List<(string Department, string Agent, long Ms)>> ReadFiguresAsync(IDatabase db, string figure)
    {
        var samples = new List<(string, string, long)>();
        foreach (var entry in await db.ListRangeAsync(RedisKeys.HandoffFigures(figure), 0, FigureSamples - 1))
        {
            var parts = ((string)entry!).Split('|');
            if (parts.Length == 3 && long.TryParse(parts[2], CultureInfo.InvariantCulture, out var ms))
            {
                samples.Add((parts[0], parts[1], ms));
            }
        }

        return samples;
    }

    private static TimeFigures Figures(IEnumerable<(string Department, string Agent, long Ms)> samples)
    {
        var sorted = samples.Select(s => s.Ms).Order().ToArray();
        return sorted.Length == 0 ? new TimeFigures(0, null, null) : new TimeFigures(sorted.Length, Percentile(sorted, 50), Percentile(sorted, 90));
    }

    private static RatingFigures Ratings(IEnumerable<(string Department, string Agent, long Rating)> samples)
    {
        var ratings = samples.Select(s => s.Rating).Where(r => r is >= 1 and <= 5).ToArray();
        return ratings.Length == 0
            ? new RatingFigures(0, null, null)
            : new RatingFigures(ratings.Length, ratings.Average(), ratings.Count(r => r >= 4) / (double)ratings.Length);
    }

    /// <summary>Nearest rank of an ascending array.</summary>
    public static long Percentile(long[] sorted, double percentile) =>
        sorted[Math.Clamp((int)Math.Ceiling(percentile / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static string? Shorten(string? text) => text is { Length: > 200 } ? text[..200] + "…" : text;
}

namespace SupportBot.Reports;

/// <summary>A closed date range of local days in the reports' zone.</summary>
public sealed record ReportRange(DateOnly From, DateOnly To);

public enum ReportPeriod
{
    Day,
    Week,
    Month,
}

/// <param name="ProcessedRate">processed / count, null when count is 0.</param>
public sealed record ReportGroup(string Key, long Count, long Processed, double? ProcessedRate)
{
    /// <summary>With <c>compare=previous</c>: the group's count in the range before (0 when it had none).</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public long? PreviousCount { get; init; }
}

/// <summary><c>{"total":…,"groups":[…]}</c> first: the order clients rely on.</summary>
public sealed record ReportSummary(
    long Total, IReadOnlyList<ReportGroup> Groups, long Processed, double? ProcessedRate,
    string GroupBy, DateOnly From, DateOnly To, string TimeZone)
{
    /// <summary>With <c>compare=previous</c>: the range before, its groups and the change of the total.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public ReportComparison? Previous { get; init; }
}

/// <summary>One series per key over <see cref="ReportTimeline.Periods"/> (the start day of each period).</summary>
public sealed record ReportSeries(string Key, IReadOnlyList<long> Counts, IReadOnlyList<long> Processed);

/// <summary>Chart-ready: every array is aligned with <see cref="Periods"/>.</summary>
public sealed record ReportTimeline(
    IReadOnlyList<DateOnly> Periods, IReadOnlyList<long> Totals, IReadOnlyList<long> Processed, IReadOnlyList<double?> ProcessedRate,
    IReadOnlyList<ReportSeries> Series, string GroupBy, string Period, DateOnly From, DateOnly To, string TimeZone);

/// <param name="MedianMs">null when there are no samples.</param>
public sealed record TimeFigures(int Count, long? MedianMs, long? P90Ms);

/// <summary>Customers' ratings of resolved chats (the survey after the close), 1–5.</summary>
/// <param name="Average">null when there are no ratings.</param>
/// <param name="SatisfiedRate">The share rated 4 or 5 (CSAT), null when there are no ratings.</param>
public sealed record RatingFigures(int Count, double? Average, double? SatisfiedRate);

public sealed record AgentFigures(string AgentId, string? Name, TimeFigures FirstResponse, TimeFigures Handle, RatingFigures Rating);

public sealed record DepartmentFigures(string Department, long QueueLength, bool Open, TimeFigures Wait, TimeFigures FirstResponse, TimeFigures Handle, RatingFigures Rating);

/// <param name="SamplesPerFigure">The figures come from the newest this many closed handoff steps (and ratings) of each kind.</param>
/// <param name="LowRatings">The newest ratings of 1 or 2, newest first: the customers to follow up on.</param>
public sealed record AgentsReport(
    IReadOnlyList<AgentFigures> Agents, IReadOnlyList<DepartmentFigures> Departments, long QueueTotal, int SamplesPerFigure, IReadOnlyList<LowRatingItem> LowRatings);

/// <summary>A rating of 1 or 2: whose chat (<paramref name="CustomerName"/> as the channel knows them), which agent resolved it, when.</summary>
public sealed record LowRatingItem(
    string ConversationId, string? CustomerName, string? CustomerId, string SourceType, string AgentId, string? AgentName, string Department, int Rating, DateTimeOffset At);

public sealed record UnansweredItem(
    string Id, DateTimeOffset Date, int AgeMinutes, string SourceType, string Action, string ConversationId,
    string? AuthorName, string? Text, string? Product, string? Responsible, string? SourceLink, string? AuthorId = null);

/// <param name="Total">All inbound records still open and older than the cut-off (the list shows the newest <c>limit</c> of them).</param>
public sealed record UnansweredReport(IReadOnlyList<UnansweredItem> Items, long Total, DateTimeOffset OlderThan);

/// <summary>The range before a report's range, of the same length (whole months when the range is whole months), and how the totals changed.</summary>
/// <param name="Change">(total − previous total) / previous total; null when the previous total is 0.</param>
public sealed record ReportComparison(DateOnly From, DateOnly To, long Total, long Processed, IReadOnlyList<ReportGroup> Groups, double? Change);

/// <summary>One bucket of a histogram: first responses that took more than <see cref="FromSeconds"/> and at most <see cref="ToSeconds"/> (null: no upper bound).</summary>
public sealed record HistogramBucket(long FromSeconds, long? ToSeconds, long Count);

/// <param name="P50Seconds">Percentiles estimated within their bucket (linearly); exact to the bucket's bounds. Null when there are no samples.</param>
public sealed record FirstResponseFigures(long Count, double? MeanSeconds, double? P50Seconds, double? P75Seconds, double? P90Seconds, double? P95Seconds);

/// <summary>
/// How long inbound records waited for an agent's first response (their reply, or marking it processed), by the records'
/// own days in the range; for one department and/or agent when asked.
/// </summary>
public sealed record FirstResponseReport(
    DateOnly From, DateOnly To, string TimeZone, string? Department, string? Agent,
    FirstResponseFigures Figures, IReadOnlyList<HistogramBucket> Buckets)
{
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public FirstResponsePrevious? Previous { get; init; }
}

public sealed record FirstResponsePrevious(DateOnly From, DateOnly To, FirstResponseFigures Figures, IReadOnlyList<HistogramBucket> Buckets);

public sealed record FunnelMove(string From, string To, long Count);

public sealed record FunnelStageCount(string Stage, long Entered, long Left);

/// <summary>Customers' moves between funnel stages in the range (by when they moved), and per stage how many entered and left it.</summary>
public sealed record FunnelReport(DateOnly From, DateOnly To, string TimeZone, IReadOnlyList<string> Stages, long Moves, IReadOnlyList<FunnelMove> Transitions, IReadOnlyList<FunnelStageCount> PerStage)
{
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public FunnelPrevious? Previous { get; init; }
}

public sealed record FunnelPrevious(DateOnly From, DateOnly To, long Moves, IReadOnlyList<FunnelMove> Transitions, IReadOnlyList<FunnelStageCount> PerStage);

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
public sealed record ReportGroup(string Key, long Count, long Processed, double? ProcessedRate);

/// <summary><c>{"total":…,"groups":[…]}</c> first: the order clients rely on.</summary>
public sealed record ReportSummary(
    long Total, IReadOnlyList<ReportGroup> Groups, long Processed, double? ProcessedRate,
    string GroupBy, DateOnly From, DateOnly To, string TimeZone);

/// <summary>One series per key over <see cref="ReportTimeline.Periods"/> (the start day of each period).</summary>
public sealed record ReportSeries(string Key, IReadOnlyList<long> Counts, IReadOnlyList<long> Processed);

/// <summary>Chart-ready: every array is aligned with <see cref="Periods"/>.</summary>
public sealed record ReportTimeline(
    IReadOnlyList<DateOnly> Periods, IReadOnlyList<long> Totals, IReadOnlyList<long> Processed, IReadOnlyList<double?> ProcessedRate,
    IReadOnlyList<ReportSeries> Series, string GroupBy, string Period, DateOnly From, DateOnly To, string TimeZone);

/// <param name="MedianMs">null when there are no samples.</param>
public sealed record TimeFigures(int Count, long? MedianMs, long? P90Ms);

public sealed record AgentFigures(string AgentId, string? Name, TimeFigures FirstResponse, TimeFigures Handle);

public sealed record DepartmentFigures(string Department, long QueueLength, bool Open, TimeFigures Wait, TimeFigures FirstResponse, TimeFigures Handle);

/// <param name="SamplesPerFigure">The figures come from the newest this many closed handoff steps of each kind.</param>
public sealed record AgentsReport(IReadOnlyList<AgentFigures> Agents, IReadOnlyList<DepartmentFigures> Departments, long QueueTotal, int SamplesPerFigure);

public sealed record UnansweredItem(
    string Id, DateTimeOffset Date, int AgeMinutes, string SourceType, string Action, string ConversationId,
    string? AuthorName, string? Text, string? Product, string? Responsible, string? SourceLink);

/// <param name="Complete">false when the look-through window ended before the list was full: older ones may exist.</param>
public sealed record UnansweredReport(IReadOnlyList<UnansweredItem> Items, int Scanned, bool Complete, DateTimeOffset OlderThan);

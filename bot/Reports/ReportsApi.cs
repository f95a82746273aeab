using System.Globalization;
using Microsoft.Extensions.Options;
using SupportBot.AgentConsole.Accounts;
using SupportBot.Api;
using SupportBot.Customers;
using SupportBot.Handoff;

namespace SupportBot.Reports;

/// <summary>
/// <c>/api/reports/…</c>: summary (with the period before) and timeline of inbound interest records, agents' response
/// times, the first-response distribution, moves along the funnel, and what is still unanswered. Every refusal is a problem-details 400 that names the parameter.
/// </summary>
public static class ReportsApi
{
    /// <summary>Longest range a count report covers (~1,100 day hashes).</summary>
    public const int MaxYears = 3;

    /// <summary>Days shown when no <c>from</c> is given.</summary>
    public const int DefaultDays = 30;

    private static readonly string[] DateTimeFormats =
    [
        "yyyy-MM-dd'T'HH:mmK", "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK",
        "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF",
    ];

    public static RouteGroupBuilder MapReportsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/reports");
        // A console sign-in reads reports only as a supervisor or admin, as on the page; an API key (a system) may.
        group.RequireAuthorization(policy => policy.RequireAssertion(context => ApiAccess.IsSystemOrSupervisor(context.User)));
        group.MapGet("/summary", Summary);
        group.MapGet("/timeline", Timeline);
        group.MapGet("/agents", async (ReportQueries reports) => TypedResults.Ok(await reports.AgentsAsync()));
        group.MapGet("/unanswered", Unanswered);
        group.MapGet("/first-response", FirstResponse);
        group.MapGet("/funnel", Funnel);
        return group;
    }

    private static async Task<IResult> Summary(ReportCounts reports, string? from, string? to, string? groupBy, string? compare)
    {
        var (range, rangeProblem) = ParseRange(reports, from, to);
        var (dimension, groupProblem) = ParseGroupBy(groupBy);
        var (previous, compareProblem) = ParseCompare(compare);
        if ((rangeProblem ?? groupProblem ?? compareProblem) is { } problem)
        {
            return problem;
        }

        return TypedResults.Ok(await reports.SummaryAsync(range!, dimension!, previous));
    }

    /// <summary><c>?from=&amp;to=&amp;department=&amp;agent=&amp;compare=previous</c>: the first-response histogram and its percentiles.</summary>
    private static async Task<IResult> FirstResponse(ReportCounts reports, string? from, string? to, string? department, string? agent, string? compare)
    {
        var (range, rangeProblem) = ParseRange(reports, from, to);
        var (previous, compareProblem) = ParseCompare(compare);
        if ((rangeProblem ?? compareProblem) is { } problem)
        {
            return problem;
        }

        department = string.IsNullOrEmpty(department) ? null : department;
        if (department is not null && (department.Length > 100 || department.Any(char.IsControl)))
        {
            return BadParameter("department", "department is a department's name of at most 100 characters.");
        }

        agent = string.IsNullOrEmpty(agent) ? null : agent.StartsWith("agent:", StringComparison.Ordinal) ? agent["agent:".Length..] : agent;
        if (agent is not null && !HandoffApi.AgentIdPattern().IsMatch(agent))
        {
            return BadParameter("agent", "agent is an agent id (or agent:<id>): 1–64 letters, digits, '.', '_', '@' or '-'.");
        }

        return TypedResults.Ok(await reports.FirstResponseAsync(range!, department, agent, previous));
    }

    /// <summary><c>?from=&amp;to=&amp;compare=previous</c>: customers' moves between funnel stages.</summary>
    private static async Task<IResult> Funnel(ReportCounts reports, IOptions<CustomersOptions> customers, string? from, string? to, string? compare)
    {
        var (range, rangeProblem) = ParseRange(reports, from, to);
        var (previous, compareProblem) = ParseCompare(compare);
        if ((rangeProblem ?? compareProblem) is { } problem)
        {
            return problem;
        }

        return TypedResults.Ok(await reports.FunnelAsync(range!, customers.Value.Stages, previous));
    }

    private static async Task<IResult> Timeline(ReportCounts reports, string? from, string? to, string? groupBy, string? period)
    {
        var (range, rangeProblem) = ParseRange(reports, from, to);
        var (dimension, groupProblem) = ParseGroupBy(groupBy);
        var (unit, periodProblem) = ParsePeriod(period);
        if (periodProblem is null && unit == ReportPeriod.Day && range is not null && range.To.DayNumber - range.From.DayNumber >= ReportCounts.MaxDailyDays)
        {
            periodProblem = BadParameter("period", $"period day covers at most {ReportCounts.MaxDailyDays} days; use week or month for longer ranges.");
        }

        if ((rangeProblem ?? groupProblem ?? periodProblem) is { } problem)
        {
            return problem;
        }

        return TypedResults.Ok(await reports.TimelineAsync(range!, dimension!, unit));
    }

    private static async Task<IResult> Unanswered(ReportQueries reports, string? olderThanMinutes, string? limit)
    {
        if (!TryInt(olderThanMinutes, 60, 0, 525_600, out var minutes))
        {
            return BadParameter("olderThanMinutes", "olderThanMinutes is a whole number of minutes from 0 to 525600 (a year).");
        }

        if (!TryInt(limit, 50, 1, 500, out var take))
        {
            return BadParameter("limit", "limit is a whole number from 1 to 500.");
        }

        return TypedResults.Ok(await reports.UnansweredAsync(TimeSpan.FromMinutes(minutes), take));
    }

    /// <summary>from/to as local days of the reports' zone; defaults: the last <see cref="DefaultDays"/> days up to today.</summary>
    public static (ReportRange? Range, IResult? Problem) ParseRange(ReportCounts reports, string? from, string? to)
    {
        if (!TryParseDay(to, reports.Zone, out var toDay))
        {
            return (null, BadParameter("to", $"to is an ISO 8601 date or date-time, e.g. 2026-11-24 or 2026-11-24T10:00:00Z; got '{to}'."));
        }

        if (!TryParseDay(from, reports.Zone, out var fromDay))
        {
            return (null, BadParameter("from", $"from is an ISO 8601 date or date-time, e.g. 2026-11-01 or 2026-11-01T00:00:00+03:00; got '{from}'."));
        }

        var last = toDay ?? reports.Today;
        var first = fromDay ?? last.AddDays(1 - DefaultDays);
        if (first > last)
        {
            return (null, BadParameter("from", $"from ({first:yyyy-MM-dd}) is after to ({last:yyyy-MM-dd})."));
        }

        if (last > first.AddYears(MaxYears))
        {
            return (null, BadParameter("to", $"to is at most {MaxYears} years after from ({first:yyyy-MM-dd})."));
        }

        return (new ReportRange(first, last), null);
    }

    public static (string? Value, IResult? Problem) ParseGroupBy(string? groupBy)
    {
        var value = string.IsNullOrEmpty(groupBy) ? "source" : groupBy;
        return ReportCounters.Dimensions.Contains(value, StringComparer.Ordinal)
            ? (value, null)
            : (null, BadParameter("groupBy", $"groupBy is one of: {string.Join(", ", ReportCounters.Dimensions)}."));
    }

    /// <summary><c>compare=previous</c> adds the range before; nothing else is a comparison we make.</summary>
    public static (bool Value, IResult? Problem) ParseCompare(string? compare) => compare switch
    {
        null or "" => (false, null),
        "previous" => (true, null),
        _ => (false, BadParameter("compare", "compare is previous (the range just before, of the same length), or left out.")),
    };

    public static (ReportPeriod Value, IResult? Problem) ParsePeriod(string? period) => period switch
    {
        null or "" or "day" => (ReportPeriod.Day, null),
        "week" => (ReportPeriod.Week, null),
        "month" => (ReportPeriod.Month, null),
        _ => (ReportPeriod.Day, BadParameter("period", "period is one of: day, week, month.")),
    };

    /// <summary>A date is a local day of the zone; a date-time (with offset, else taken as UTC) is moved into the zone first.</summary>
    private static bool TryParseDay(string? text, TimeZoneInfo zone, out DateOnly? day)
    {
        day = null;
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }

        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            day = date;
            return true;
        }

        if (DateTimeOffset.TryParseExact(text, DateTimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var moment))
        {
            day = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(moment, zone).DateTime);
            return true;
        }

        return false;
    }

    private static bool TryInt(string? text, int fallback, int min, int max, out int value)
    {
        value = fallback;
        return string.IsNullOrEmpty(text)
            || (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= min && value <= max);
    }

    /// <summary>A 400 whose detail starts with the parameter and whose <c>parameter</c> extension names it.</summary>
    private static IResult BadParameter(string parameter, string detail) =>
        TypedResults.Problem(
            title: "Bad request", detail: detail, statusCode: StatusCodes.Status400BadRequest,
            extensions: new Dictionary<string, object?> { ["parameter"] = parameter });
}

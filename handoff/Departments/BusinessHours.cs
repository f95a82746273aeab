namespace SupportBot.Handoff.Departments;

/// <summary>
/// When a department is open: weekly ranges in its own time zone, minus holidays. Immutable.
/// Times are compared on the local wall clock, so 09:00 stays 09:00 across daylight-saving changes;
/// a range that starts in the hour the clocks skip opens when they jump past it.
/// </summary>
public sealed class BusinessHours
{
    // The calendar's weekdays repeat every 28 years, so no later opening exists if none is found within.
    private const int SearchDays = 28 * 366;

    private static readonly TimeRange[] AroundTheClock = [new(TimeSpan.Zero, TimeSpan.FromDays(1))];

    private readonly TimeRange[][] _rangesByDay; // indexed by DayOfWeek
    private readonly HashSet<DateOnly> _holidayDates;
    private readonly HashSet<(int Month, int Day)> _yearlyHolidays;

    private BusinessHours(TimeZoneInfo timeZone, TimeRange[][] rangesByDay, HashSet<DateOnly> holidayDates, HashSet<(int, int)> yearlyHolidays)
    {
        TimeZone = timeZone;
        _rangesByDay = rangesByDay;
        _holidayDates = holidayDates;
        _yearlyHolidays = yearlyHolidays;
    }

    /// <summary>Open every minute of every day.</summary>
    public static BusinessHours AlwaysOpen { get; } =
        new(TimeZoneInfo.Utc, Enumerable.Repeat(AroundTheClock, 7).ToArray(), [], []);

    /// <summary>The zone the hours and holidays are read in.</summary>
    public TimeZoneInfo TimeZone { get; }

    /// <summary>The hours of a department's options; throws <see cref="FormatException"/> naming the bad field.</summary>
    public static BusinessHours From(DepartmentOptions options) => Parse(options.TimeZone, options.Hours, options.Holidays);

    /// <summary>
    /// Reads hours in the form of <see cref="DepartmentOptions.Hours"/> and <see cref="DepartmentOptions.Holidays"/>.
    /// Null or empty <paramref name="hours"/> means open around the clock (holidays still close).
    /// </summary>
    /// <exception cref="FormatException">A field is wrong; the message names every wrong field.</exception>
    public static BusinessHours Parse(string timeZone, IReadOnlyDictionary<string, string>? hours, IEnumerable<string>? holidays = null)
    {
        var errors = new List<string>();
        var parsed = TryParse(timeZone, hours, holidays, (field, message) => errors.Add($"{field}: {message}"));
        return parsed ?? throw new FormatException(string.Join(Environment.NewLine, errors));
    }

    /// <summary>Parses, reporting each mistake as (field path such as <c>Hours:Mon</c>, message); null if there was any.</summary>
    internal static BusinessHours? TryParse(
        string? timeZone, IReadOnlyDictionary<string, string>? hours, IEnumerable<string>? holidays, Action<string, string> error)
    {
        var ok = true;
        void Fail(string field, string message)
        {
            ok = false;
            error(field, message);
        }

        TimeZoneInfo? zone = null;
        if (string.IsNullOrWhiteSpace(timeZone))
            Fail("TimeZone", "is empty; use an IANA time zone such as Europe/Berlin or UTC");
        else if (!TimeZoneInfo.TryFindSystemTimeZoneById(timeZone.Trim(), out zone))
            Fail("TimeZone", $"unknown time zone '{timeZone}'");

        var rangesByDay = ParseWeek(hours, Fail);

        var holidayDates = new HashSet<DateOnly>();
        var yearlyHolidays = new HashSet<(int, int)>();
        var index = 0;
        foreach (var holiday in holidays ?? [])
        {
            if (!HoursSyntax.TryParseHoliday(holiday, out var date, out var everyYear))
                Fail($"Holidays:{index}", $"'{holiday}' is not a date like 2026-12-25 or, for every year, 12-25");
            else if (everyYear)
                yearlyHolidays.Add((date.Month, date.Day));
            else
                holidayDates.Add(date);
            index++;
        }

        return ok ? new BusinessHours(zone!, rangesByDay, holidayDates, yearlyHolidays) : null;
    }

    private static TimeRange[][] ParseWeek(IReadOnlyDictionary<string, string>? hours, Action<string, string> fail)
    {
        if (hours is null || hours.Count == 0)
            return Enumerable.Repeat(AroundTheClock, 7).ToArray();

        // Unnamed days are closed. Configuration does not keep key order, so overlaps are settled by
        // specificity (Mon beats Mon-Fri beats Daily), and two keys of the same kind for a day are an error.
        var rangesByDay = Enumerable.Repeat(Array.Empty<TimeRange>(), 7).ToArray();
        var setBy = new (string Key, HoursSyntax.Specificity Specificity)?[7];
        foreach (var (key, value) in hours.OrderBy(pair => pair.Key, StringComparer.OrdinalIgnoreCase))
        {
            var field = $"Hours:{key}";
            if (!HoursSyntax.TryParseDays(key, out var days, out var specificity))
            {
                fail(field, $"'{key}' is not a day (Mon…Sun), a range of days like Mon-Fri, or Daily");
                continue;
            }
            if (!HoursSyntax.TryParseRanges(value, out var ranges, out var badPart))
            {
                fail(field, string.IsNullOrWhiteSpace(badPart)
                    ? "is empty; write a time range like 09:00-18:00 or closed"
                    : $"'{badPart}' is not a time range like 09:00-18:00");
                continue;
            }
            var clashes = new List<(DayOfWeek Day, string OtherKey)>();
            foreach (var day in days)
            {
                var previous = setBy[(int)day];
                if (previous is { } same && same.Specificity == specificity)
                    clashes.Add((day, same.Key));
                else if (previous is null || previous.Value.Specificity < specificity)
                {
                    rangesByDay[(int)day] = ranges;
                    setBy[(int)day] = (key, specificity);
                }
            }
            foreach (var clash in clashes.GroupBy(c => c.OtherKey))
                fail(field, $"{string.Join(", ", clash.Select(c => HoursSyntax.DayName(c.Day)))} also set by Hours:{clash.Key}");
        }
        return rangesByDay;
    }

    /// <summary>True when the department is open at <paramref name="at"/>.</summary>
    public bool IsOpen(DateTimeOffset at)
    {
        var local = TimeZoneInfo.ConvertTime(at, TimeZone).DateTime;
        var today = DateOnly.FromDateTime(local);
        var time = local.TimeOfDay;
        if (IsHoliday(today))
            return false;
        foreach (var range in _rangesByDay[(int)today.DayOfWeek])
            if (time >= range.Start && (range.IsOvernight || time < range.End))
                return true;

        // Last night's overnight range, unless last night was a holiday (its shift did not happen).
        var yesterday = today.AddDays(-1);
        if (IsHoliday(yesterday))
            return false;
        foreach (var range in _rangesByDay[(int)yesterday.DayOfWeek])
            if (range.IsOvernight && time < range.End)
                return true;
        return false;
    }

    /// <summary>
    /// <paramref name="at"/> itself when open now, else the next instant the department opens;
    /// null when it never opens (every day closed).
    /// </summary>
    public DateTimeOffset? NextOpening(DateTimeOffset at)
    {
        if (IsOpen(at))
            return at;
        if (_rangesByDay.All(ranges => ranges.Length == 0))
            return null;

        // Every moment the department goes from closed to open is a range start or the autumn
        // clock change (the repeated hour can fall into a range again), so the first such moment
        // after `at` that is open is the answer.
        var day = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, TimeZone).DateTime).AddDays(-1);
        for (var i = 0; i < SearchDays; i++, day = day.AddDays(1))
        {
            if (IsHoliday(day))
                continue;
            foreach (var candidate in OpeningCandidates(day).Where(c => c > at).Order())
                if (IsOpen(candidate))
                    return candidate;
        }
        return null;
    }

    private IEnumerable<DateTimeOffset> OpeningCandidates(DateOnly day)
    {
        foreach (var range in _rangesByDay[(int)day.DayOfWeek])
            yield return FirstInstantAt(day.ToDateTime(TimeOnly.MinValue).Add(range.Start));

        var dayStart = FirstInstantAt(day.ToDateTime(TimeOnly.MinValue));
        var nextDayStart = FirstInstantAt(day.AddDays(1).ToDateTime(TimeOnly.MinValue));
        var offsetAfter = TimeZone.GetUtcOffset(nextDayStart);
        if (TimeZone.GetUtcOffset(dayStart) > offsetAfter)
            yield return FirstInstantWhere(dayStart, nextDayStart, instant => TimeZone.GetUtcOffset(instant) == offsetAfter);
    }

    private bool IsHoliday(DateOnly day) => _holidayDates.Contains(day) || _yearlyHolidays.Contains((day.Month, day.Day));

    /// <summary>The first instant at which the local clock shows <paramref name="local"/> or later.</summary>
    private DateTimeOffset FirstInstantAt(DateTime local)
    {
        if (TimeZone.IsInvalidTime(local))
        {
            // Skipped by the spring clock change: the first instant is the change itself. Offsets lie
            // within ±14 h, so it is within a day either side of the same digits read as UTC.
            var asUtc = new DateTimeOffset(local, TimeSpan.Zero);
            return FirstInstantWhere(asUtc.AddDays(-1), asUtc.AddDays(1),
                instant => TimeZoneInfo.ConvertTime(instant, TimeZone).DateTime >= local);
        }
        // The repeated autumn hour happens twice; the first pass has the larger offset.
        var offset = TimeZone.IsAmbiguousTime(local) ? TimeZone.GetAmbiguousTimeOffsets(local).Max() : TimeZone.GetUtcOffset(local);
        return new DateTimeOffset(local, offset);
    }

    /// <summary>Binary search, to the second, for the first instant in (before, after] where <paramref name="reached"/> holds.</summary>
    private static DateTimeOffset FirstInstantWhere(DateTimeOffset before, DateTimeOffset after, Func<DateTimeOffset, bool> reached)
    {
        while (after - before > TimeSpan.FromSeconds(1))
        {
            var middle = before.AddSeconds(Math.Floor((after - before).TotalSeconds / 2));
            if (reached(middle))
                after = middle;
            else
                before = middle;
        }
        return after;
    }
}

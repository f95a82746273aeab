using System.Globalization;
using System.Text.RegularExpressions;

namespace SupportBot.Handoff.Departments;

/// <summary>
/// One opening range within a local day. <see cref="End"/> is at most 24:00; an end before the
/// start means the range runs overnight into the next day.
/// </summary>
internal readonly record struct TimeRange(TimeSpan Start, TimeSpan End)
{
    public bool IsOvernight => End < Start;
}

/// <summary>The text forms of <see cref="DepartmentOptions.Hours"/> and <see cref="DepartmentOptions.Holidays"/>.</summary>
internal static partial class HoursSyntax
{
    public const string Closed = "closed";
    public const string Daily = "Daily";

    private static readonly string[] DayNames = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

    [GeneratedRegex(@"^([0-9]{1,2}):([0-9]{2})\s*-\s*([0-9]{1,2}):([0-9]{2})$")]
    private static partial Regex RangePattern();

    public static string DayName(DayOfWeek day) => DayNames[(int)day];

    /// <summary>How specific a key is: a single day overrides a range, which overrides <c>Daily</c>.</summary>
    public enum Specificity { Daily, DayRange, SingleDay }

    /// <summary>Reads an Hours key: <c>Mon</c>, <c>Mon-Fri</c> (wrapping such as <c>Fri-Mon</c> is allowed) or <c>Daily</c>.</summary>
    public static bool TryParseDays(string key, out DayOfWeek[] days, out Specificity specificity)
    {
        key = key.Trim();
        days = [];
        specificity = Specificity.Daily;
        if (key.Equals(Daily, StringComparison.OrdinalIgnoreCase))
        {
            days = Enum.GetValues<DayOfWeek>();
            return true;
        }
        var parts = key.Split('-', StringSplitOptions.TrimEntries);
        if (parts.Length is < 1 or > 2 || !TryParseDay(parts[0], out var first))
            return false;
        if (parts.Length == 1)
        {
            days = [first];
            specificity = Specificity.SingleDay;
            return true;
        }
        if (!TryParseDay(parts[1], out var last) || last == first)
            return false;
        var count = ((int)last - (int)first + 7) % 7 + 1;
        days = Enumerable.Range(0, count).Select(i => (DayOfWeek)(((int)first + i) % 7)).ToArray();
        specificity = Specificity.DayRange;
        return true;
    }

    private static bool TryParseDay(string text, out DayOfWeek day)
    {
        var index = Array.FindIndex(DayNames, name => name.Equals(text, StringComparison.OrdinalIgnoreCase));
        day = (DayOfWeek)Math.Max(index, 0);
        return index >= 0;
    }

    /// <summary>
    /// Reads an Hours value: <c>closed</c> or comma-separated ranges like <c>09:00-13:00, 14:00-18:00</c>.
    /// On failure <paramref name="badPart"/> is the piece that is wrong.
    /// </summary>
    public static bool TryParseRanges(string? value, out TimeRange[] ranges, out string badPart)
    {
        ranges = [];
        badPart = value ?? "";
        if (string.IsNullOrWhiteSpace(value))
            return false;
        if (value.Trim().Equals(Closed, StringComparison.OrdinalIgnoreCase))
            return true;

        var parsed = new List<TimeRange>();
        foreach (var part in value.Split(',', StringSplitOptions.TrimEntries))
        {
            badPart = part;
            var match = RangePattern().Match(part);
            if (!match.Success
                || !TryTime(match.Groups[1].Value, match.Groups[2].Value, allowMidnightEnd: false, out var start)
                || !TryTime(match.Groups[3].Value, match.Groups[4].Value, allowMidnightEnd: true, out var end)
                || start == end)
                return false;
            parsed.Add(new TimeRange(start, end));
        }
        ranges = [.. parsed.OrderBy(r => r.Start)];
        return true;
    }

    private static bool TryTime(string hours, string minutes, bool allowMidnightEnd, out TimeSpan time)
    {
        var h = int.Parse(hours, CultureInfo.InvariantCulture);
        var m = int.Parse(minutes, CultureInfo.InvariantCulture);
        time = new TimeSpan(h, m, 0);
        return (h < 24 && m < 60) || (allowMidnightEnd && h == 24 && m == 0);
    }

    /// <summary>Reads a holiday: <c>2026-12-25</c> (that date) or <c>12-25</c> (every year; <c>02-29</c> in leap years only).</summary>
    public static bool TryParseHoliday(string? text, out DateOnly date, out bool everyYear)
    {
        text = text?.Trim() ?? "";
        everyYear = false;
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date))
            return true;
        // A leap year, so that 02-29 is accepted; only month and day are used.
        everyYear = DateOnly.TryParseExact("2000-" + text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date);
        return everyYear;
    }
}

using System.Globalization;
using System.Text.RegularExpressions;

namespace SupportBot.Dialogs.Prompts.Recognizers;

/// <summary>A date, and a time of day when one was given.</summary>
public readonly record struct DateTimeValue(DateOnly Date, TimeOnly? Time)
{
    /// <summary>The moment in <paramref name="timeZone"/> (midnight when no time was given).</summary>
    public DateTimeOffset ToDateTimeOffset(TimeZoneInfo timeZone)
    {
        var local = Date.ToDateTime(Time ?? TimeOnly.MinValue, DateTimeKind.Unspecified);
        return new DateTimeOffset(local, timeZone.GetUtcOffset(local));
    }

    public override string ToString() => Time is { } time
        ? Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + " " + time.ToString("HH:mm", CultureInfo.InvariantCulture)
        : Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}

/// <summary>
/// Dates and times in en, ru and de, relative to "today" in the customer's time zone: today/tomorrow/
/// the day after/yesterday, weekdays ("Monday", "next Monday", "в понедельник", "nächsten Montag": the
/// next such day after today), "in 3 days"/"через 3 дня"/"in 3 Tagen", "1 December"/"the 1st of December"/
/// "1 декабря"/"1. Dezember",
/// ISO 2026-12-24 (with THH:mm), 24.12.2026, 24.12., 12/24/2026 (en) or 24/12/2026 (ru, de); times
/// "14:30", "3 pm", "um 15 Uhr", "в 10", "noon"; a bare "at 5" is 17:00 (see <see cref="LaterInTheDay(TimeOnly, string, string, int, bool)"/>).
/// </summary>
public static partial class DateTimeRecognizer
{
    private static readonly Dictionary<string, DayOfWeek> Weekdays = new(StringComparer.Ordinal)
    {
        ["monday"] = DayOfWeek.Monday, ["mon"] = DayOfWeek.Monday, ["tuesday"] = DayOfWeek.Tuesday, ["tue"] = DayOfWeek.Tuesday, ["wednesday"] = DayOfWeek.Wednesday, ["wed"] = DayOfWeek.Wednesday,
        ["thursday"] = DayOfWeek.Thursday, ["thu"] = DayOfWeek.Thursday, ["friday"] = DayOfWeek.Friday, ["fri"] = DayOfWeek.Friday, ["saturday"] = DayOfWeek.Saturday, ["sat"] = DayOfWeek.Saturday,
        ["sunday"] = DayOfWeek.Sunday, ["sun"] = DayOfWeek.Sunday,
        ["понедельник"] = DayOfWeek.Monday, ["пн"] = DayOfWeek.Monday, ["вторник"] = DayOfWeek.Tuesday, ["вт"] = DayOfWeek.Tuesday, ["среда"] = DayOfWeek.Wednesday, ["среду"] = DayOfWeek.Wednesday,
        ["ср"] = DayOfWeek.Wednesday, ["четверг"] = DayOfWeek.Thursday, ["чт"] = DayOfWeek.Thursday, ["пятница"] = DayOfWeek.Friday, ["пятницу"] = DayOfWeek.Friday, ["пт"] = DayOfWeek.Friday,
        ["суббота"] = DayOfWeek.Saturday, ["субботу"] = DayOfWeek.Saturday, ["сб"] = DayOfWeek.Saturday, ["воскресенье"] = DayOfWeek.Sunday, ["вс"] = DayOfWeek.Sunday,
        ["montag"] = DayOfWeek.Monday, ["dienstag"] = DayOfWeek.Tuesday, ["mittwoch"] = DayOfWeek.Wednesday, ["donnerstag"] = DayOfWeek.Thursday, ["freitag"] = DayOfWeek.Friday,
        ["samstag"] = DayOfWeek.Saturday, ["sonnabend"] = DayOfWeek.Saturday, ["sonntag"] = DayOfWeek.Sunday,
    };

    private static readonly Dictionary<string, int> RelativeDays = new(StringComparer.Ordinal)
    {
        ["today"] = 0, ["tonight"] = 0, ["tomorrow"] = 1, ["yesterday"] = -1,
        ["сегодня"] = 0, ["завтра"] = 1, ["послезавтра"] = 2, ["вчера"] = -1, ["позавчера"] = -2,
        ["heute"] = 0, ["morgen"] = 1, ["übermorgen"] = 2, ["gestern"] = -1, ["vorgestern"] = -2,
    };

    private static readonly Dictionary<string, int> Months = new(StringComparer.Ordinal)
    {
        ["january"] = 1, ["jan"] = 1, ["february"] = 2, ["feb"] = 2, ["march"] = 3, ["mar"] = 3, ["april"] = 4, ["apr"] = 4, ["may"] = 5, ["june"] = 6, ["jun"] = 6,
        ["july"] = 7, ["jul"] = 7, ["august"] = 8, ["aug"] = 8, ["september"] = 9, ["sep"] = 9, ["sept"] = 9, ["october"] = 10, ["oct"] = 10, ["november"] = 11, ["nov"] = 11,
        ["december"] = 12, ["dec"] = 12,
        ["январь"] = 1, ["января"] = 1, ["февраль"] = 2, ["февраля"] = 2, ["март"] = 3, ["марта"] = 3, ["апрель"] = 4, ["апреля"] = 4, ["май"] = 5, ["мая"] = 5,
        ["июнь"] = 6, ["июня"] = 6, ["июль"] = 7, ["июля"] = 7, ["август"] = 8, ["августа"] = 8, ["сентябрь"] = 9, ["сентября"] = 9, ["октябрь"] = 10, ["октября"] = 10,
        ["ноябрь"] = 11, ["ноября"] = 11, ["декабрь"] = 12, ["декабря"] = 12,
        ["januar"] = 1, ["jänner"] = 1, ["februar"] = 2, ["märz"] = 3, ["mai"] = 5, ["juni"] = 6, ["juli"] = 7, ["oktober"] = 10, ["dezember"] = 12,
    };

    [GeneratedRegex(@"(?<![\d:])(\d{1,2}):(\d{2})(?:\s*(am|pm|a\.m\.|p\.m\.))?(?:\s*uhr)?", RegexOptions.CultureInvariant)]
    private static partial Regex ClockTime();

    /// <summary>"um 14.30 Uhr", "в 9.15", "3.30pm": a dotted time needs "at" before it or a unit after it, else it is a date (24.12).</summary>
    [GeneratedRegex(@"(?:^|\s)(?:at|um|gegen|в|во|к)\s+(?<h>\d{1,2})\.(?<m>\d{2})(?!\d|\.\d)(?:\s*(?<s>am|pm|a\.m\.|p\.m\.))?(?:\s*uhr)?|(?<![\d.])(?<h>\d{1,2})\.(?<m>\d{2})\s*(?<s>am|pm|a\.m\.|p\.m\.|uhr)(?![\p{L}])", RegexOptions.CultureInvariant)]
    private static partial Regex DottedTime();

    /// <summary>Words that put an hour from 1 to 11 in the afternoon or evening ("в 7 вечера", "um 8 Uhr abends", "tonight at 8").</summary>
    [GeneratedRegex(@"(?<!\p{L})(?:вечера|вечером|abends|nachmittags|(?:am|heute|morgen)\s+(?:abend|nachmittag)|(?<!good\s)evening|afternoon|tonight)(?!\p{L})", RegexOptions.CultureInvariant)]
    private static partial Regex LaterInTheDay();

    /// <summary>Words that keep an hour in the morning ("в 5 утра", "at 6 in the morning", "um 6 Uhr früh").</summary>
    [GeneratedRegex(@"(?<!\p{L})(?:утра|утром|morning|morgens|früh|vormittags|(?:am|heute|morgen)\s+(?:morgen|vormittag))(?!\p{L})", RegexOptions.CultureInvariant)]
    private static partial Regex EarlyInTheDay();

    /// <summary>Russian day parts right after the hour: "в 3 дня" is 15:00, "в 11 ночи" 23:00.</summary>
    [GeneratedRegex(@"^\s*(?:(?:час(?:а|ов)?|ч)\s+)?(дня|ночи)(?!\p{L})", RegexOptions.CultureInvariant)]
    private static partial Regex RussianDayPart();

    /// <summary>"через 2 часа" is a duration, not two o'clock.</summary>
    [GeneratedRegex(@"(?:^|\s)через\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex InHours();

    [GeneratedRegex(@"(?<![\d.:/-])(\d{1,2})\s*(am|pm|a\.m\.|p\.m\.|uhr|ч|часов|часа|час)(?![\p{L}])", RegexOptions.CultureInvariant)]
    private static partial Regex HourWithUnit();

    [GeneratedRegex(@"(?:^|\s)(?:at|um|в|во)\s+(\d{1,2})(?![\d.:/\p{L}])", RegexOptions.CultureInvariant)]
    private static partial Regex AtHour();

    [GeneratedRegex(@"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)", RegexOptions.CultureInvariant)]
    private static partial Regex IsoDate();

    [GeneratedRegex(@"(?<![\d.])(\d{1,2})\.(\d{1,2})(?:\.(\d{4}|\d{2})?)?(?![\d])", RegexOptions.CultureInvariant)]
    private static partial Regex DottedDate();

    [GeneratedRegex(@"(?<![\d/])(\d{1,2})/(\d{1,2})(?:/(\d{4}|\d{2}))?(?![\d/])", RegexOptions.CultureInvariant)]
    private static partial Regex SlashDate();

    [GeneratedRegex(@"(?:in|через)\s+(\d{1,3}|a|an|one|einem|einer|один|одну|одна)?\s*(days?|дн(?:я|ей|ь)|день|tagen?|weeks?|недел(?:ю|и|ь)|wochen?)(?![\p{L}])", RegexOptions.CultureInvariant)]
    private static partial Regex InDays();

    [GeneratedRegex(@"(?<!\d)(\d{1,2})(?:st|nd|rd|th)?\.?\s+(?:of\s+)?(\p{L}+)(?:,?\s+(\d{4}))?|(\p{L}+)\s+(\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(\d{4}))?(?!\d)", RegexOptions.CultureInvariant)]
    private static partial Regex DayMonth();

    public static DateTimeValue? Recognize(string text, DateOnly today, string language)
    {
        var lower = text.Trim().ToLowerInvariant().Replace('ё', 'е');
        lower = IsoT().Replace(lower, "$1 $2");
        TimeOnly? time = null;
        var match = ClockTime().Match(lower);
        Match dotted;
        if (match.Success)
        {
            time = MakeTime(int.Parse(match.Groups[1].ValueSpan, CultureInfo.InvariantCulture), int.Parse(match.Groups[2].ValueSpan, CultureInfo.InvariantCulture), match.Groups[3].Value);
            if (time is null)
            {
                return null;
            }

            time = LaterInTheDay(time.Value, match.Groups[3].Value, lower, match.Index + match.Length);
            lower = lower.Remove(match.Index, match.Length);
        }
        else if ((dotted = DottedTime().Match(lower)).Success
            && MakeTime(int.Parse(dotted.Groups["h"].ValueSpan, CultureInfo.InvariantCulture), int.Parse(dotted.Groups["m"].ValueSpan, CultureInfo.InvariantCulture), dotted.Groups["s"].Value) is { } dottedTime)
        {
            time = LaterInTheDay(dottedTime, dotted.Groups["s"].Value, lower, dotted.Index + dotted.Length);
            lower = lower.Remove(dotted.Index, dotted.Length);
        }
        else if ((match = HourWithUnit().Match(lower)).Success || (match = AtHour().Match(lower)).Success)
        {
            var suffix = match.Groups.Count > 2 ? match.Groups[2].Value : "";
            if (suffix.StartsWith('ч') && InHours().IsMatch(lower.AsSpan(0, match.Index)))
            {
                return null;
            }

            time = MakeTime(int.Parse(match.Groups[1].ValueSpan, CultureInfo.InvariantCulture), 0, suffix);
            if (time is null)
            {
                return null;
            }

            time = LaterInTheDay(time.Value, suffix, lower, match.Index + match.Length, bareHour: true);
            lower = lower.Remove(match.Index, match.Length);
        }
        else if (ContainsWord(lower, "noon") || ContainsWord(lower, "midday") || ContainsWord(lower, "полдень") || ContainsWord(lower, "mittag"))
        {
            time = new TimeOnly(12, 0);
        }

        var date = RecognizeDate(lower, today, language, out var failed);
        if (failed)
        {
            return null;
        }

        if (date is null)
        {
            return time is null ? null : new DateTimeValue(today, time);
        }

        return new DateTimeValue(date.Value, time);
    }

    [GeneratedRegex(@"(\d)t(\d)", RegexOptions.CultureInvariant)]
    private static partial Regex IsoT();

    private static DateOnly? RecognizeDate(string lower, DateOnly today, string language, out bool failed)
    {
        failed = false;
        var match = IsoDate().Match(lower);
        if (match.Success)
        {
            return MakeDate(Int(match.Groups[1]), Int(match.Groups[2]), Int(match.Groups[3]), ref failed);
        }

        match = DottedDate().Match(lower);
        if (match.Success)
        {
            var (day, month) = (Int(match.Groups[1]), Int(match.Groups[2]));
            return match.Groups[3].Success
                ? MakeDate(Year(Int(match.Groups[3])), month, day, ref failed)
                : Upcoming(today, month, day, ref failed);
        }

        match = SlashDate().Match(lower);
        if (match.Success)
        {
            var (first, second) = (Int(match.Groups[1]), Int(match.Groups[2]));
            var (month, day) = language == "en" ? (first, second) : (second, first);
            return match.Groups[3].Success
                ? MakeDate(Year(Int(match.Groups[3])), month, day, ref failed)
                : Upcoming(today, month, day, ref failed);
        }

        match = InDays().Match(lower);
        if (match.Success)
        {
            var amount = match.Groups[1].Success && int.TryParse(match.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 1;
            var unit = match.Groups[2].Value;
            var week = unit.StartsWith("week", StringComparison.Ordinal) || unit.StartsWith("недел", StringComparison.Ordinal) || unit.StartsWith("woche", StringComparison.Ordinal);
            return today.AddDays(week ? amount * 7 : amount);
        }

        // Overlapping tries: in "the 1st of December" the words-first form takes "the 1" before the day-first form is tried.
        for (var candidate = DayMonth().Match(lower); candidate.Success; candidate = DayMonth().Match(lower, candidate.Index + 1))
        {
            if (candidate.Groups[1].Success && Months.TryGetValue(candidate.Groups[2].Value, out var month))
            {
                var day = Int(candidate.Groups[1]);
                return candidate.Groups[3].Success ? MakeDate(Int(candidate.Groups[3]), month, day, ref failed) : Upcoming(today, month, day, ref failed);
            }

            if (candidate.Groups[4].Success && Months.TryGetValue(candidate.Groups[4].Value, out month))
            {
                var day = Int(candidate.Groups[5]);
                return candidate.Groups[6].Success ? MakeDate(Int(candidate.Groups[6]), month, day, ref failed) : Upcoming(today, month, day, ref failed);
            }
        }

        var words = TextNormalizer.Normalize(lower);
        if (words.Contains("day after tomorrow", StringComparison.Ordinal))
        {
            return today.AddDays(2);
        }

        if (words.Contains("day before yesterday", StringComparison.Ordinal))
        {
            return today.AddDays(-2);
        }

        foreach (var range in words.AsSpan().Split(' '))
        {
            var word = words[range];
            if (RelativeDays.TryGetValue(word, out var offset))
            {
                return today.AddDays(offset);
            }

            if (Weekdays.TryGetValue(word, out var weekday))
            {
                var ahead = ((int)weekday - (int)today.DayOfWeek + 7) % 7;
                return today.AddDays(ahead == 0 ? 7 : ahead);
            }
        }

        return null;
    }

    private static int Int(Group group) => int.Parse(group.ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture);

    private static int Year(int year) => year < 100 ? 2000 + year : year;

    private static DateOnly? MakeDate(int year, int month, int day, ref bool failed)
    {
        if (month is < 1 or > 12 || day < 1 || year < 1 || day > DateTime.DaysInMonth(year, month))
        {
            failed = true;
            return null;
        }

        return new DateOnly(year, month, day);
    }

    /// <summary>The day and month this year, or next year when it has passed.</summary>
    private static DateOnly? Upcoming(DateOnly today, int month, int day, ref bool failed)
    {
        var date = MakeDate(today.Year, month, day, ref failed);
        if (date is null && month == 2 && day == 29)
        {
            failed = false;
            for (var year = today.Year + 1; year < today.Year + 5; year++)
            {
                if (DateTime.IsLeapYear(year))
                {
                    return new DateOnly(year, 2, 29);
                }
            }
        }

        return date < today ? date.Value.AddYears(1) : date;
    }

    /// <summary>
    /// An hour without am/pm said with an evening word ("в 7 вечера", "um 8 Uhr abends") or a Russian day part after it.
    /// A bare hour from 1 to 6 ("at 5", "в 5", "um 3 Uhr") is in the afternoon unless a morning word says otherwise:
    /// a customer asking for a call back "at 5" does not mean five in the morning.
    /// </summary>
    private static TimeOnly LaterInTheDay(TimeOnly time, string suffix, string text, int end, bool bareHour = false)
    {
        if (suffix.StartsWith('a') || suffix.StartsWith('p'))
        {
            return time;
        }

        var dayPart = RussianDayPart().Match(text, end, text.Length - end);
        if (dayPart.Success)
        {
            return dayPart.Groups[1].Value == "ночи"
                ? time.Hour == 12 ? new TimeOnly(0, time.Minute) : time.Hour >= 9 ? time.AddHours(12) : time
                : time.Hour is >= 1 and <= 11 ? time.AddHours(12) : time;
        }

        if (time.Hour is >= 1 and <= 11 && LaterInTheDay().IsMatch(text))
        {
            return time.AddHours(12);
        }

        return bareHour && time.Hour is >= 1 and <= 6 && !EarlyInTheDay().IsMatch(text) ? time.AddHours(12) : time;
    }

    private static TimeOnly? MakeTime(int hour, int minute, string suffix)
    {
        if (suffix.StartsWith('p') && hour < 12)
        {
            hour += 12;
        }
        else if (suffix.StartsWith('a') && hour == 12)
        {
            hour = 0;
        }

        return hour is >= 0 and <= 23 && minute is >= 0 and <= 59 ? new TimeOnly(hour, minute) : null;
    }

    private static bool ContainsWord(string text, string word)
    {
        var index = text.IndexOf(word, StringComparison.Ordinal);
        return index >= 0 && (index == 0 || !char.IsLetter(text[index - 1])) && (index + word.Length == text.Length || !char.IsLetter(text[index + word.Length]));
    }
}

using System.Globalization;
using SupportBot.Handoff.Departments;

namespace SupportBot.Handoff.Tests.Departments;

public sealed class BusinessHoursTests
{
    // Berlin: CET (UTC+1) in winter, CEST (UTC+2) from 2026-03-29 01:00Z to 2026-10-25 01:00Z.
    private static readonly BusinessHours Berlin = BusinessHours.Parse(
        "Europe/Berlin",
        new Dictionary<string, string> { ["Mon-Fri"] = "09:00-18:00", ["Sat"] = "10:00-14:00" },
        ["12-25", "12-26", "2026-12-24"]);

    private static DateTimeOffset Utc(string text) =>
        DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    private static BusinessHours Hours(string timeZone, params (string Key, string Value)[] hours) =>
        BusinessHours.Parse(timeZone, hours.ToDictionary(h => h.Key, h => h.Value));

    [Theory]
    // A winter Monday: 09:00-18:00 CET is 08:00Z-17:00Z.
    [InlineData("2026-03-23T07:59:00Z", false)]
    [InlineData("2026-03-23T08:00:00Z", true)]
    [InlineData("2026-03-23T16:59:00Z", true)]
    [InlineData("2026-03-23T17:00:00Z", false)]
    // Saturday 10:00-14:00 CET.
    [InlineData("2026-03-28T08:59:00Z", false)]
    [InlineData("2026-03-28T09:00:00Z", true)]
    [InlineData("2026-03-28T12:59:00Z", true)]
    [InlineData("2026-03-28T13:00:00Z", false)]
    // Sunday of the spring change: not listed, so closed all day.
    [InlineData("2026-03-29T09:00:00Z", false)]
    // The Monday after: 09:00-18:00 CEST is 07:00Z-16:00Z.
    [InlineData("2026-03-30T06:59:00Z", false)]
    [InlineData("2026-03-30T07:00:00Z", true)]
    [InlineData("2026-03-30T15:59:00Z", true)]
    [InlineData("2026-03-30T16:00:00Z", false)]
    // Friday and Saturday before the autumn change, still CEST.
    [InlineData("2026-10-23T07:00:00Z", true)]
    [InlineData("2026-10-23T16:00:00Z", false)]
    [InlineData("2026-10-24T08:00:00Z", true)]
    [InlineData("2026-10-24T12:00:00Z", false)]
    // The Monday after: CET again, so 07:00Z is 08:00 local.
    [InlineData("2026-10-26T07:00:00Z", false)]
    [InlineData("2026-10-26T08:00:00Z", true)]
    [InlineData("2026-10-26T16:59:00Z", true)]
    [InlineData("2026-10-26T17:00:00Z", false)]
    public void Berlin_OpenOnTheLocalClockAcrossDaylightSaving(string instant, bool open) =>
        Assert.Equal(open, Berlin.IsOpen(Utc(instant)));

    [Theory]
    [InlineData("2026-12-24T09:00:00Z", false)] // Thursday, the one-off date
    [InlineData("2025-12-24T09:00:00Z", true)]  // Wednesday a year earlier: the one-off date is only 2026
    [InlineData("2026-12-25T09:00:00Z", false)] // Friday, yearly
    [InlineData("2027-12-25T10:00:00Z", false)] // Saturday in the Sat hours, yearly
    [InlineData("2026-12-26T10:00:00Z", false)] // Saturday, yearly
    [InlineData("2026-12-28T08:00:00Z", true)]  // Monday after
    public void Berlin_HolidaysCloseTheWholeLocalDay(string instant, bool open) =>
        Assert.Equal(open, Berlin.IsOpen(Utc(instant)));

    [Theory]
    // Open now: the same instant.
    [InlineData("2026-03-23T10:00:00Z", "2026-03-23T10:00:00Z")]
    // Monday before opening: 09:00 CET the same day.
    [InlineData("2026-03-23T05:00:00Z", "2026-03-23T08:00:00Z")]
    // Friday evening: Saturday 10:00 CET.
    [InlineData("2026-03-27T18:30:00Z", "2026-03-28T09:00:00Z")]
    // Saturday afternoon before the spring change: Monday 09:00 CEST.
    [InlineData("2026-03-28T14:00:00Z", "2026-03-30T07:00:00Z")]
    // Saturday afternoon before the autumn change: Monday 09:00 CET.
    [InlineData("2026-10-24T13:00:00Z", "2026-10-26T08:00:00Z")]
    // Wednesday evening before Christmas: 24th, 25th, 26th are holidays, the 27th a Sunday.
    [InlineData("2026-12-23T17:00:00Z", "2026-12-28T08:00:00Z")]
    public void Berlin_NextOpening(string instant, string expected) =>
        Assert.Equal(Utc(expected), Berlin.NextOpening(Utc(instant)));

    [Fact]
    public void NextOpening_FridayEvening_IsMondayNineLocal_InUtc()
    {
        var weekdays = Hours("Europe/Berlin", ("Mon-Fri", "09:00-18:00"));

        var next = weekdays.NextOpening(Utc("2026-10-23T17:00:00Z")); // Friday 19:00 CEST

        Assert.Equal(Utc("2026-10-26T08:00:00Z"), next); // Monday 09:00 CET, after the clocks went back
        Assert.Equal(new DateTime(2026, 10, 26, 9, 0, 0), TimeZoneInfo.ConvertTime(next!.Value, weekdays.TimeZone).DateTime);
    }

    [Fact]
    public void RangeStartingInTheSkippedHour_OpensWhenTheClocksJump()
    {
        var hours = Hours("Europe/Berlin", ("Sun", "02:30-04:00"));

        Assert.False(hours.IsOpen(Utc("2026-03-29T00:59:00Z"))); // 01:59 CET
        Assert.True(hours.IsOpen(Utc("2026-03-29T01:00:00Z")));  // 03:00 CEST
        Assert.False(hours.IsOpen(Utc("2026-03-29T02:00:00Z"))); // 04:00 CEST
        Assert.Equal(Utc("2026-03-29T01:00:00Z"), hours.NextOpening(Utc("2026-03-29T00:00:00Z")));
    }

    [Fact]
    public void RangeAcrossTheSpringChange_IsAnHourShorter()
    {
        var hours = Hours("Europe/Berlin", ("Sun", "01:00-05:00"));

        Assert.False(hours.IsOpen(Utc("2026-03-28T23:59:00Z"))); // 00:59 CET
        Assert.True(hours.IsOpen(Utc("2026-03-29T00:00:00Z")));  // 01:00 CET
        Assert.True(hours.IsOpen(Utc("2026-03-29T02:59:00Z")));  // 04:59 CEST
        Assert.False(hours.IsOpen(Utc("2026-03-29T03:00:00Z"))); // 05:00 CEST
    }

    [Fact]
    public void RangeInTheRepeatedAutumnHour_OpensOnBothPasses()
    {
        // On 2026-10-25 the clocks go from 03:00 CEST back to 02:00 CET at 01:00Z.
        var hours = Hours("Europe/Berlin", ("Sun", "02:00-02:30"));

        Assert.True(hours.IsOpen(Utc("2026-10-25T00:15:00Z")));  // 02:15 CEST
        Assert.False(hours.IsOpen(Utc("2026-10-25T00:45:00Z"))); // 02:45 CEST
        Assert.True(hours.IsOpen(Utc("2026-10-25T01:15:00Z")));  // 02:15 CET
        Assert.False(hours.IsOpen(Utc("2026-10-25T01:30:00Z"))); // 02:30 CET
        Assert.Equal(Utc("2026-10-25T00:00:00Z"), hours.NextOpening(Utc("2026-10-24T22:00:00Z")));
        Assert.Equal(Utc("2026-10-25T01:00:00Z"), hours.NextOpening(Utc("2026-10-25T00:45:00Z")));
    }

    [Theory]
    [InlineData("2026-06-04T23:00:00Z", false)] // Thursday 23:00: only Friday night is open
    [InlineData("2026-06-05T21:59:00Z", false)]
    [InlineData("2026-06-05T22:00:00Z", true)]  // Friday 22:00
    [InlineData("2026-06-06T01:59:00Z", true)]  // Saturday 01:59, still Friday's range
    [InlineData("2026-06-06T02:00:00Z", false)]
    [InlineData("2026-06-06T12:00:00Z", false)] // Saturday itself is closed
    public void OvernightRange_RunsIntoTheNextDay(string instant, bool open) =>
        Assert.Equal(open, Hours("UTC", ("Fri", "22:00-02:00"), ("Sat", "closed")).IsOpen(Utc(instant)));

    [Theory]
    [InlineData("2026-06-05")] // the night's own day is a holiday: the shift does not happen
    [InlineData("06-06")]      // the morning's day is a holiday: closed all that day
    public void OvernightRange_ClosedWhenEitherDayIsAHoliday(string holiday)
    {
        var hours = BusinessHours.Parse("UTC", new Dictionary<string, string> { ["Fri"] = "22:00-02:00" }, [holiday]);

        Assert.False(hours.IsOpen(Utc("2026-06-06T01:00:00Z")));
        Assert.True(hours.IsOpen(Utc("2026-06-12T23:00:00Z"))); // the next Friday night is unaffected
    }

    [Fact]
    public void OvernightRange_NextOpeningIsTheEveningStart()
    {
        var nightly = Hours("UTC", ("Daily", "22:00-02:00"));

        Assert.True(nightly.IsOpen(Utc("2026-06-06T01:00:00Z")));
        Assert.Equal(Utc("2026-06-06T22:00:00Z"), nightly.NextOpening(Utc("2026-06-06T03:00:00Z")));
    }

    [Theory]
    [InlineData("2026-06-05T12:59:00Z", true)]
    [InlineData("2026-06-05T13:00:00Z", false)]
    [InlineData("2026-06-05T13:30:00Z", false)]
    [InlineData("2026-06-05T14:00:00Z", true)]
    [InlineData("2026-06-05T17:59:00Z", true)]
    [InlineData("2026-06-05T18:00:00Z", false)]
    public void LunchBreak_ClosesBetweenRanges(string instant, bool open) =>
        Assert.Equal(open, Hours("UTC", ("Mon-Fri", "09:00-13:00, 14:00-18:00")).IsOpen(Utc(instant)));

    [Fact]
    public void LunchBreak_NextOpeningIsAfterLunch() =>
        Assert.Equal(Utc("2026-06-05T14:00:00Z"), Hours("UTC", ("Mon-Fri", "09:00-13:00,14:00-18:00")).NextOpening(Utc("2026-06-05T13:30:00Z")));

    [Theory]
    [InlineData("2026-06-02T11:00:00Z", true)]  // Tuesday: Daily 10-16
    [InlineData("2026-06-03T11:00:00Z", false)] // Wednesday: its own key, 12-16
    [InlineData("2026-06-03T12:00:00Z", true)]
    [InlineData("2026-06-06T11:00:00Z", false)] // Saturday: Sat-Sun closed beats Daily
    [InlineData("2026-06-07T11:00:00Z", false)] // Sunday
    public void MoreSpecificDayKeysOverrideBroaderOnes(string instant, bool open) =>
        Assert.Equal(open, Hours("UTC", ("Daily", "10:00-16:00"), ("Sat-Sun", "closed"), ("Wed", "12:00-16:00")).IsOpen(Utc(instant)));

    [Fact]
    public void WrappingDayRange_CoversTheWeekend()
    {
        var hours = Hours("UTC", ("Fri-Mon", "10:00-12:00"));

        Assert.True(hours.IsOpen(Utc("2026-06-07T11:00:00Z")));  // Sunday
        Assert.True(hours.IsOpen(Utc("2026-06-08T11:00:00Z")));  // Monday
        Assert.False(hours.IsOpen(Utc("2026-06-09T11:00:00Z"))); // Tuesday
    }

    [Theory]
    [InlineData("2026-03-29T01:30:00Z")]
    [InlineData("2026-12-25T00:00:00Z")]
    [InlineData("0001-01-01T00:00:00Z")]
    public void AlwaysOpen_IsOpenAndOpensNow(string instant)
    {
        Assert.True(BusinessHours.AlwaysOpen.IsOpen(Utc(instant)));
        Assert.Equal(Utc(instant), BusinessHours.AlwaysOpen.NextOpening(Utc(instant)));
    }

    [Fact]
    public void NoHours_IsOpenAroundTheClockExceptHolidays()
    {
        var hours = BusinessHours.Parse("Europe/Berlin", new Dictionary<string, string>(), ["01-01"]);

        Assert.True(hours.IsOpen(Utc("2026-06-07T02:00:00Z")));
        Assert.False(hours.IsOpen(Utc("2026-12-31T23:30:00Z"))); // 00:30 CET on 1 January: the local day counts
        Assert.True(hours.IsOpen(Utc("2027-01-01T23:30:00Z")));  // still the 1st in UTC, already the 2nd in Berlin
        Assert.False(hours.IsOpen(Utc("2027-01-01T12:00:00Z")));
        Assert.Equal(Utc("2027-01-01T23:00:00Z"), hours.NextOpening(Utc("2027-01-01T12:00:00Z"))); // 00:00 CET on the 2nd
    }

    [Fact]
    public void EveryDayClosed_NeverOpens()
    {
        var hours = Hours("UTC", ("Daily", "closed"));

        Assert.False(hours.IsOpen(Utc("2026-06-05T12:00:00Z")));
        Assert.Null(hours.NextOpening(Utc("2026-06-05T12:00:00Z")));
    }

    [Fact]
    public void OneOffHolidayOnTheOnlyOpenDay_SkipsToTheNextWeek()
    {
        var hours = BusinessHours.Parse("UTC", new Dictionary<string, string> { ["Wed"] = "09:00-10:00" }, ["2026-06-03"]);

        Assert.Equal(Utc("2026-06-10T09:00:00Z"), hours.NextOpening(Utc("2026-06-01T00:00:00Z")));
    }

    [Fact]
    public void From_UsesTheDepartmentsZoneHoursAndHolidays()
    {
        var hours = BusinessHours.From(new DepartmentOptions
        {
            Name = "kundendienst",
            TimeZone = "Europe/Berlin",
            Hours = new() { ["Mon-Fri"] = "09:00-18:00" },
            Holidays = ["2026-06-05"],
        });

        Assert.Equal("Europe/Berlin", hours.TimeZone.Id);
        Assert.True(hours.IsOpen(Utc("2026-06-04T07:00:00Z")));  // Thursday 09:00 CEST
        Assert.False(hours.IsOpen(Utc("2026-06-05T10:00:00Z"))); // Friday, a holiday
    }

    [Theory]
    [InlineData("Mon", "25:00-18:00", "Hours:Mon: '25:00-18:00' is not a time range like 09:00-18:00")]
    [InlineData("Mon", "09:00-13:00, 14:00-", "Hours:Mon: '14:00-' is not a time range like 09:00-18:00")]
    [InlineData("Mon", "09:00-09:00", "Hours:Mon: '09:00-09:00' is not a time range like 09:00-18:00")]
    [InlineData("Mon", "24:00-02:00", "Hours:Mon: '24:00-02:00' is not a time range like 09:00-18:00")]
    [InlineData("Mon", "", "Hours:Mon: is empty; write a time range like 09:00-18:00 or closed")]
    [InlineData("Mon-Fry", "09:00-18:00", "Hours:Mon-Fry: 'Mon-Fry' is not a day (Mon…Sun), a range of days like Mon-Fri, or Daily")]
    public void Parse_BadHours_ThrowsNamingTheField(string key, string value, string message)
    {
        var error = Assert.Throws<FormatException>(() => Hours("UTC", (key, value)));
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void Parse_UnknownTimeZone_Throws() =>
        Assert.Equal("TimeZone: unknown time zone 'Mars/Base'", Assert.Throws<FormatException>(() => Hours("Mars/Base")).Message);

    [Fact]
    public void Parse_AcceptsEndOfDayMidnightAndNoSpaces()
    {
        var hours = Hours("UTC", ("Sun", "18:00-24:00"), ("Mon", "00:00-01:00,23:00-24:00"));

        Assert.True(hours.IsOpen(Utc("2026-06-07T23:59:00Z")));
        Assert.True(hours.IsOpen(Utc("2026-06-08T00:30:00Z")));
        Assert.False(hours.IsOpen(Utc("2026-06-08T01:00:00Z")));
        Assert.Equal(Utc("2026-06-08T23:00:00Z"), hours.NextOpening(Utc("2026-06-08T01:00:00Z")));
    }
}

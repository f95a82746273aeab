using SupportBot.Handoff.Departments;

namespace SupportBot.Handoff.Tests.Departments;

public sealed class HandoffOptionsValidationTests
{
    private static DepartmentOptions Support() => new()
    {
        Name = "support",
        Languages = ["en", "de-AT"],
        Skills = ["returns"],
        Priority = 5,
        TimeZone = "Europe/Berlin",
        Hours = new() { ["Mon-Fri"] = "09:00-13:00, 14:00-18:00", ["Sat"] = "10:00-14:00", ["Sun"] = "closed", ["Daily"] = "22:00-02:00" },
        Holidays = ["2026-12-24", "12-25", "02-29"],
        AfterHours = AfterHoursMode.OfflineRequest,
    };

    /// <summary>Options with a valid department 0 and department 1 changed by <paramref name="change"/>.</summary>
    private static IReadOnlyList<string> ErrorsWithSecondDepartment(Action<DepartmentOptions> change)
    {
        var second = Support();
        second.Name = "billing";
        change(second);
        return new HandoffOptions { Departments = [Support(), second] }.Validate();
    }

    [Fact]
    public void Defaults_AreValid()
    {
        var options = new HandoffOptions();

        Assert.Empty(options.Validate());
        Assert.Equal(AssignmentMode.LeastBusy, options.Assignment);
        Assert.Equal(120, options.AnswerLeaseSeconds);
        Assert.Equal(3, options.DefaultAgentCapacity);
    }

    [Fact]
    public void FullDepartment_IsValid() => Assert.Empty(new HandoffOptions { Departments = [Support()] }.Validate());

    [Theory]
    [InlineData("Mon", "25:00-18:00", "Handoff:Departments:1:Hours:Mon: '25:00-18:00' is not a time range like 09:00-18:00")]
    [InlineData("Tue", "9-18", "Handoff:Departments:1:Hours:Tue: '9-18' is not a time range like 09:00-18:00")]
    [InlineData("Wed", "09:00-12:60", "Handoff:Departments:1:Hours:Wed: '09:00-12:60' is not a time range like 09:00-18:00")]
    [InlineData("Wed", "\u0660\u0669:00-18:00", "Handoff:Departments:1:Hours:Wed: '\u0660\u0669:00-18:00' is not a time range like 09:00-18:00")] // Arabic-Indic digits
    [InlineData("Thu", "open", "Handoff:Departments:1:Hours:Thu: 'open' is not a time range like 09:00-18:00")]
    [InlineData("Fri", " ", "Handoff:Departments:1:Hours:Fri: is empty; write a time range like 09:00-18:00 or closed")]
    [InlineData("Weekdays", "09:00-18:00", "Handoff:Departments:1:Hours:Weekdays: 'Weekdays' is not a day (Mon…Sun), a range of days like Mon-Fri, or Daily")]
    [InlineData("Mon-Mon", "09:00-18:00", "Handoff:Departments:1:Hours:Mon-Mon: 'Mon-Mon' is not a day (Mon…Sun), a range of days like Mon-Fri, or Daily")]
    public void BadHours_NameTheirPath(string key, string value, string expected)
    {
        var errors = ErrorsWithSecondDepartment(d => d.Hours = new() { [key] = value });

        Assert.Equal([expected], errors);
    }

    [Fact]
    public void OverlappingDayRanges_AreReportedOnce()
    {
        var errors = ErrorsWithSecondDepartment(d => d.Hours = new() { ["Mon-Fri"] = "09:00-18:00", ["Thu-Sat"] = "10:00-12:00" });

        Assert.Equal(["Handoff:Departments:1:Hours:Thu-Sat: Thu, Fri also set by Hours:Mon-Fri"], errors);
    }

    [Fact]
    public void UnknownTimeZone_NamesItsPath()
    {
        var errors = new HandoffOptions { Departments = [new DepartmentOptions { Name = "support", TimeZone = "Mars/Base" }] }.Validate();

        Assert.Equal(["Handoff:Departments:0:TimeZone: unknown time zone 'Mars/Base'"], errors);
    }

    [Theory]
    [InlineData("2026-02-30")]
    [InlineData("13-01")]
    [InlineData("25.12.")]
    [InlineData("")]
    public void BadHoliday_NamesItsIndex(string holiday)
    {
        var errors = ErrorsWithSecondDepartment(d => d.Holidays = ["12-25", holiday]);

        Assert.Equal([$"Handoff:Departments:1:Holidays:1: '{holiday}' is not a date like 2026-12-25 or, for every year, 12-25"], errors);
    }

    [Theory]
    [InlineData("Support")]
    [InlineData("-support")]
    [InlineData("customer service")]
    [InlineData("support.de")]
    [InlineData("a23456789012345678901234567890123456789012")]
    public void BadName_IsRefused(string name)
    {
        var errors = ErrorsWithSecondDepartment(d => d.Name = name);

        Assert.Equal([$"Handoff:Departments:1:Name: '{name}' must be lowercase letters, digits, '-' or '_', starting with a letter or digit, at most 40 characters"], errors);
    }

    [Theory]
    [InlineData("1st-line")]
    [InlineData("billing_de")]
    [InlineData("a234567890123456789012345678901234567890")] // exactly 40
    public void GoodName_IsAccepted(string name) => Assert.Empty(ErrorsWithSecondDepartment(d => d.Name = name));

    [Fact]
    public void EmptyName_IsRefused() =>
        Assert.Equal(["Handoff:Departments:1:Name: is empty"], ErrorsWithSecondDepartment(d => d.Name = ""));

    [Fact]
    public void DuplicateName_PointsAtTheFirstUse() =>
        Assert.Equal(["Handoff:Departments:1:Name: 'support' is already used by Handoff:Departments:0"], ErrorsWithSecondDepartment(d => d.Name = "support"));

    [Theory]
    [InlineData(-1)]
    [InlineData(10)]
    public void PriorityOutOfRange_IsRefused(int priority) =>
        Assert.Equal([$"Handoff:Departments:1:Priority: must be 0 to 9, not {priority}"], ErrorsWithSecondDepartment(d => d.Priority = priority));

    [Fact]
    public void BadLanguageAndEmptySkill_NameTheirIndex()
    {
        var errors = ErrorsWithSecondDepartment(d =>
        {
            d.Languages = ["en", "english"];
            d.Skills = ["payment", " "];
        });

        Assert.Equal(
            ["Handoff:Departments:1:Languages:1: 'english' is not a language code like en or de-AT", "Handoff:Departments:1:Skills:1: is empty"],
            errors);
    }

    [Fact]
    public void UndefinedEnumValues_AreRefused()
    {
        var options = new HandoffOptions { Assignment = (AssignmentMode)7, Departments = [new DepartmentOptions { Name = "support", AfterHours = (AfterHoursMode)9 }] };

        Assert.Equal(
            ["Handoff:Assignment: '7' is not one of Claim, RoundRobin, LeastBusy", "Handoff:Departments:0:AfterHours: '9' is not one of Queue, OfflineRequest"],
            options.Validate());
    }

    [Fact]
    public void TimingsAndCapacityBelowTheirMinimum_NameTheirPath()
    {
        var options = new HandoffOptions
        {
            AnswerLeaseSeconds = 4,
            PresenceTtlSeconds = 0,
            AgentGraceSeconds = -1,
            ReturnToSameAgentHours = -1,
            DefaultAgentCapacity = 0,
            UnrecognizedBeforeHandoff = -1,
            QueueNoticeMinutes = 0,
            DefaultHandleSeconds = 0,
            ResolveIdleAfterMinutes = -0.5,
        };

        Assert.Equal(
            [
                "Handoff:AnswerLeaseSeconds: must be at least 5, not 4",
                "Handoff:PresenceTtlSeconds: must be at least 5, not 0",
                "Handoff:AgentGraceSeconds: must be at least 0, not -1",
                "Handoff:ReturnToSameAgentHours: must be at least 0, not -1",
                "Handoff:DefaultAgentCapacity: must be at least 1, not 0",
                "Handoff:UnrecognizedBeforeHandoff: must be at least 0, not -1",
                "Handoff:QueueNoticeMinutes: must be at least 1, not 0",
                "Handoff:DefaultHandleSeconds: must be at least 1, not 0",
                "Handoff:ResolveIdleAfterMinutes: must be 0 (never) or more minutes, not -0.5",
            ],
            options.Validate());
    }

    [Fact]
    public void ZeroMeansNever_IsAllowedWhereDocumented() =>
        Assert.Empty(new HandoffOptions { UnrecognizedBeforeHandoff = 0, ReturnToSameAgentHours = 0, AgentGraceSeconds = 0, ResolveIdleAfterMinutes = 0 }.Validate());

    [Fact]
    public void EveryMistakeIsReported_NotJustTheFirst()
    {
        var errors = new HandoffOptions
        {
            Departments =
            [
                new DepartmentOptions { Name = "Sales", TimeZone = "Nowhere/City" },
                new DepartmentOptions { Name = "support", Hours = new() { ["Mon"] = "9:00-25:00" }, Holidays = ["xmas"] },
            ],
        }.Validate();

        Assert.Equal(4, errors.Count);
        Assert.StartsWith("Handoff:Departments:0:Name:", errors[0]);
        Assert.StartsWith("Handoff:Departments:0:TimeZone:", errors[1]);
        Assert.StartsWith("Handoff:Departments:1:Hours:Mon:", errors[2]);
        Assert.StartsWith("Handoff:Departments:1:Holidays:0:", errors[3]);
    }
}

using SupportBot.Handoff.Departments;

namespace SupportBot.Handoff.Tests.Departments;

public sealed class DepartmentDirectoryTests
{
    private static readonly DepartmentDirectory Directory = new(new HandoffOptions
    {
        Departments =
        [
            new() { Name = "sales", Languages = ["en"], Skills = ["pricing"] },
            new() { Name = "billing", Languages = ["en"], Skills = ["payment", "Refunds"], Priority = 7 },
            new() { Name = "billing-de", Languages = ["de"], Skills = ["payment"], TimeZone = "Europe/Berlin", Hours = new() { ["Mon-Fri"] = "09:00-18:00" } },
            new() { Name = "kundendienst", Languages = ["de", "pt-BR"] },
            new() { Name = "general", AfterHours = AfterHoursMode.OfflineRequest },
        ],
    });

    [Theory]
    // A hint naming a department wins over language, case-insensitively.
    [InlineData("de", "sales", "sales")]
    [InlineData("en", " GENERAL ", "general")]
    // A hint naming a skill: the department with that skill that lists the language, else the first with it.
    [InlineData("de", "payment", "billing-de")]
    [InlineData("en", "payment", "billing")]
    [InlineData("fr", "payment", "billing")]
    [InlineData("de", "refunds", "billing")]
    // No usable hint: the first department listing the language (or its primary subtag).
    [InlineData("de", null, "billing-de")]
    [InlineData("de-AT", "", "billing-de")]
    [InlineData("DE", "no-such-skill", "billing-de")]
    [InlineData("en", null, "sales")]
    [InlineData("pt-BR", null, "kundendienst")]
    // Else the first department without a language restriction.
    [InlineData("pt-PT", null, "general")]
    [InlineData("fr", null, "general")]
    [InlineData(null, null, "general")]
    public void Route(string? language, string? hint, string expected) =>
        Assert.Equal(expected, Directory.Route(language, hint).Name);

    [Fact]
    public void Route_WithoutAnUnrestrictedDepartment_FallsBackToTheFirst()
    {
        var directory = new DepartmentDirectory(new HandoffOptions
        {
            Departments = [new() { Name = "english", Languages = ["en"] }, new() { Name = "deutsch", Languages = ["de"] }],
        });

        Assert.Equal("english", directory.Route("fr", "anything").Name);
        Assert.Equal("deutsch", directory.Route("de", null).Name);
    }

    [Fact]
    public void NoDepartmentsConfigured_GivesOneAlwaysOpenSupportDepartment()
    {
        var directory = new DepartmentDirectory(new HandoffOptions());

        var only = Assert.Single(directory.All);
        Assert.Equal("support", only.Name);
        Assert.Same(only, directory.Default);
        Assert.True(only.TakesAllLanguages);
        Assert.Same(BusinessHours.AlwaysOpen, only.Hours);
        Assert.Same(only, directory.Route("ru", "payment"));
    }

    [Fact]
    public void All_KeepsConfigurationOrder_AndDefaultIsTheFirst()
    {
        Assert.Equal(["sales", "billing", "billing-de", "kundendienst", "general"], Directory.All.Select(d => d.Name));
        Assert.Equal("sales", Directory.Default.Name);
    }

    [Fact]
    public void Find_IsCaseInsensitive()
    {
        Assert.Equal("billing-de", Directory.Find("Billing-DE")?.Name);
        Assert.Null(Directory.Find("nope"));
        Assert.Null(Directory.Find(null));
    }

    [Fact]
    public void Departments_CarryTheirOptions()
    {
        var billing = Directory.Find("billing")!;
        var billingDe = Directory.Find("billing-de")!;

        Assert.Equal(7, billing.Priority);
        Assert.True(billing.HasSkill("refunds"));
        Assert.Equal(AfterHoursMode.OfflineRequest, Directory.Find("general")!.AfterHours);
        Assert.Equal("Europe/Berlin", billingDe.Hours.TimeZone.Id);
        Assert.True(billingDe.Hours.IsOpen(new DateTimeOffset(2026, 6, 5, 7, 0, 0, TimeSpan.Zero)));  // Friday 09:00 CEST
        Assert.False(billingDe.Hours.IsOpen(new DateTimeOffset(2026, 6, 6, 7, 0, 0, TimeSpan.Zero))); // Saturday
    }

    [Fact]
    public void InvalidOptions_AreRefusedWithEveryPath()
    {
        var options = new HandoffOptions
        {
            DefaultAgentCapacity = 0,
            Departments = [new() { Name = "support", TimeZone = "Mars/Base" }],
        };

        var error = Assert.Throws<ArgumentException>(() => new DepartmentDirectory(options));

        Assert.Contains("Handoff:DefaultAgentCapacity: must be at least 1, not 0", error.Message);
        Assert.Contains("Handoff:Departments:0:TimeZone: unknown time zone 'Mars/Base'", error.Message);
    }
}

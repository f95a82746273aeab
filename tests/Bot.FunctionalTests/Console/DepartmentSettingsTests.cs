using Microsoft.Extensions.DependencyInjection;
using SupportBot.AgentConsole.Departments;
using SupportBot.FunctionalTests.Handoff;
using SupportBot.Handoff.Departments;

namespace SupportBot.FunctionalTests.Console;

/// <summary>Departments and hours edited by an admin apply on every instance, and a broken edit changes nothing.</summary>
public sealed class DepartmentSettingsTests(TwoHostsFixture hosts) : IClassFixture<TwoHostsFixture>
{
    [Fact]
    public async Task SavedOnOneInstance_AppliesOnTheOther_AndOnANewOne()
    {
        var settings = hosts.HostA.Services.GetRequiredService<DepartmentSettings>();
        var errors = await settings.SaveAsync(
        [
            new DepartmentOptions { Name = "support" },
            new DepartmentOptions { Name = "returns", Skills = ["refund"], TimeZone = "Europe/Berlin", Hours = new() { ["Mon-Fri"] = "09:00-18:00" } },
        ]);
        Assert.Empty(errors);

        var other = hosts.HostB.Services.GetRequiredService<DepartmentDirectory>();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (other.Find("returns") is null && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        Assert.Equal("Europe/Berlin", other.Find("returns")?.Hours.TimeZone.Id);
        Assert.Equal("returns", other.Route("en", "refund").Name);

        await using var later = new FunctionalTests.Infrastructure.BotFactory(hosts.Store.ConnectionString);
        _ = later.Server;
        Assert.NotNull(later.Services.GetRequiredService<DepartmentDirectory>().Find("returns"));
    }

    [Fact]
    public async Task BrokenEdit_IsRefusedWithItsPath_AndChangesNothing()
    {
        var directory = hosts.HostA.Services.GetRequiredService<DepartmentDirectory>();
        var before = directory.All.Select(d => d.Name).ToList();

        var errors = await hosts.HostA.Services.GetRequiredService<DepartmentSettings>().SaveAsync(
        [
            new DepartmentOptions { Name = "support" },
            new DepartmentOptions { Name = "Sales Team", TimeZone = "Nowhere/City", Hours = new() { ["Mon"] = "25:00-26:00" } },
        ]);

        Assert.Contains(errors, e => e.StartsWith("Handoff:Departments:1:Name", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Handoff:Departments:1:TimeZone", StringComparison.Ordinal));
        Assert.Equal(before, directory.All.Select(d => d.Name).ToList());
        Assert.NotEmpty(await hosts.HostA.Services.GetRequiredService<DepartmentSettings>().SaveAsync([])); // at least one department
    }
}

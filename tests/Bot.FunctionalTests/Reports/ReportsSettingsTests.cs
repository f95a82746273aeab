using SupportBot.FunctionalTests.Infrastructure;

namespace SupportBot.FunctionalTests.Reports;

/// <summary>A report time zone that does not exist stops the host at once, with one line that names the setting.</summary>
public sealed class ReportsSettingsTests
{
    [Fact]
    public async Task Startup_UnknownTimeZone_OneLineNamingTheSetting()
    {
        var workDir = Directory.CreateTempSubdirectory("sb-reports-").FullName;
        await using var bot = BotProcess.Start(workDir, new Dictionary<string, string>
        {
            ["Reports__TimeZone"] = "Mars/Olympus_Mons",
            ["Storage__DataDir"] = Path.Combine(workDir, "data"),
        });

        var exitCode = await bot.WaitForExitAsync(TimeSpan.FromSeconds(120));

        Assert.Equal(1, exitCode);
        var line = Assert.Single(bot.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("Reports:TimeZone", line);
        Assert.Contains("Mars/Olympus_Mons", line);
    }
}

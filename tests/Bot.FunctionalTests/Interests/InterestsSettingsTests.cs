using SupportBot.FunctionalTests.Infrastructure;

namespace SupportBot.FunctionalTests.Interests;

/// <summary>A wrong <c>Interests:*</c> setting stops the host at once, with a line that names the setting and the fix.</summary>
public sealed class InterestsSettingsTests
{
    [Theory]
    [InlineData("Interests__Rules__0__Source", "vk", "Interests__Rules__0__Department", "nowhere", "Interests:Rules:0:Department", "nowhere")]
    [InlineData("Interests__Rules__0__Agents__0", "ann", "Interests__Rules__0__Distribution", "RoundRobin", "Interests:Rules:0", "Product or Source")]
    [InlineData("Interests__Rules__0__Source", "VK!", "Interests__RetentionDays", "30", "Interests:Rules:0:Source", "VK!")]
    [InlineData("Interests__Rules__0__Source", "form", "Interests__Rules__0__Distribution", "RoundRobin", "Interests:Rules:0:Source", "website")]
    [InlineData("Interests__Rules__0__Source", "telgram", "Interests__Rules__0__Distribution", "RoundRobin", "Interests:Rules:0:Source", "telgram")]
    [InlineData("Interests__RetentionDays", "-1", "Interests__RetentionCheckSeconds", "60", "Interests:RetentionDays", "-1")]
    [InlineData("Interests__Rules__0__Product", "kettle", "Interests__Rules__0__Distribution", "Sometimes", "Interests:Rules:0:Distribution", "Sometimes")]
    [InlineData("Interests__Distribution", "Sometimes", "Interests__RetentionDays", "30", "Interests:Distribution", "Sometimes")]
    public async Task Startup_BadInterestsSetting_OneLineNamingIt(string key, string value, string otherKey, string otherValue, string named, string quoted)
    {
        var workDir = Directory.CreateTempSubdirectory("sb-interests-").FullName;
        await using var bot = BotProcess.Start(workDir, new Dictionary<string, string>
        {
            [key] = value,
            [otherKey] = otherValue,
            ["Storage__DataDir"] = Path.Combine(workDir, "data"),
        });

        var exitCode = await bot.WaitForExitAsync(TimeSpan.FromSeconds(120));

        Assert.Equal(1, exitCode);
        var line = Assert.Single(bot.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(named, line);
        Assert.Contains(quoted, line);
    }
}

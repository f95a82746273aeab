using SupportBot.FunctionalTests.Infrastructure;

namespace SupportBot.FunctionalTests.Customers;

/// <summary>A wrong customers or follow-ups setting stops the host at once, with one line naming it.</summary>
public sealed class CustomersStartupTests
{
    [Theory]
    [InlineData("Customers__FunnelStages__0", " padded ", "Customers:FunnelStages:0")]
    [InlineData("FollowUps__CheckSeconds", "0", "FollowUps:CheckSeconds")]
    [InlineData("Customers__TrustContactsFrom__0", "webchat", "Customers:TrustContactsFrom:0")]
    public async Task Startup_WrongSetting_OneLineNamingIt(string variable, string value, string named)
    {
        var workDir = Directory.CreateTempSubdirectory("sb-startup-").FullName;
        var environment = new Dictionary<string, string> { [variable] = value, ["Storage__DataDir"] = Path.Combine(workDir, "data") };
        await using var bot = BotProcess.Start(workDir, environment);
        var exitCode = await bot.WaitForExitAsync(TimeSpan.FromSeconds(120));

        Assert.Equal(1, exitCode);
        Assert.DoesNotContain("   at ", bot.StandardOutput + bot.StandardError);
        Assert.Contains(named, Assert.Single(bot.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }
}

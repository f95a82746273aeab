using SupportBot.FunctionalTests.Infrastructure;

namespace SupportBot.FunctionalTests.Export;

/// <summary>A wrong webhook or web-form site setting stops the host at start with one line naming each wrong setting (never a secret).</summary>
public sealed class ExportSettingsTests
{
    [Theory]
    [InlineData("Export__Webhooks__0__Url", "/hooks/crm", "Export__Webhooks__0__Secret", "", "Export:Webhooks:0:Url", "Export:Webhooks:0:Secret")]
    [InlineData("Intake__Sites__0__Key", "short-key", "Intake__Sites__0__Origins__0", "https://shop.example/contact", "Intake:Sites:0:Key", "Intake:Sites:0:Origins:0")]
    public async Task Start_BadSetting_StopsWithOneLineNamingIt(string variable, string value, string otherVariable, string otherValue, string named, string otherNamed)
    {
        var workDir = Directory.CreateTempSubdirectory("sb-export-").FullName;
        var section = variable.Split("__")[0];
        var environment = new Dictionary<string, string>
        {
            ["Storage__DataDir"] = Path.Combine(workDir, "data"),
            [variable] = value,
            [otherVariable] = otherValue,
        };
        environment[section == "Export" ? "Export__Webhooks__0__Name" : "Intake__Sites__0__Name"] = "one";
        await using var bot = BotProcess.Start(workDir, environment);

        Assert.Equal(1, await bot.WaitForExitAsync(TimeSpan.FromSeconds(120)));
        Assert.DoesNotContain("   at ", bot.StandardOutput + bot.StandardError);
        var line = Assert.Single(bot.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(named, line, StringComparison.Ordinal);
        Assert.Contains(otherNamed, line, StringComparison.Ordinal);
        Assert.DoesNotContain("short-key", line, StringComparison.Ordinal);
    }
}

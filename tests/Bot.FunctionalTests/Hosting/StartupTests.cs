using SupportBot.FunctionalTests.Infrastructure;

namespace SupportBot.FunctionalTests.Hosting;

/// <summary>A wrong setting or broken content stops the host at once, with one line that names what to fix.</summary>
public sealed class StartupTests
{
    [Fact]
    public async Task Startup_SettingOutOfRange_OneLineNamingTheSetting()
    {
        var (exitCode, error) = await RunAsync(new Dictionary<string, string> { ["Pipeline__Workers"] = "0" });

        Assert.Equal(1, exitCode);
        Assert.Contains("Pipeline", error);
        Assert.Contains("Workers", error);
    }

    [Fact]
    public async Task Startup_BrokenContentFile_OneLineNamingTheFileAndLine()
    {
        var content = Directory.CreateTempSubdirectory("sb-content-").FullName;
        File.Copy(Path.Combine(AppContext.BaseDirectory, "content", "messages.yaml"), Path.Combine(content, "messages.yaml"));
        Directory.CreateDirectory(Path.Combine(content, "faq"));
        File.WriteAllText(Path.Combine(content, "faq", "shop.yaml"), "- id: x\n  questions: {en: [\"a\"]\n  answer: [\n");

        var (exitCode, error) = await RunAsync(new Dictionary<string, string> { ["Content__Path"] = content });

        Assert.Equal(1, exitCode);
        Assert.Contains("shop.yaml", error);
        Assert.Contains("line", error);
    }

    private static async Task<(int ExitCode, string Error)> RunAsync(Dictionary<string, string> environment)
    {
        var workDir = Directory.CreateTempSubdirectory("sb-startup-").FullName;
        environment["Storage__DataDir"] = Path.Combine(workDir, "data");
        await using var bot = BotProcess.Start(workDir, environment);
        var exitCode = await bot.WaitForExitAsync(TimeSpan.FromSeconds(120));
        Assert.DoesNotContain("   at ", bot.StandardOutput + bot.StandardError);
        var line = Assert.Single(bot.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        return (exitCode, line);
    }
}

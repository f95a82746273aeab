using System.Reflection;

namespace SupportBot.BrowserTests.Infrastructure;

/// <summary>Microsoft's botframework-webchat UMD bundle, installed by npm into <c>tests/Bot.BrowserTests/webchat</c>.</summary>
public static class WebChatBundle
{
    public const string Version = "4.18.1";

    public const string InstallCommand =
        "npm install --prefix tests/Bot.BrowserTests/webchat botframework-webchat@" + Version + " --no-audit --no-fund";

    /// <summary>The path of <c>webchat.js</c>; fails the test (never skips it) when npm has not installed it.</summary>
    public static string RequirePath()
    {
        var path = typeof(WebChatBundle).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "WebChatBundle").Value!;
        if (!File.Exists(path))
        {
            Assert.Fail(
                $"Microsoft's Web Chat bundle is missing: {path}. Run the README's test command, which installs it " +
                $"(from the repository root: {InstallCommand}), then run the browser tests again.");
        }

        return path;
    }
}

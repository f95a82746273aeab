using System.Net;
using System.Text.RegularExpressions;
using SupportBot.FunctionalTests.Infrastructure;
using static SupportBot.FunctionalTests.Infrastructure.TestCancellation;

namespace SupportBot.FunctionalTests.Hosting;

/// <summary>
/// The host run as the README says (its own process, the Production environment, embedded store): the console's page
/// loads its scripts and styles. The Blazor script is a static web asset of the framework, not a file in wwwroot; the
/// browser tests run in Development, where it is always found, so they cannot see it missing.
/// </summary>
public sealed partial class ConsoleAssetsTests
{
    [Fact]
    public async Task Run_InProduction_TheConsolePageAndEveryAssetItNamesLoad()
    {
        var workDir = Directory.CreateTempSubdirectory("sb-assets-").FullName;
        await using var bot = BotProcess.Start(workDir, new Dictionary<string, string>
        {
            ["Storage__DataDir"] = Path.Combine(workDir, "data"),
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["DOTNET_ENVIRONMENT"] = "Production",
        });
        await bot.WaitUntilReadyAsync(cancellationToken: Ct);
        using var http = new HttpClient { BaseAddress = bot.BaseAddress };

        var page = await http.GetAsync("/console", Ct);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync(Ct);
        var assets = Asset().Matches(html).Select(m => m.Groups["path"].Value).Where(p => !p.StartsWith("data:", StringComparison.Ordinal)).ToList();

        Assert.Contains(assets, a => a.Contains("blazor.web", StringComparison.Ordinal));
        foreach (var asset in assets)
        {
            var response = await http.GetAsync("/" + asset.TrimStart('/'), Ct);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{asset}: {(int)response.StatusCode}");
        }
    }

    // <script src="…"> and <link … href="…"> of the page (relative to <base href="/">).
    [GeneratedRegex(@"<(?:script[^>]*\ssrc|link[^>]*\shref)=""(?<path>[^""]+)""", RegexOptions.IgnoreCase)]
    private static partial Regex Asset();
}

using Microsoft.Playwright;
using SupportBot.FunctionalTests.Infrastructure;

namespace SupportBot.BrowserTests.Infrastructure;

/// <summary>
/// What one browser test class shares: a real redis-server, the real host on Kestrel on a
/// loopback port (so a browser can reach it), and one headless Chromium (Debian's, driven by
/// Playwright offline). Each test opens its own browser context on top.
/// </summary>
public class BrowserHostFixture : IAsyncLifetime
{
    /// <summary>Debian's chromium; Playwright's own browser download is never used.</summary>
    public const string ChromiumPath = "/usr/bin/chromium";

    private readonly RedisServerFixture _redis = new();
    private BotFactory? _factory;
    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>The host's address as the browser sees it, e.g. <c>http://127.0.0.1:41234</c> (no trailing slash).</summary>
    public string HostUrl { get; private set; } = "";

    /// <summary>The host's redis-server (to kill and restart it under the open pages).</summary>
    public RedisServerFixture Redis => _redis;

    /// <summary>Waits until the host's <c>/readyz</c> says Redis answers again, e.g. after <see cref="Redis"/> restarted.</summary>
    public async Task WaitUntilReadyAsync()
    {
        using var http = CreateHttpClient();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await http.GetAsync("/readyz", TestCancellation.Ct)).StatusCode != System.Net.HttpStatusCode.OK)
        {
            Assert.True(DateTime.UtcNow < deadline, "the host was not ready again 30 s after Redis restarted");
            await Task.Delay(200, TestCancellation.Ct);
        }
    }

    /// <summary>The host's services (to seed accounts or records the way the app itself would).</summary>
    public IServiceProvider Services => _factory!.Services;

    /// <summary>Settings a derived fixture adds to the host's.</summary>
    protected virtual IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>();

    /// <summary>Plain HTTP to the host over the loopback port, as an outside client (e.g. a Direct Line customer).</summary>
    public HttpClient CreateHttpClient() => new() { BaseAddress = new Uri(HostUrl) };

    public async ValueTask InitializeAsync()
    {
        // The browser and redis-server start side by side; the host needs redis.
        var browser = LaunchBrowserAsync();
        await _redis.InitializeAsync();
        var settings = new Dictionary<string, string?> { ["Outbox:FirstRetrySeconds"] = "0.05" };
        foreach (var (key, value) in Settings)
        {
            settings[key] = value;
        }

        _factory = new BotFactory(_redis.ConnectionString, settings);
        _factory.UseKestrel(0); // a free loopback port, chosen by Kestrel
        _factory.StartServer();
        HostUrl = _factory.ClientOptions.BaseAddress.GetLeftPart(UriPartial.Authority);
        Browser = await browser;
    }

    private async Task<IBrowser> LaunchBrowserAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"{ChromiumPath} is missing; run the README's test command (it installs it) or apt-get install -y chromium.");
        }

        _playwright = await Playwright.CreateAsync();
        return await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Timeout = 30_000,
            Args =
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run",
            ],
        });
    }

    public virtual async ValueTask DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (_factory is not null)
        {
            await _factory.DisposeAsync();
        }

        await _redis.DisposeAsync();
    }
}

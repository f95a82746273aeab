using System.Reflection;
using System.Text;
using Microsoft.Playwright;

namespace SupportBot.BrowserTests.Infrastructure;

/// <summary>
/// A browser test: a fresh context (own cookies and sessionStorage) and page per test on the
/// class's shared browser. On failure it saves a screenshot and prints what the page logged.
/// </summary>
public abstract class BrowserTest(BrowserHostFixture host) : IAsyncLifetime
{
    private readonly StringBuilder _pageLog = new();
    private readonly List<string> _pageErrors = [];
    private readonly List<IBrowserContext> _otherContexts = [];

    protected BrowserHostFixture Host => host;

    protected IBrowserContext Context { get; private set; } = null!;

    protected IPage Page { get; private set; } = null!;

    /// <summary>
    /// Where screenshots go: <c>tests/Bot.BrowserTests/TestResults/screenshots/</c> (set at build time, so the same folder
    /// whether <c>dotnet test</c> runs the solution or this project, from any directory).
    /// </summary>
    public static string ScreenshotDir { get; } = typeof(BrowserTest).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "ScreenshotDir").Value!;

    static BrowserTest()
    {
        Assertions.SetDefaultExpectTimeout(10_000);
    }

    public virtual async ValueTask InitializeAsync()
    {
        (Context, Page) = await NewContextAsync();
    }

    /// <summary>A second browser beside the test's own (its own cookies), e.g. another agent at work at the same time; closed with the test.</summary>
    /// <param name="locale">The browser's language (<c>navigator.language</c> and Accept-Language).</param>
    /// <param name="timeZone">The browser's clock (an IANA id); null: the machine's.</param>
    protected async Task<IPage> OpenAnotherBrowserAsync(string locale = "en-US", string? timeZone = null)
    {
        var (context, page) = await NewContextAsync(locale, timeZone);
        _otherContexts.Add(context);
        return page;
    }

    private async Task<(IBrowserContext Context, IPage Page)> NewContextAsync(string locale = "en-US", string? timeZone = null)
    {
        var context = await host.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = host.HostUrl,
            ViewportSize = new ViewportSize { Width = 1280, Height = 800 },
            Locale = locale,
            TimezoneId = timeZone,
        });
        context.SetDefaultTimeout(10_000);
        // A page load runs the page's scripts; CI runs the other test projects beside these, on the same two cores.
        context.SetDefaultNavigationTimeout(30_000);
        var page = await context.NewPageAsync();
        page.Console += (_, message) => Log($"console.{message.Type}: {message.Text}");
        page.PageError += (_, error) =>
        {
            lock (_pageErrors)
            {
                _pageErrors.Add(error);
            }

            Log("page error: " + error);
        };
        page.RequestFailed += (_, request) => Log($"request failed: {request.Method} {request.Url} {request.Failure}");
        page.Response += (_, response) =>
        {
            if (response.Status >= 400)
            {
                Log($"HTTP {response.Status}: {response.Request.Method} {response.Url}");
            }
        };
        return (context, page);
    }

    public virtual async ValueTask DisposeAsync()
    {
        if (TestContext.Current.TestState?.Result == TestResult.Failed)
        {
            var name = TestContext.Current.Test?.TestDisplayName ?? "test";
            var file = Page.Url == "about:blank" ? "(none: no page was opened)" : await ScreenshotAsync("failed-" + string.Concat(name.Split(Path.GetInvalidFileNameChars())));
            TestContext.Current.TestOutputHelper?.WriteLine($"Screenshot: {file}\nPage log:\n{_pageLog}");
        }

        foreach (var context in _otherContexts)
        {
            await context.DisposeAsync();
        }

        await Context.DisposeAsync();
    }

    /// <summary>Saves a full-page screenshot into <see cref="ScreenshotDir"/> and returns its path.</summary>
    protected async Task<string> ScreenshotAsync(string name)
    {
        Directory.CreateDirectory(ScreenshotDir);
        var file = Path.Combine(ScreenshotDir, name + ".png");
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = file, FullPage = true });
        return file;
    }

    /// <summary>No script on the page threw: a broken widget often shows up only as an uncaught error.</summary>
    protected void AssertNoPageErrors()
    {
        lock (_pageErrors)
        {
            Assert.True(_pageErrors.Count == 0, "The page threw:\n" + string.Join("\n", _pageErrors));
        }
    }

    private void Log(string line)
    {
        lock (_pageLog)
        {
            _pageLog.AppendLine(line);
        }
    }
}

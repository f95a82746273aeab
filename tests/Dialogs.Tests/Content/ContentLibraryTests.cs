using Microsoft.Extensions.Logging.Abstractions;
using SupportBot.Dialogs.Content;

namespace SupportBot.Dialogs.Tests.Content;

/// <summary>Support teams edit YAML while the bot runs: good edits go live, broken ones do not.</summary>
public sealed class ContentLibraryTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("sb-library-").FullName;

    public ContentLibraryTests()
    {
        var shipped = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../content"));
        foreach (var file in Directory.EnumerateFiles(shipped, "*.yaml", SearchOption.AllDirectories))
        {
            var target = Path.Combine(_folder, Path.GetRelativePath(shipped, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    [Fact]
    public async Task EditedAnswer_GoesLiveWithoutRestart()
    {
        using var library = new ContentLibrary(_folder, NullLogger<ContentLibrary>.Instance);
        var shop = Path.Combine(_folder, "faq", "shop.yaml");

        await File.WriteAllTextAsync(shop, (await File.ReadAllTextAsync(shop, TestContext.Current.CancellationToken)).Replace("We accept Visa", "We now accept Visa", StringComparison.Ordinal), TestContext.Current.CancellationToken);

        await WaitUntilAsync(() => library.Current.Faq.Single(e => e.Id == "payment-methods").Answer["en"].StartsWith("We now accept", StringComparison.Ordinal));
        Assert.Null(library.LastError);
    }

    [Fact]
    public async Task BrokenFile_KeepsLastGoodVersionAndSaysWhy()
    {
        using var library = new ContentLibrary(_folder, NullLogger<ContentLibrary>.Instance);
        var before = library.Current;

        await File.WriteAllTextAsync(Path.Combine(_folder, "dialogs", "intake.yaml"), "id: intake\nsteps:\n  - ask: name\n    prompt: nonsense\n    text: { en: \"?\" }\n", TestContext.Current.CancellationToken);

        await WaitUntilAsync(() => library.LastError is not null);
        Assert.Same(before, library.Current);
        Assert.Contains("intake.yaml, line 4, field 'steps[0].prompt'", library.LastError);

        // Fixing the file makes it live again.
        await File.WriteAllTextAsync(Path.Combine(_folder, "dialogs", "intake.yaml"), "id: intake\nsteps:\n  - say: { en: \"Fixed\" }\n", TestContext.Current.CancellationToken);
        await WaitUntilAsync(() => library.LastError is null && library.Current != before);
        Assert.Single(library.Current.Dialogs.Single().Steps);
    }

    [Fact]
    public async Task AnswerLeftEmpty_KeepsLastGoodVersionAndSaysWhere()
    {
        using var library = new ContentLibrary(_folder, NullLogger<ContentLibrary>.Instance);
        var before = library.Current;

        // "answer:" with nothing after it: the entry's answer is null, not an empty list.
        await File.WriteAllTextAsync(Path.Combine(_folder, "faq", "extra.yaml"), "- id: extra\n  questions: {en: [\"q\"]}\n  answer:\n", TestContext.Current.CancellationToken);

        await WaitUntilAsync(() => library.LastError is not null);
        Assert.Same(before, library.Current);
        Assert.Contains("extra.yaml, line 3: FAQ entry 'extra', field 'answer'", library.LastError);
    }

    [Fact]
    public void BrokenAtStart_Throws()
    {
        File.WriteAllText(Path.Combine(_folder, "messages.yaml"), "greeting: [");
        Assert.Throws<ContentException>(() => new ContentLibrary(_folder, NullLogger<ContentLibrary>.Instance));
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the content did not reload");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}

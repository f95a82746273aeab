using System.Collections;
using System.Globalization;
using System.Resources;
using SupportBot.AgentConsole;

namespace SupportBot.Tests.Console;

/// <summary>
/// The console offers English and Russian; a text added in English only would show Russian-speaking agents English in
/// the middle of their page (the localizer falls back silently), so every text set must be complete in both.
/// </summary>
public sealed class ConsoleTranslationTests
{
    /// <summary>Every console text set: the marker classes next to their <c>.resx</c> files.</summary>
    private static IEnumerable<string> Markers()
    {
        var assembly = typeof(ConsoleText).Assembly;
        var resources = assembly.GetManifestResourceNames().ToHashSet(StringComparer.Ordinal);
        return assembly.GetTypes()
            .Where(t => t.Namespace?.StartsWith("SupportBot.AgentConsole", StringComparison.Ordinal) == true && resources.Contains(t.FullName + ".resources"))
            .Select(t => t.FullName!)
            .Order(StringComparer.Ordinal);
    }

    public static TheoryData<string> TextSets() => new(Markers());

    [Fact]
    public void TheTextSetsAreFound()
    {
        Assert.Contains(typeof(ConsoleText).FullName!, Markers());
        Assert.Contains(typeof(SupportBot.AgentConsole.Feed.FeedText).FullName!, Markers());
    }

    [Theory]
    [MemberData(nameof(TextSets))]
    public void EveryEnglishText_HasARussianOne_AndNoRussianTextIsLeftOver(string marker)
    {
        var texts = new ResourceManager(typeof(ConsoleText).Assembly.GetType(marker, throwOnError: true)!);
        var english = Texts(texts, CultureInfo.InvariantCulture);
        var russian = Texts(texts, CultureInfo.GetCultureInfo("ru"));

        Assert.NotEmpty(english);
        Assert.Empty(english.Keys.Except(russian.Keys).Order(StringComparer.Ordinal));
        Assert.Empty(russian.Keys.Except(english.Keys).Order(StringComparer.Ordinal));
        Assert.Empty(russian.Where(text => string.IsNullOrWhiteSpace(text.Value)).Select(text => text.Key));
    }

    private static Dictionary<string, string?> Texts(ResourceManager texts, CultureInfo culture) =>
        (texts.GetResourceSet(culture, createIfNotExists: true, tryParents: false) ?? throw new InvalidOperationException($"no {culture.Name} texts"))
        .Cast<DictionaryEntry>()
        .ToDictionary(entry => (string)entry.Key, entry => entry.Value as string);
}

using SupportBot.Dialogs.Content;

namespace SupportBot.Dialogs.Tests.Content;

public sealed class ContentCatalogTests
{
    private static string ShippedContent => Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../content"));

    [Fact]
    public void Load_ShippedContent_EveryEntryAndLineInEnRuDe()
    {
        var catalog = ContentCatalog.Load(ShippedContent);

        Assert.NotEmpty(catalog.Faq);
        foreach (var entry in catalog.Faq)
        {
            foreach (var language in new[] { "en", "ru", "de" })
            {
                Assert.True(entry.Answer.ContainsKey(language), $"{entry.Id} has no {language} answer");
                Assert.True(entry.Questions.ContainsKey(language), $"{entry.Id} has no {language} questions");
            }
        }

        var messages = catalog.Messages;
        foreach (var lines in new[] { messages.Greeting, messages.Fallback, messages.Clarify, messages.HandoffAcknowledged, messages.StillQueued, messages.QueuePosition, messages.QueuePositionNobodyOnline, messages.AfterHoursQueued, messages.AfterHoursOffline, messages.HandoffAfterMisunderstanding, messages.BackToBot, messages.ChatReturned, messages.ChatResolved, messages.TechnicalProblem, messages.LanguageSwitched, messages.AttachmentOnly, messages.ContactNoted, messages.SatisfactionQuestion, messages.SatisfactionThanks, messages.SatisfactionSorry })
        {
            Assert.Equal(["de", "en", "ru"], lines.Keys.Order());
        }
    }

    [Fact]
    public void Load_BrokenYaml_NamesFileAndLine()
    {
        var folder = Directory.CreateTempSubdirectory("sb-content-").FullName;
        File.Copy(Path.Combine(ShippedContent, "messages.yaml"), Path.Combine(folder, "messages.yaml"));
        Directory.CreateDirectory(Path.Combine(folder, "faq"));
        File.WriteAllText(Path.Combine(folder, "faq", "broken.yaml"), "- id: a\n  questions:\n    en: [\"unclosed\n");

        var error = Assert.Throws<ContentException>(() => ContentCatalog.Load(folder));

        Assert.Contains("broken.yaml", error.Message);
        Assert.Contains("line", error.Message);
    }

    [Fact]
    public void Load_DuplicateId_Refused()
    {
        var folder = Directory.CreateTempSubdirectory("sb-content-").FullName;
        File.Copy(Path.Combine(ShippedContent, "messages.yaml"), Path.Combine(folder, "messages.yaml"));
        Directory.CreateDirectory(Path.Combine(folder, "faq"));
        var entry = "- id: same\n  questions: {en: [\"q\"]}\n  answer: {en: \"a\"}\n";
        File.WriteAllText(Path.Combine(folder, "faq", "a.yaml"), entry);
        File.WriteAllText(Path.Combine(folder, "faq", "b.yaml"), entry);

        Assert.Contains("'same'", Assert.Throws<ContentException>(() => ContentCatalog.Load(folder)).Message);
    }

    [Theory]
    [InlineData("- id: a\n  questions: {en: [q]}\n  answer:\n", "line 3", "'answer'")]
    [InlineData("- id: a\n  questions:\n  answer: {en: a}\n", "line 2", "'questions'")]
    [InlineData("- id: a\n  questions: {en: [q], de: }\n  answer: {en: a}\n", "line 2", "'questions.de'")]
    [InlineData("- id: a\n  questions: {en: [q]}\n  answer: {en: a}\n- \n", "line 4", "FAQ entry 2")]
    [InlineData("- id: a\n  questions: {en: [q]}\n  answer:\n    en: a\n    ru:\n", "line 5", "'answer.ru'")]
    public void Load_FaqKeyLeftEmpty_NamesFileLineAndField(string yaml, string line, string field)
    {
        var folder = FolderWithShippedMessages();
        File.WriteAllText(Path.Combine(folder, "faq", "empty.yaml"), yaml);

        var error = Assert.Throws<ContentException>(() => ContentCatalog.Load(folder));

        Assert.Contains("empty.yaml, " + line, error.Message);
        Assert.Contains(field, error.Message);
    }

    [Theory]
    [InlineData("backToBot:\n", "'backToBot'")]
    [InlineData("backToBot:\n  en: Back\n  de:\n", "'backToBot.de'")]
    [InlineData("humanRequest:\n  en:\n    - human\n    -\n", "'humanRequest.en'")]
    public void Load_MessageLeftEmpty_NamesField(string yaml, string field)
    {
        var folder = FolderWithShippedMessages();
        var messages = Path.Combine(folder, "messages.yaml");
        File.WriteAllText(messages, Strip(File.ReadAllText(Path.Combine(ShippedContent, "messages.yaml")), yaml.Split(':')[0]) + yaml);

        var error = Assert.Throws<ContentException>(() => ContentCatalog.Load(folder));

        Assert.Contains("messages.yaml, line ", error.Message);
        Assert.Contains(field, error.Message);
    }

    /// <summary>The YAML without the top-level key and its indented lines.</summary>
    private static string Strip(string yaml, string key)
    {
        var kept = new List<string>();
        var skipping = false;
        foreach (var line in yaml.Split('\n'))
        {
            skipping = line.StartsWith(key + ":", StringComparison.Ordinal) || (skipping && line.StartsWith(' '));
            if (!skipping)
            {
                kept.Add(line);
            }
        }

        return string.Join('\n', kept).TrimEnd() + "\n";
    }

    private static string FolderWithShippedMessages()
    {
        var folder = Directory.CreateTempSubdirectory("sb-content-").FullName;
        File.Copy(Path.Combine(ShippedContent, "messages.yaml"), Path.Combine(folder, "messages.yaml"));
        Directory.CreateDirectory(Path.Combine(folder, "faq"));
        return folder;
    }

    [Fact]
    public void Load_MissingFolder_SaysWhichSettingToFix() =>
        Assert.Contains("Content:Path", Assert.Throws<ContentException>(() => ContentCatalog.Load("/nonexistent/content")).Message);
}

public sealed class LanguageSwitchTests
{
    private static readonly BotMessages Messages = ContentCatalog.Load(
        Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../content"))).Messages;

    [Theory]
    [InlineData("по-русски, пожалуйста", "ru")]
    [InlineData("Auf Deutsch bitte", "de")]
    [InlineData("English please!", "en")]
    [InlineData("на немецком", "de")]
    [InlineData("I bought a Russian doll for my daughter", null)]
    [InlineData("where is my order", null)]
    public void RequestedLanguage(string text, string? expected) => Assert.Equal(expected, Messages.RequestedLanguage(text));
}

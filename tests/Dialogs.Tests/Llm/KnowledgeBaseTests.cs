using SupportBot.Dialogs.Llm;

namespace SupportBot.Dialogs.Tests.Llm;

public sealed class KnowledgeBaseTests
{
    private static readonly string Folder = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../content/knowledge"));

    [Fact]
    public void Chunks_ByHeading_WithIdsAndTitles()
    {
        var chunks = KnowledgeBase.Chunk("gift", "# Gift\n\n## Wrapping\nCosts €3.\n\nWith a card.\n\n## Others\nAddress at checkout.").ToList();

        Assert.Equal(["gift#1", "gift#2"], chunks.Select(c => c.Id));
        Assert.Equal("Wrapping", chunks[0].Title);
        Assert.Contains("With a card.", chunks[0].Text, StringComparison.Ordinal);
        Assert.Equal("Others", chunks[1].Title);
    }

    [Fact]
    public void LongSection_IsSplit()
    {
        var chunks = KnowledgeBase.Chunk("long", "# T\n\n" + string.Join("\n\n", Enumerable.Repeat(new string('a', 300), 10))).ToList();

        Assert.True(chunks.Count >= 4);
        Assert.All(chunks, c => Assert.True(c.Text.Length <= KnowledgeBase.MaxChunkChars));
    }

    [Theory]
    [InlineData("how much does gift wrapping cost", "gift-service", "Gift wrapping")]
    [InlineData("сколько стоит подарочная упаковка", "gift-service", "Подарочная упаковка")]
    [InlineData("wie lange ist die Garantie auf Elektronik", "care-and-warranty", "Garantie")]
    [InlineData("extended warranty for my fridge", "care-and-warranty", "Extended warranty")]
    public void Search_FindsTheSection_InEachLanguage(string query, string file, string title)
    {
        var top = KnowledgeBase.Load(Folder).Search(query, 2)[0];

        Assert.StartsWith(file + "#", top.Id, StringComparison.Ordinal);
        Assert.Equal(title, top.Title);
    }

    [Fact]
    public void Search_Unrelated_FindsNothing_MissingFolder_IsEmpty()
    {
        Assert.Empty(KnowledgeBase.Load(Folder).Search("qwerty zxcv"));
        Assert.Empty(KnowledgeBase.Load(Path.Combine(Folder, "nope")).Search("gift"));
    }
}

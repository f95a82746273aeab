namespace SupportBot.Dialogs.Content;

/// <summary>One FAQ entry as support teams write it in <c>content/faq/*.yaml</c>.</summary>
public sealed class FaqEntry
{
    public string Id { get; set; } = "";

    /// <summary>Ways customers ask it, per language (en, ru, de).</summary>
    public Dictionary<string, List<string>> Questions { get; set; } = [];

    /// <summary>The answer per language.</summary>
    public Dictionary<string, string> Answer { get; set; } = [];

    public string? Product { get; set; }

    public List<string> Tags { get; set; } = [];

    /// <summary>Offer a person after answering (complaints, refunds…).</summary>
    public bool OfferHuman { get; set; }
}

namespace SupportBot.AgentConsole.Feed;

/// <summary>Marker for the interest feed page's texts (<c>FeedText.resx</c>, <c>FeedText.ru.resx</c>).</summary>
public sealed class FeedText;

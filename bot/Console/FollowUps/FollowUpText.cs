namespace SupportBot.AgentConsole.FollowUps;

/// <summary>Marker for the follow-ups panel's texts (<c>FollowUpText.resx</c>, <c>FollowUpText.ru.resx</c>).</summary>
public sealed class FollowUpText;

namespace SupportBot.AgentConsole.Reports;

/// <summary>Marker for the reports page's texts (<c>ReportsText.resx</c>, <c>ReportsText.ru.resx</c>).</summary>
public sealed class ReportsText;

namespace SupportBot.AgentConsole;

/// <summary>Marker for the console's shared texts (<c>ConsoleText.resx</c>, <c>ConsoleText.ru.resx</c>).</summary>
public sealed class ConsoleText;

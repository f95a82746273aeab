namespace SupportBot.AgentConsole.Customers;

/// <summary>Marker for the customer card's texts (<c>CustomerText.resx</c>, <c>CustomerText.ru.resx</c>).</summary>
public sealed class CustomerText;

namespace SupportBot.Contracts;

/// <summary>A choice the customer can pick; each channel renders it its own way (buttons, keyboard, numbered list).</summary>
public sealed record SuggestedChoice(string Title, string Value);

/// <summary>A reply as the bot or an agent writes it, before a channel sender shapes it for the wire.</summary>
public sealed record OutgoingMessage(string Text, IReadOnlyList<SuggestedChoice>? Choices = null);

/// <summary>
/// A request the customer made through the bot (a call-back, a complaint, a return): becomes an
/// interest record of action <c>request</c> with the collected fields, for a person to work on.
/// </summary>
public sealed record LeadRequest(string Topic, IReadOnlyDictionary<string, string> Fields);

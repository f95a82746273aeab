namespace SupportBot.Dialogs.Scripts;

/// <summary>A text per language (en, ru, de); <c>{name}</c> placeholders take collected values.</summary>
public sealed record LocalizedText(IReadOnlyDictionary<string, string> ByLanguage)
{
    public string For(string language) =>
        ByLanguage.TryGetValue(language, out var text) ? text
        : ByLanguage.TryGetValue("en", out var english) ? english
        : ByLanguage.Values.First();
}

/// <summary>The kinds of answer an <c>ask</c> step can wait for.</summary>
/// <remarks><see cref="Contact"/> takes an e-mail address or a phone number and also sets <c>&lt;variable&gt;_kind</c> to <c>email</c> or <c>phone</c>.</remarks>
public enum ScriptPromptKind { Text, Number, Choice, Confirm, Email, Phone, Date, Contact, Name }

/// <param name="Value">What is stored in the variable (stable across languages).</param>
/// <param name="Title">What the customer sees, per language.</param>
/// <param name="Synonyms">Other words that pick it, per language.</param>
public sealed record ScriptChoice(string Value, LocalizedText Title, IReadOnlyDictionary<string, IReadOnlyList<string>> Synonyms);

/// <summary>One step of a scripted dialog; <see cref="Line"/> points at it in its file for error messages.</summary>
public abstract record ScriptStep(int Line);

public sealed record SayStep(int Line, LocalizedText Text) : ScriptStep(Line);

public sealed record AskStep(
    int Line, string Variable, ScriptPromptKind Prompt, LocalizedText Text, LocalizedText? Retry,
    IReadOnlyList<ScriptChoice> Choices, int? MaxAttempts) : ScriptStep(Line);

/// <summary><c>variable == value</c> or <c>variable != value</c>; enough for support flows, and safe to evaluate.</summary>
public sealed record ScriptCondition(string Variable, bool Equal, string Value)
{
    public bool Holds(IReadOnlyDictionary<string, string> values) =>
        (values.TryGetValue(Variable, out var actual) && string.Equals(actual, Value, StringComparison.OrdinalIgnoreCase)) == Equal;
}

public sealed record BranchStep(int Line, ScriptCondition If, IReadOnlyList<ScriptStep> Then, IReadOnlyList<ScriptStep> Else) : ScriptStep(Line);

public sealed record SetStep(int Line, string Variable, string Value) : ScriptStep(Line);

/// <summary>Calls a named skill (order status, business hours, …) with arguments; its answer goes into <see cref="Result"/>.</summary>
public sealed record SkillStep(int Line, string Skill, IReadOnlyDictionary<string, string> Arguments, string? Result) : ScriptStep(Line);

/// <summary>Records an interest record of action <c>request</c> with the named collected fields.</summary>
public sealed record RequestStep(int Line, string Topic, IReadOnlyList<string> Fields) : ScriptStep(Line);

public sealed record HandoffStep(int Line, string Reason) : ScriptStep(Line);

public sealed record EndStep(int Line) : ScriptStep(Line);

/// <summary>A dialog that a support team writes in <c>content/dialogs/*.yaml</c>.</summary>
/// <param name="Triggers">Phrases that start it, per language.</param>
public sealed record DialogScript(string Id, string File, IReadOnlyDictionary<string, IReadOnlyList<string>> Triggers, IReadOnlyList<ScriptStep> Steps);

/// <summary>A dialog file is wrong; the message names the file, the line and the field.</summary>
public sealed class DialogScriptException(string file, int line, string field, string problem)
    : Exception($"{file}, line {line}, field '{field}': {problem}")
{
    public string File { get; } = file;
    public int Line { get; } = line;
    public string Field { get; } = field;
}

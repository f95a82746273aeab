using System.Text.Json.Serialization;

namespace SupportBot.Dialogs.Prompts;

/// <summary>What to do when a prompt has been answered wrongly <see cref="PromptOptions.MaxAttempts"/> times.</summary>
public enum MaxAttemptsAction
{
    /// <summary>Hand the conversation to a person (the default).</summary>
    Handoff,

    /// <summary>End the prompt with a null result; the waterfall's next step decides.</summary>
    EndWithNull,

    /// <summary>Cancel every dialog.</summary>
    CancelAll,
}

/// <summary>How a prompt shows its choices.</summary>
public enum ChoiceStyle
{
    /// <summary>Bare question; choices attached as <see cref="SupportBot.Contracts.SuggestedChoice"/> (buttons, keyboards).</summary>
    Buttons,

    /// <summary>A numbered list in the text, as well as the suggested choices.</summary>
    List,

    /// <summary>Neither.</summary>
    None,
}

/// <summary>One answer a choice prompt accepts, with other words for it.</summary>
public sealed class Choice
{
    public Choice()
    {
    }

    public Choice(string value, params string[] synonyms)
    {
        Value = value;
        Synonyms = synonyms.Length == 0 ? null : [.. synonyms];
    }

    [JsonPropertyName("v")]
    public string Value { get; set; } = "";

    /// <summary>Shown on the button; the value when null.</summary>
    [JsonPropertyName("t")]
    public string? Title { get; set; }

    [JsonPropertyName("s")]
    public List<string>? Synonyms { get; set; }

    public static implicit operator Choice(string value) => new(value);
}

/// <summary>Saved in the prompt's frame, so re-prompts after a restart say the same thing.</summary>
public sealed class PromptOptions
{
    [JsonPropertyName("p")]
    public string? Prompt { get; set; }

    /// <summary>Said after an answer that was not understood; the built-in localised line plus the prompt when null.</summary>
    [JsonPropertyName("r")]
    public string? RetryPrompt { get; set; }

    [JsonPropertyName("c")]
    public List<Choice>? Choices { get; set; }

    [JsonPropertyName("y")]
    public ChoiceStyle Style { get; set; }

    /// <summary>Failed answers before <see cref="OnMaxAttempts"/>; 0 takes the prompt's default (3).</summary>
    [JsonPropertyName("m")]
    public int MaxAttempts { get; set; }

    [JsonPropertyName("x")]
    public MaxAttemptsAction OnMaxAttempts { get; set; }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingDefault, UseStringEnumConverter = false)]
[JsonSerializable(typeof(PromptOptions))]
internal sealed partial class PromptJsonContext : JsonSerializerContext;

using SupportBot.Dialogs.Engine;

namespace SupportBot.Dialogs.Prompts;

/// <summary>What a prompt's recogniser made of the answer.</summary>
public readonly record struct PromptRecognizerResult<T>(bool Succeeded, T? Value)
{
    public static PromptRecognizerResult<T> Failed => default;

    public static PromptRecognizerResult<T> Of(T value) => new(true, value);
}

/// <summary>Extra checks on a recognised answer ("a date in the future"); return false to re-prompt.</summary>
public delegate ValueTask<bool> PromptValidator<T>(PromptValidatorContext<T> prompt, CancellationToken cancellationToken);

public sealed class PromptValidatorContext<T>(DialogContext context, PromptRecognizerResult<T> recognized, PromptOptions options, int attemptCount)
{
    public DialogContext Context { get; } = context;

    public PromptRecognizerResult<T> Recognized { get; } = recognized;

    public PromptOptions Options { get; } = options;

    /// <summary>1 on the first answer, 2 on the second, …</summary>
    public int AttemptCount { get; } = attemptCount;
}

using System.Text.Json;
using SupportBot.Contracts;
using SupportBot.Dialogs.Engine;

namespace SupportBot.Dialogs.Prompts;

/// <summary>Non-generic face of every prompt, so the runner can re-ask the current question after "help".</summary>
public abstract class PromptBase : Dialog
{
    protected PromptBase(string id)
        : base(id)
    {
    }

    /// <summary>Failed answers allowed when <see cref="PromptOptions.MaxAttempts"/> is 0.</summary>
    public int DefaultMaxAttempts { get; init; } = 3;

    internal abstract ValueTask RepromptAsync(DialogContext dc, DialogInstance frame, CancellationToken cancellationToken);

    /// <summary>True when the answer is certainly meant for this prompt (an exact choice), so interruptions don't take it.</summary>
    internal virtual bool ClaimsAnswer(DialogContext dc, DialogInstance frame) => false;

    protected static PromptOptions OptionsOf(DialogInstance frame) => frame.State as PromptOptions ?? new PromptOptions();

    protected internal override void WriteState(Utf8JsonWriter writer, object state) =>
        JsonSerializer.Serialize(writer, (PromptOptions)state, PromptJsonContext.Default.PromptOptions);

    protected internal override object? ReadState(ref Utf8JsonReader reader) =>
        JsonSerializer.Deserialize(ref reader, PromptJsonContext.Default.PromptOptions);
}

/// <summary>
/// Asks <see cref="PromptOptions.Prompt"/>, recognises the answer, runs the validator, and ends with the
/// value; otherwise re-asks, and after <see cref="PromptOptions.MaxAttempts"/> failures does
/// <see cref="PromptOptions.OnMaxAttempts"/> (by default hands off to a person).
/// </summary>
public abstract class Prompt<T> : PromptBase
{
    private readonly PromptValidator<T>? _validator;

    protected Prompt(string id, PromptValidator<T>? validator = null)
        : base(id) => _validator = validator;

    public override ValueTask<DialogTurnResult> BeginAsync(DialogContext dc, object? options, CancellationToken cancellationToken)
    {
        var promptOptions = options as PromptOptions
            ?? throw new ArgumentException($"Prompt '{Id}' needs PromptOptions.", nameof(options));
        var frame = dc.ActiveDialog!;
        frame.State = promptOptions;
        frame.Step = 0;
        dc.Turn.Add(Render(dc, promptOptions, retry: false));
        return ValueTask.FromResult(EndOfTurn);
    }

    public override async ValueTask<DialogTurnResult> ContinueAsync(DialogContext dc, CancellationToken cancellationToken)
    {
        var frame = dc.ActiveDialog!;
        var options = OptionsOf(frame);
        var attempts = ++frame.Step;
        var recognized = dc.Text.Length == 0 ? PromptRecognizerResult<T>.Failed : Recognize(dc, dc.Text, options);
        var valid = recognized.Succeeded;
        var repliesBefore = dc.Turn.Replies.Count;
        if (_validator is not null)
        {
            valid = await _validator(new PromptValidatorContext<T>(dc, recognized, options, attempts), cancellationToken);
        }

        if (valid)
        {
            return await dc.EndDialogAsync(recognized.Value, cancellationToken);
        }

        var max = options.MaxAttempts > 0 ? options.MaxAttempts : DefaultMaxAttempts;
        if (attempts >= max)
        {
            switch (options.OnMaxAttempts)
            {
                case MaxAttemptsAction.EndWithNull:
                    return await dc.EndDialogAsync(null, cancellationToken);
                case MaxAttemptsAction.CancelAll:
                    dc.Turn.Add(new OutgoingMessage(DialogMessages.Get(DialogMessages.Cancelled, dc.Language)));
                    return await dc.CancelAllDialogsAsync(cancellationToken);
                default:
                    dc.Turn.Add(new OutgoingMessage(DialogMessages.Get(DialogMessages.HandoffAfterAttempts, dc.Language)));
                    return await dc.HandoffAsync("prompt-max-attempts:" + Id, cancellationToken);
            }
        }

        if (dc.Turn.Replies.Count == repliesBefore)
        {
            dc.Turn.Add(Render(dc, options, retry: true));
        }

        return EndOfTurn;
    }

    /// <summary>What this prompt made of <paramref name="text"/> (trimmed, not empty).</summary>
    protected abstract PromptRecognizerResult<T> Recognize(DialogContext dc, string text, PromptOptions options);

    /// <summary>The built-in "didn't understand" line for this prompt type, per language.</summary>
    protected virtual string DefaultRetryText(string language) => DialogMessages.Get(DialogMessages.RetryText, language);

    /// <summary>Choices shown with the question (a choice or confirm prompt's own), or none.</summary>
    protected virtual IReadOnlyList<Choice>? ChoicesFor(DialogContext dc, PromptOptions options) => options.Choices;

    internal override ValueTask RepromptAsync(DialogContext dc, DialogInstance frame, CancellationToken cancellationToken)
    {
        dc.Turn.Add(Render(dc, OptionsOf(frame), retry: false));
        return ValueTask.CompletedTask;
    }

    private OutgoingMessage Render(DialogContext dc, PromptOptions options, bool retry)
    {
        string text;
        if (retry)
        {
            text = options.RetryPrompt ?? (options.Prompt is null
                ? DefaultRetryText(dc.Language)
                : DefaultRetryText(dc.Language) + " " + options.Prompt);
        }
        else
        {
            text = options.Prompt ?? "";
        }

        var choices = options.Style == ChoiceStyle.None ? null : ChoicesFor(dc, options);
        if (choices is null || choices.Count == 0)
        {
            return new OutgoingMessage(text);
        }

        var suggested = new SuggestedChoice[choices.Count];
        for (var i = 0; i < choices.Count; i++)
        {
            suggested[i] = new SuggestedChoice(choices[i].Title ?? choices[i].Value, choices[i].Value);
        }

        if (options.Style == ChoiceStyle.List)
        {
            var builder = new System.Text.StringBuilder(text);
            for (var i = 0; i < choices.Count; i++)
            {
                builder.Append('\n').Append(i + 1).Append(". ").Append(choices[i].Title ?? choices[i].Value);
            }

            text = builder.ToString();
        }

        return new OutgoingMessage(text, suggested);
    }
}

using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using SupportBot.Contracts;
using SupportBot.Dialogs.Prompts;

namespace SupportBot.Dialogs.Engine;

/// <summary>One step of a waterfall: ask something (a prompt), or act on the previous step's result.</summary>
public delegate ValueTask<DialogTurnResult> WaterfallStep<TState>(WaterfallStepContext<TState> step, CancellationToken cancellationToken)
    where TState : class, new();

/// <summary>
/// Steps run one after another; each step's result (a prompt's answer) is the next step's
/// <see cref="WaterfallStepContext{TState}.Result"/>. <typeparamref name="TState"/> is a POCO kept
/// for the dialog's lifetime and saved with the stack through <paramref name="stateType"/>
/// (a System.Text.Json source-generated JsonTypeInfo; no reflection).
/// </summary>
public class WaterfallDialog<TState> : Dialog
    where TState : class, new()
{
    private readonly List<WaterfallStep<TState>> _steps = [];
    private readonly JsonTypeInfo<TState> _stateType;

    public WaterfallDialog(string id, JsonTypeInfo<TState> stateType, params WaterfallStep<TState>[] steps)
        : base(id)
    {
        ArgumentNullException.ThrowIfNull(stateType);
        _stateType = stateType;
        _steps.AddRange(steps);
    }

    public int StepCount => _steps.Count;

    public WaterfallDialog<TState> AddStep(WaterfallStep<TState> step)
    {
        ArgumentNullException.ThrowIfNull(step);
        _steps.Add(step);
        return this;
    }

    /// <summary>Options, when given, must be a <typeparamref name="TState"/> to start from.</summary>
    public override ValueTask<DialogTurnResult> BeginAsync(DialogContext dc, object? options, CancellationToken cancellationToken)
    {
        var frame = dc.ActiveDialog!;
        frame.State = options as TState ?? new TState();
        frame.Step = 0;
        return RunStepAsync(dc, frame, 0, null, cancellationToken);
    }

    /// <summary>No prompt was waiting: the message's text is the current step's result.</summary>
    public override ValueTask<DialogTurnResult> ContinueAsync(DialogContext dc, CancellationToken cancellationToken) =>
        ResumeAsync(dc, dc.Activity.Text, cancellationToken);

    public override ValueTask<DialogTurnResult> ResumeAsync(DialogContext dc, object? result, CancellationToken cancellationToken)
    {
        var frame = dc.ActiveDialog!;
        return RunStepAsync(dc, frame, frame.Step + 1, result, cancellationToken);
    }

    internal ValueTask<DialogTurnResult> RunStepAsync(DialogContext dc, DialogInstance frame, int index, object? result, CancellationToken cancellationToken)
    {
        if (index >= _steps.Count)
        {
            return dc.EndDialogAsync(result, cancellationToken);
        }

        frame.Step = index;
        frame.State ??= new TState();
        var step = new WaterfallStepContext<TState>(this, dc, frame, index, result);
        return _steps[index](step, cancellationToken);
    }

    protected internal override void WriteState(Utf8JsonWriter writer, object state) =>
        JsonSerializer.Serialize(writer, (TState)state, _stateType);

    protected internal override object? ReadState(ref Utf8JsonReader reader) =>
        JsonSerializer.Deserialize(ref reader, _stateType);
}

/// <summary>What a waterfall step sees: typed <see cref="State"/>, the previous step's result, and the dialog verbs.</summary>
public sealed class WaterfallStepContext<TState>
    where TState : class, new()
{
    private readonly WaterfallDialog<TState> _dialog;
    private readonly DialogInstance _frame;
    private bool _advanced;

    internal WaterfallStepContext(WaterfallDialog<TState> dialog, DialogContext context, DialogInstance frame, int index, object? result)
    {
        _dialog = dialog;
        Context = context;
        _frame = frame;
        Index = index;
        RawResult = result;
    }

    public DialogContext Context { get; }

    /// <summary>The dialog's state, kept across steps and turns.</summary>
    public TState State => (TState)_frame.State!;

    /// <summary>This step's index, from 0.</summary>
    public int Index { get; }

    /// <summary>The previous step's result (a prompt's recognised value), or null; <see cref="Result{T}"/> gives it typed.</summary>
    public object? RawResult { get; }

    public string Language => Context.Language;

    public ChannelActivity Activity => Context.Activity;

    /// <summary>The previous step's result as <typeparamref name="T"/>; throws when it is something else.</summary>
    public T Result<T>() => RawResult is T value
        ? value
        : throw new InvalidOperationException($"Step {Index} of '{_dialog.Id}' expected a {typeof(T).Name} result but got {(RawResult is null ? "null" : RawResult.GetType().Name)}.");

    /// <summary>Skips to the next step now, with <paramref name="result"/> as its result.</summary>
    public ValueTask<DialogTurnResult> NextAsync(object? result = null, CancellationToken cancellationToken = default)
    {
        if (_advanced)
        {
            throw new InvalidOperationException($"NextAsync called twice in step {Index} of '{_dialog.Id}'.");
        }

        _advanced = true;
        return _dialog.RunStepAsync(Context, _frame, Index + 1, result, cancellationToken);
    }

    public ValueTask<DialogTurnResult> PromptAsync(string dialogId, PromptOptions options, CancellationToken cancellationToken = default) =>
        Context.PromptAsync(dialogId, options, cancellationToken);

    public ValueTask<DialogTurnResult> BeginDialogAsync(string dialogId, object? options = null, CancellationToken cancellationToken = default) =>
        Context.BeginDialogAsync(dialogId, options, cancellationToken);

    public ValueTask<DialogTurnResult> EndDialogAsync(object? result = null, CancellationToken cancellationToken = default) =>
        Context.EndDialogAsync(result, cancellationToken);

    public ValueTask<DialogTurnResult> ReplaceDialogAsync(string dialogId, object? options = null, CancellationToken cancellationToken = default) =>
        Context.ReplaceDialogAsync(dialogId, options, cancellationToken);

    public ValueTask<DialogTurnResult> CancelAllDialogsAsync(CancellationToken cancellationToken = default) =>
        Context.CancelAllDialogsAsync(cancellationToken);

    public ValueTask<DialogTurnResult> HandoffAsync(string reason, CancellationToken cancellationToken = default) =>
        Context.HandoffAsync(reason, cancellationToken);

    public ValueTask SendAsync(string text, CancellationToken cancellationToken = default) => Context.SendAsync(text, cancellationToken);

    public ValueTask SendAsync(OutgoingMessage message, CancellationToken cancellationToken = default) => Context.SendAsync(message, cancellationToken);
}

using System.Text.Json;

namespace SupportBot.Dialogs.Engine;

/// <summary>How a turn (or a call on the dialog stack) ended.</summary>
public enum DialogTurnStatus
{
    /// <summary>Nothing was on the stack and nothing was begun.</summary>
    Empty,

    /// <summary>A dialog waits for the customer's next message.</summary>
    Waiting,

    /// <summary>The stack's last dialog ended.</summary>
    Complete,

    /// <summary>The dialogs were cancelled (by the customer or by a dialog).</summary>
    Cancelled,

    /// <summary>The conversation goes to a person; the stack was cleared.</summary>
    HandedOff,
}

/// <summary>The outcome of Begin/Continue/Resume/End. The common ones are cached, so waiting costs no allocation.</summary>
public sealed class DialogTurnResult
{
    public static readonly DialogTurnResult Waiting = new(DialogTurnStatus.Waiting);
    public static readonly DialogTurnResult Empty = new(DialogTurnStatus.Empty);
    public static readonly DialogTurnResult Cancelled = new(DialogTurnStatus.Cancelled);
    public static readonly DialogTurnResult HandedOff = new(DialogTurnStatus.HandedOff);
    public static readonly DialogTurnResult CompleteWithoutResult = new(DialogTurnStatus.Complete);

    public DialogTurnResult(DialogTurnStatus status, object? result = null)
    {
        Status = status;
        Result = result;
    }

    public DialogTurnStatus Status { get; }

    /// <summary>What the ended dialog returned (Complete only).</summary>
    public object? Result { get; }

    public override string ToString() => $"{Status}{(Result is null ? "" : ": " + Result)}";
}

/// <summary>One frame of the dialog stack, as saved between turns.</summary>
public sealed class DialogInstance
{
    public DialogInstance(string id) => Id = id;

    public string Id { get; }

    /// <summary>A waterfall's step index, or a prompt's attempt count.</summary>
    public int Step { get; set; }

    /// <summary>The dialog's own state (a waterfall's POCO, a prompt's options, a component's inner stack); written by the dialog.</summary>
    public object? State { get; set; }
}

/// <summary>
/// A unit of conversation. Override <see cref="BeginAsync"/> (pushed on the stack), <see cref="ContinueAsync"/>
/// (the customer wrote while this dialog was on top) and <see cref="ResumeAsync"/> (a child dialog ended).
/// Instances are shared by every conversation: keep per-conversation data in <see cref="DialogContext.ActiveDialog"/>.State.
/// </summary>
public abstract class Dialog
{
    /// <summary>Return from a dialog to wait for the next message.</summary>
    public static readonly DialogTurnResult EndOfTurn = DialogTurnResult.Waiting;

    protected Dialog(string id)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        Id = id;
    }

    public string Id { get; }

    public abstract ValueTask<DialogTurnResult> BeginAsync(DialogContext dc, object? options, CancellationToken cancellationToken);

    /// <summary>Default: end, returning nothing.</summary>
    public virtual ValueTask<DialogTurnResult> ContinueAsync(DialogContext dc, CancellationToken cancellationToken) =>
        dc.EndDialogAsync(null, cancellationToken);

    /// <summary>A child dialog this one began has ended with <paramref name="result"/>. Default: end with the same result.</summary>
    public virtual ValueTask<DialogTurnResult> ResumeAsync(DialogContext dc, object? result, CancellationToken cancellationToken) =>
        dc.EndDialogAsync(result, cancellationToken);

    /// <summary>
    /// True when this dialog can ask its open question again from scratch (<see cref="AskAgainAsync"/>): the customer
    /// switched languages, and the question saved with the prompt is in the old one.
    /// </summary>
    public virtual bool CanAskAgain => false;

    /// <summary>The prompt this dialog began has been dropped: begin it again, worded in <see cref="DialogContext.Language"/>.</summary>
    public virtual ValueTask<DialogTurnResult> AskAgainAsync(DialogContext dc, CancellationToken cancellationToken) =>
        throw new NotSupportedException($"The dialog '{Id}' cannot ask again.");

    /// <summary>Writes <see cref="DialogInstance.State"/> as one JSON value. Only called when the state is not null.</summary>
    protected internal virtual void WriteState(Utf8JsonWriter writer, object state) => writer.WriteNullValue();

    /// <summary>Reads what <see cref="WriteState"/> wrote; the reader is on the value's first token.</summary>
    protected internal virtual object? ReadState(ref Utf8JsonReader reader)
    {
        reader.Skip();
        return null;
    }
}

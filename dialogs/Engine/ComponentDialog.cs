using System.Text.Json;

namespace SupportBot.Dialogs.Engine;

/// <summary>
/// A dialog made of dialogs: its own <see cref="Dialogs"/> set and its own stack (saved as its state),
/// so inner ids never clash with the bot's. Ends when its inner stack completes, with the inner result.
/// </summary>
public class ComponentDialog : Dialog
{
    protected ComponentDialog(string id)
        : base(id)
    {
    }

    /// <summary>The inner set; the first dialog added is the initial one unless <see cref="InitialDialogId"/> says otherwise.</summary>
    public DialogSet Dialogs { get; } = new();

    public string? InitialDialogId { get; protected set; }

    protected ComponentDialog AddDialog(Dialog dialog)
    {
        Dialogs.Add(dialog);
        InitialDialogId ??= dialog.Id;
        return this;
    }

    public override async ValueTask<DialogTurnResult> BeginAsync(DialogContext dc, object? options, CancellationToken cancellationToken)
    {
        var frame = dc.ActiveDialog!;
        var stack = new List<DialogInstance>(2);
        frame.State = stack;
        var inner = new DialogContext(Dialogs, dc.Turn, stack, dc);
        var result = await inner.BeginDialogAsync(InitialDialogId ?? throw new InvalidOperationException($"Component '{Id}' has no dialogs."), options, cancellationToken);
        return await AfterInnerAsync(dc, result, cancellationToken);
    }

    public override async ValueTask<DialogTurnResult> ContinueAsync(DialogContext dc, CancellationToken cancellationToken)
    {
        var frame = dc.ActiveDialog!;
        if (frame.State is not List<DialogInstance> stack)
        {
            stack = [];
            frame.State = stack;
        }

        var inner = new DialogContext(Dialogs, dc.Turn, stack, dc);
        var result = await inner.ContinueDialogAsync(cancellationToken);
        return await AfterInnerAsync(dc, result, cancellationToken);
    }

    /// <summary>A component keeps its children on its own stack, so nothing outer resumes it; wait.</summary>
    public override ValueTask<DialogTurnResult> ResumeAsync(DialogContext dc, object? result, CancellationToken cancellationToken) =>
        ValueTask.FromResult(EndOfTurn);

    /// <summary>The innermost context (for interruptions such as help, which re-asks the current prompt).</summary>
    internal DialogContext CreateInnerContext(DialogContext dc, DialogInstance frame)
    {
        if (frame.State is not List<DialogInstance> stack)
        {
            stack = [];
            frame.State = stack;
        }

        return new DialogContext(Dialogs, dc.Turn, stack, dc);
    }

    private static ValueTask<DialogTurnResult> AfterInnerAsync(DialogContext dc, DialogTurnResult result, CancellationToken cancellationToken) =>
        result.Status switch
        {
            DialogTurnStatus.Complete => dc.EndDialogAsync(result.Result, cancellationToken),
            DialogTurnStatus.Empty => dc.EndDialogAsync(null, cancellationToken),
            _ => ValueTask.FromResult(result), // Waiting; Cancelled and HandedOff already cleared every stack
        };

    protected internal override void WriteState(Utf8JsonWriter writer, object state) =>
        DialogStateSerializer.WriteStack(writer, (List<DialogInstance>)state, Dialogs);

    protected internal override object? ReadState(ref Utf8JsonReader reader) =>
        DialogStateSerializer.ReadStack(ref reader, Dialogs);
}

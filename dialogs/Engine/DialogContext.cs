using SupportBot.Contracts;
using SupportBot.Dialogs.Prompts;

namespace SupportBot.Dialogs.Engine;

/// <summary>
/// A dialog stack being worked on during one turn: the verbs of Bot Framework's DialogContext
/// (Begin, Continue, End, Replace, CancelAll, Prompt) plus <see cref="SendAsync"/> and <see cref="HandoffAsync"/>.
/// </summary>
public sealed class DialogContext
{
    internal DialogContext(DialogSet dialogs, DialogTurn turn, List<DialogInstance> stack, DialogContext? parent = null)
    {
        Dialogs = dialogs;
        Turn = turn;
        Stack = stack;
        Parent = parent;
    }

    public DialogSet Dialogs { get; }

    public DialogTurn Turn { get; }

    public ChannelActivity Activity => Turn.Activity;

    /// <summary>The customer's text, trimmed ("" when none).</summary>
    public string Text => Turn.TextConsumed ? "" : Turn.Activity.Text?.Trim() ?? "";

    /// <summary>en, ru or de.</summary>
    public string Language => Turn.Language;

    /// <summary>The stack, top last.</summary>
    public List<DialogInstance> Stack { get; }

    /// <summary>The context of the component dialog this stack belongs to, if any.</summary>
    public DialogContext? Parent { get; }

    public DialogInstance? ActiveDialog => Stack.Count == 0 ? null : Stack[^1];

    /// <summary>Queues a reply; the host sends replies after the turn's state is saved.</summary>
    public ValueTask SendAsync(OutgoingMessage message, CancellationToken cancellationToken = default)
    {
        Turn.Add(message);
        return ValueTask.CompletedTask;
    }

    public ValueTask SendAsync(string text, CancellationToken cancellationToken = default) =>
        SendAsync(new OutgoingMessage(text), cancellationToken);

    public ValueTask<DialogTurnResult> BeginDialogAsync(string dialogId, object? options = null, CancellationToken cancellationToken = default)
    {
        var dialog = Dialogs.Find(dialogId)
            ?? throw new InvalidOperationException($"BeginDialogAsync: no dialog with id '{dialogId}' in this set (components have their own).");
        Stack.Add(new DialogInstance(dialogId));
        return dialog.BeginAsync(this, options, cancellationToken);
    }

    public ValueTask<DialogTurnResult> PromptAsync(string dialogId, PromptOptions options, CancellationToken cancellationToken = default) =>
        BeginDialogAsync(dialogId, options, cancellationToken);

    /// <summary>Hands the customer's message to the dialog on top; <see cref="DialogTurnResult.Empty"/> when the stack is empty.</summary>
    public ValueTask<DialogTurnResult> ContinueDialogAsync(CancellationToken cancellationToken = default)
    {
        var active = ActiveDialog;
        if (active is null)
        {
            return ValueTask.FromResult(DialogTurnResult.Empty);
        }

        return FindOrThrow(active.Id).ContinueAsync(this, cancellationToken);
    }

    /// <summary>Pops the active dialog and resumes its parent with <paramref name="result"/>; Complete when the stack empties.</summary>
    public ValueTask<DialogTurnResult> EndDialogAsync(object? result = null, CancellationToken cancellationToken = default)
    {
        if (Stack.Count > 0)
        {
            Stack.RemoveAt(Stack.Count - 1);
        }

        var parent = ActiveDialog;
        if (parent is null)
        {
            return ValueTask.FromResult(result is null ? DialogTurnResult.CompleteWithoutResult : new DialogTurnResult(DialogTurnStatus.Complete, result));
        }

        return FindOrThrow(parent.Id).ResumeAsync(this, result, cancellationToken);
    }

    /// <summary>Ends the active dialog without resuming its parent and begins another in its place.</summary>
    public ValueTask<DialogTurnResult> ReplaceDialogAsync(string dialogId, object? options = null, CancellationToken cancellationToken = default)
    {
        if (Stack.Count > 0)
        {
            Stack.RemoveAt(Stack.Count - 1);
        }

        return BeginDialogAsync(dialogId, options, cancellationToken);
    }

    /// <summary>Empties the stack (and, inside a component, the stacks above it).</summary>
    public ValueTask<DialogTurnResult> CancelAllDialogsAsync(CancellationToken cancellationToken = default)
    {
        ClearAll();
        return ValueTask.FromResult(DialogTurnResult.Cancelled);
    }

    /// <summary>Ends every dialog and asks the host to pass the conversation to a person.</summary>
    public ValueTask<DialogTurnResult> HandoffAsync(string reason, CancellationToken cancellationToken = default)
    {
        Turn.HandoffReason = reason;
        ClearAll();
        return ValueTask.FromResult(DialogTurnResult.HandedOff);
    }

    private void ClearAll()
    {
        for (var context = this; context is not null; context = context.Parent)
        {
            context.Stack.Clear();
        }
    }

    private Dialog FindOrThrow(string id) =>
        Dialogs.Find(id) ?? throw new InvalidOperationException($"The stack names dialog '{id}', which is not registered.");
}

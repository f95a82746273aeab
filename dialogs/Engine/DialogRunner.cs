using System.Buffers;
using System.Text.Json;
using SupportBot.Contracts;
using SupportBot.Dialogs.Prompts;

namespace SupportBot.Dialogs.Engine;

public sealed class DialogRunnerOptions
{
    /// <summary>"Now" for date prompts (FakeTimeProvider in tests).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The time zone "today" and "tomorrow" are in.</summary>
    public TimeZoneInfo TimeZone { get; init; } = TimeZoneInfo.Utc;

    /// <summary>The time zone for a customer of this language (e.g. the department that serves it); when set, it wins over <see cref="TimeZone"/>.</summary>
    public Func<string, TimeZoneInfo>? TimeZoneFor { get; init; }

    /// <summary>Help, cancel, start over and "human" at any step (on by default).</summary>
    public bool Interruptions { get; init; } = true;

    /// <summary>How often a turn is run again on fresh state after a <see cref="ConcurrencyException"/>.</summary>
    public int MaxConflictRetries { get; init; } = 5;

    public string DefaultLanguage { get; init; } = "en";

    /// <summary>
    /// What is said, per language, when the customer asks for a person and is handed off; null for the engine's own
    /// line. A bot with content of its own passes its line, so the customer hears the same words however they asked.
    /// </summary>
    public Func<string, string>? HandoffText { get; init; }
}

/// <summary>What a turn produced.</summary>
public sealed class DialogRunResult(
    DialogTurnStatus status, object? result, IReadOnlyList<OutgoingMessage> replies, string? handoffReason, int conflicts, IReadOnlyList<LeadRequest>? requests = null,
    IReadOnlyDictionary<string, string>? recordFields = null)
{
    public DialogTurnStatus Status { get; } = status;

    /// <summary>The root dialog's result when it completed this turn.</summary>
    public object? Result { get; } = result;

    /// <summary>To send, in order, once the state is saved.</summary>
    public IReadOnlyList<OutgoingMessage> Replies { get; } = replies;

    /// <summary>Set when the conversation should go to a person (the host switches the owner).</summary>
    public string? HandoffReason { get; } = handoffReason;

    /// <summary>Times the turn was run again because a concurrent turn saved first.</summary>
    public int Conflicts { get; } = conflicts;

    /// <summary>Requests the customer made in this turn.</summary>
    public IReadOnlyList<LeadRequest> Requests { get; } = requests ?? [];

    /// <summary>Fields for the inbound interest record of this turn's message; null when none.</summary>
    public IReadOnlyDictionary<string, string>? RecordFields { get; } = recordFields;
}

/// <summary>
/// Runs turns: continues the active dialog or begins the root one, after checking for interruptions.
/// <see cref="RunAsync"/> loads and saves through an <see cref="IDialogStateStore"/> and retries on a
/// concurrent save; <see cref="RunTurnAsync"/> works on a state the host loads and commits itself.
/// One instance serves every conversation.
/// </summary>
public sealed class DialogRunner
{
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    private readonly string _rootDialogId;

    public DialogRunner(DialogSet dialogs, string rootDialogId, DialogRunnerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(dialogs);
        if (!dialogs.Contains(rootDialogId))
        {
            throw new ArgumentException($"The root dialog '{rootDialogId}' is not registered.", nameof(rootDialogId));
        }

        Dialogs = dialogs;
        _rootDialogId = rootDialogId;
        Options = options ?? new DialogRunnerOptions();
        Serializer = new DialogStateSerializer(dialogs);
    }

    public DialogSet Dialogs { get; }

    public DialogRunnerOptions Options { get; }

    public DialogStateSerializer Serializer { get; }

    /// <summary>
    /// Load, run, save (compare-and-set); on a conflict, run the turn again on fresh state. Replies of a lost attempt are
    /// dropped. After <see cref="DialogRunnerOptions.MaxConflictRetries"/> lost attempts the <see cref="ConcurrencyException"/> propagates.
    /// </summary>
    public async ValueTask<DialogRunResult> RunAsync(ChannelActivity activity, IDialogStateStore store, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(activity);
        ArgumentNullException.ThrowIfNull(store);
        for (var conflicts = 0; ; conflicts++)
        {
            var stored = await store.LoadAsync(activity.ConversationId, cancellationToken).ConfigureAwait(false);
            var state = Load(stored);
            var result = await RunTurnAsync(activity, state, cancellationToken).ConfigureAwait(false);
            var json = Serialize(state, stored.Version + 1);
            try
            {
                await store.SaveAsync(activity.ConversationId, json, stored.Version, cancellationToken).ConfigureAwait(false);
                return conflicts == 0 ? result : new DialogRunResult(result.Status, result.Result, result.Replies, result.HandoffReason, conflicts, result.Requests, result.RecordFields);
            }
            catch (ConcurrencyException) when (conflicts < Options.MaxConflictRetries)
            {
                // someone else's turn won: run ours again on what they saved
            }
        }
    }

    /// <summary>One turn on an in-memory state (mutated in place).</summary>
    public async ValueTask<DialogRunResult> RunTurnAsync(ChannelActivity activity, DialogState state, CancellationToken cancellationToken = default)
    {
        var text = activity.Text?.Trim() ?? "";
        state.Language = PickLanguage(state.Language, activity, text);
        var turn = new DialogTurn(activity, state.Language, Options.Time, Options.TimeZoneFor?.Invoke(state.Language) ?? Options.TimeZone);
        var dc = new DialogContext(Dialogs, turn, state.Stack);
        DialogTurnResult result;
        var interruption = Options.Interruptions && activity.Kind != ActivityKind.ConversationStart ? InterruptionRecognizer.Recognize(text) : Interruption.None;
        turn.Interruption = interruption;
        // "A person" and "start over" mean the same with no dialog active; help and cancel there are left to the root dialog.
        if (interruption != Interruption.None && (interruption is Interruption.Human or Interruption.StartOver || state.Stack.Count > 0) && !ActivePromptClaims(dc))
        {
            result = await InterruptAsync(dc, interruption, cancellationToken).ConfigureAwait(false);
        }
        else if (state.Stack.Count > 0)
        {
            result = activity.Kind == ActivityKind.ConversationStart ? DialogTurnResult.Waiting : await dc.ContinueDialogAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            result = await dc.BeginDialogAsync(_rootDialogId, null, cancellationToken).ConfigureAwait(false);
        }

        if (result.Status == DialogTurnStatus.HandedOff || turn.HandoffReason is not null)
        {
            state.Stack.Clear();
        }

        state.Language = turn.Language;
        return new DialogRunResult(turn.HandoffReason is null ? result.Status : DialogTurnStatus.HandedOff, result.Result, turn.Replies, turn.HandoffReason, 0, turn.Requests, turn.RecordFieldsOrNull);
    }

    /// <summary>
    /// The open question once more, in <see cref="DialogState.Language"/> (the customer just switched languages): the
    /// dialog that asked it words it anew where it can, else the prompt repeats what it saved. No replies when no
    /// prompt is open. The state is changed in place (the prompt's frame and its attempts start afresh).
    /// </summary>
    public async ValueTask<IReadOnlyList<OutgoingMessage>> AskAgainAsync(ChannelActivity activity, DialogState state, CancellationToken cancellationToken = default)
    {
        var language = state.Language ?? Options.DefaultLanguage;
        var turn = new DialogTurn(activity, language, Options.Time, Options.TimeZoneFor?.Invoke(language) ?? Options.TimeZone);
        var (inner, frame) = Innermost(new DialogContext(Dialogs, turn, state.Stack));
        if (frame is null || inner.Dialogs.Find(frame.Id) is not PromptBase prompt)
        {
            return [];
        }

        if (inner.Stack.Count >= 2 && inner.Dialogs.Find(inner.Stack[^2].Id) is { CanAskAgain: true } asker)
        {
            inner.Stack.RemoveAt(inner.Stack.Count - 1);
            await asker.AskAgainAsync(inner, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await prompt.RepromptAsync(inner, frame, cancellationToken).ConfigureAwait(false);
        }

        return turn.Replies;
    }

    /// <summary>A stored state as objects; a value that cannot be read starts afresh (keeping its version for the compare-and-set).</summary>
    public DialogState Load(StoredDialogState stored)
    {
        DialogState state;
        try
        {
            state = Serializer.Deserialize(stored.Json.Span);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            state = new DialogState();
        }

        state.Version = stored.Version;
        return state;
    }

    /// <summary>The state's JSON with <paramref name="version"/>, as a new array (stores may keep it).</summary>
    public byte[] Serialize(DialogState state, long version)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(512);
        buffer.ResetWrittenCount();
        Serializer.Write(buffer, state, version);
        return buffer.WrittenSpan.ToArray();
    }

    private async ValueTask<DialogTurnResult> InterruptAsync(DialogContext dc, Interruption interruption, CancellationToken cancellationToken)
    {
        var language = dc.Language;
        switch (interruption)
        {
            case Interruption.Help:
                await dc.SendAsync(DialogMessages.Get(DialogMessages.Help, language), cancellationToken).ConfigureAwait(false);
                var (inner, frame) = Innermost(dc);
                if (frame is not null && inner.Dialogs.Find(frame.Id) is PromptBase prompt)
                {
                    await prompt.RepromptAsync(inner, frame, cancellationToken).ConfigureAwait(false);
                }

                return Dialog.EndOfTurn;
            case Interruption.Cancel:
                await dc.SendAsync(DialogMessages.Get(DialogMessages.Cancelled, language), cancellationToken).ConfigureAwait(false);
                return await dc.CancelAllDialogsAsync(cancellationToken).ConfigureAwait(false);
            case Interruption.StartOver:
                await dc.SendAsync(DialogMessages.Get(DialogMessages.StartingOver, language), cancellationToken).ConfigureAwait(false);
                dc.Stack.Clear();
                dc.Turn.TextConsumed = true;
                return await dc.BeginDialogAsync(_rootDialogId, null, cancellationToken).ConfigureAwait(false);
            default:
                await dc.SendAsync(Options.HandoffText?.Invoke(language) ?? DialogMessages.Get(DialogMessages.Handoff, language), cancellationToken).ConfigureAwait(false);
                return await dc.HandoffAsync("customer-request", cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>An answer the active prompt certainly takes (a choice named "Talk to an agent") is not an interruption.</summary>
    private static bool ActivePromptClaims(DialogContext dc)
    {
        var (inner, frame) = Innermost(dc);
        return frame is not null && inner.Dialogs.Find(frame.Id) is PromptBase prompt && prompt.ClaimsAnswer(inner, frame);
    }

    private static (DialogContext Context, DialogInstance? Frame) Innermost(DialogContext dc)
    {
        var context = dc;
        var frame = context.ActiveDialog;
        while (frame is not null && context.Dialogs.Find(frame.Id) is ComponentDialog component)
        {
            context = component.CreateInnerContext(context, frame);
            frame = context.ActiveDialog;
        }

        return (context, frame);
    }

    private string PickLanguage(string? current, ChannelActivity activity, string text)
    {
        if (current is null)
        {
            return LanguageDetector.FromLocale(activity.Locale)
                ?? (text.Length > 0 ? LanguageDetector.FromText(text, Options.DefaultLanguage) : Options.DefaultLanguage);
        }

        // switching to Russian is cheap to see (Cyrillic); German or English need the full detector
        if (current != "ru" && text.AsSpan().IndexOfAnyInRange('\u0400', '\u04FF') >= 0)
        {
            return "ru";
        }

        return current;
    }
}

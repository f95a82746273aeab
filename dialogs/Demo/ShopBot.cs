using System.Text.Json;
using Microsoft.Extensions.Logging;
using SupportBot.Contracts;
using SupportBot.Dialogs.Content;
using SupportBot.Dialogs.Engine;
using SupportBot.Dialogs.Enrichment;
using SupportBot.Dialogs.Faq;
using SupportBot.Dialogs.Llm;
using SupportBot.Dialogs.Prompts.Recognizers;
using SupportBot.Dialogs.Scripts;

namespace SupportBot.Dialogs.Demo;

/// <summary>
/// The shipped demo bot, on the dialog engine: greets, answers shop questions with the FAQ
/// recognizer, starts scripted dialogs (content/dialogs) by their trigger phrases, and hands the
/// conversation to a person when asked. Everything built from content is rebuilt when the
/// content reloads; a conversation mid-dialog keeps its place.
/// </summary>
public sealed partial class ShopBot : IConversationBot, IDisposable
{
    private readonly ContentLibrary? _library;
    private readonly TimeProvider _time;
    private readonly Func<string, TimeZoneInfo>? _timeZoneFor;
    private readonly ILogger _logger;
    private readonly ILlmAssistant? _llm;
    private Brain _brain;

    /// <summary>The conversation-state value that counts "I don't understand" answers in a row.</summary>
    internal const string MisunderstoodKey = "misunderstood";

    /// <summary>After this many "I don't understand" answers in a row the bot brings in a person; 0 = never.</summary>
    public int UnrecognizedBeforeHandoff { get; init; } = 3;

    /// <summary>A negative message (on-machine sentiment) brings in a person at once.</summary>
    public bool NegativeSentimentHandoff { get; init; }

    /// <summary>The inbound record's fields: what the message was about (FAQ id, dialog:&lt;id&gt;, human, unknown) and its mood.</summary>
    public const string IntentField = "intent";

    public const string SentimentField = "sentiment";

    /// <summary>The intent of a Start button press (Telegram /start, VK "Начать").</summary>
    public const string StartIntent = "start";

    /// <summary>The intent of "?", "help" and the like with no question open.</summary>
    public const string HelpIntent = "help";

    public const string NegativeSentimentReason = "negative-sentiment";

    /// <summary>On live content: rebuilt whenever the library reloads.</summary>
    /// <param name="timeZoneFor">The time zone "today" and "tomorrow" mean for a customer of a language (the team's); UTC when null.</param>
    public ShopBot(ContentLibrary library, TimeProvider time, ILogger<ShopBot> logger, ILlmAssistant? llm = null, Func<string, TimeZoneInfo>? timeZoneFor = null)
        : this(library.Current, time, logger, llm, timeZoneFor)
    {
        _library = library;
        library.Reloaded += Rebuild;
    }

    /// <summary>On fixed content (tests, embedding).</summary>
    /// <param name="llm">Answers what the FAQ does not know (grounded in the closest entries); null: the scripted path only.</param>
    /// <param name="timeZoneFor">The time zone "today" and "tomorrow" mean for a customer of a language (the team's); UTC when null.</param>
    public ShopBot(ContentCatalog content, TimeProvider? time = null, ILogger? logger = null, ILlmAssistant? llm = null, Func<string, TimeZoneInfo>? timeZoneFor = null)
    {
        _logger = logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        _llm = llm;
        _time = time ?? TimeProvider.System;
        _timeZoneFor = timeZoneFor;
        _brain = Build(content);
    }

    public async Task<BotTurnResult> OnTurnAsync(BotTurn turn, CancellationToken cancellationToken)
    {
        var brain = Volatile.Read(ref _brain);
        var activity = turn.Activity;
        var state = turn.State;
        var text = activity.Text?.Trim() ?? "";
        var dialog = Load(brain.Runner, state.Dialog);
        // The channel's locale or the customer's first words settle the language. A chat opened without a locale (as
        // Microsoft's Web Chat does) is greeted in English, but that does not settle it: the first message still decides.
        var settled = state.Language ?? LanguageDetector.FromLocale(activity.Locale)
            ?? (text.Length > 0 ? LanguageDetector.FromText(text) : null);
        // A language the customer chose between turns ("по-русски", handled by the host) wins over the dialog's.
        dialog.Language = state.Language ?? dialog.Language ?? settled ?? "en";

        var replies = new List<OutgoingMessage>();
        var messages = brain.Content.Messages;
        var sentiment = text.Length > 0 ? SentimentLexicon.Classify(text) : null;
        var greetedNow = !state.Greeted;
        if (greetedNow)
        {
            state.Greeted = true;
            replies.Add(new OutgoingMessage(BotMessages.Pick(messages.Greeting, dialog.Language)));
        }

        if (activity.IsStartCommand())
        {
            // Pressing Start (again) begins afresh with a hello; "/start product_123" is not a question to answer.
            state.Dialog = null;
            state.Language = dialog.Language;
            state.Offered = null;
            state.Values.Remove(MisunderstoodKey);
            return new BotTurnResult([new OutgoingMessage(BotMessages.Pick(messages.Greeting, dialog.Language))], RecordFields: Fields(null, StartIntent, sentiment));
        }

        // The last message offered choices outside a dialog ("did you mean…", "talk to a person"): a number picks one,
        // as the e-mail channel's numbered list asks ("Reply with the number of your choice"). Anything else is a new message.
        var offered = state.Offered?.Split(OfferedSeparator);
        state.Offered = null;
        var picked = offered is not null && dialog.Stack.Count == 0 ? ChoiceRecognizer.Position(text, offered.Length) : -1;
        if (picked >= 0 && offered![picked] != MainDialog.HumanAction && brain.Main.Entry(offered[picked]) is { } entry)
        {
            state.Language = dialog.Language;
            state.Values.Remove(MisunderstoodKey);
            var answer = brain.Main.Answer(entry, dialog.Language);
            replies.Add(answer);
            state.Offered = answer.Choices is { Count: > 0 } ? MainDialog.HumanAction : null;
            return new BotTurnResult(replies, RecordFields: Fields(null, entry.Id, sentiment));
        }

        // Outside a dialog the content's own words for "a person" apply; inside one, the engine's interruption does.
        if (dialog.Stack.Count == 0 && text.Length > 0 && (Phrases.Contains(messages.HumanRequest, text) || (picked >= 0 && offered![picked] == MainDialog.HumanAction)))
        {
            state.Language = dialog.Language;
            replies.Add(new OutgoingMessage(BotMessages.Pick(messages.HandoffAcknowledged, dialog.Language)));
            return new BotTurnResult(replies, HandoffReason: "customer-request", RecordFields: Fields(null, "human", sentiment));
        }

        var result = await brain.Runner.RunTurnAsync(activity, dialog, cancellationToken);
        state.Language = settled is null && dialog.Stack.Count == 0 ? null : dialog.Language;
        state.Dialog = dialog.Stack.Count == 0 ? null : Save(brain.Runner, dialog);
        // "Start over" as the very first message: the greeting just went out, no need for it twice. Nor for a small-talk
        // answer to a first "Hello" (Telegram and VK have no opening of the chat to greet at): it would greet again.
        replies.AddRange(!greetedNow ? result.Replies
            : IsSmallTalk(brain, result.RecordFields) ? []
            : result.Replies.Where(r => r.Text != replies[0].Text));
        if (text.Length > 0 && Misunderstood(state, result.Result is MainDialog.Outcome { NotUnderstood: true }) && result.HandoffReason is null)
        {
            // Going round in circles helps nobody: apologise and bring a person in.
            replies.RemoveAll(r => r.Text == BotMessages.Pick(messages.Fallback, dialog.Language));
            replies.Add(new OutgoingMessage(BotMessages.Pick(messages.HandoffAfterMisunderstanding, dialog.Language)));
            return new BotTurnResult(replies, HandoffReason: "unrecognized", result.Requests, Fields(result.RecordFields, null, sentiment));
        }

        if (NegativeSentimentHandoff && sentiment == SentimentLexicon.Negative && result.HandoffReason is null)
        {
            // An upset customer is better served by a person than by another FAQ answer.
            replies.Add(new OutgoingMessage(BotMessages.Pick(messages.HandoffAcknowledged, dialog.Language)));
            state.Dialog = null;
            return new BotTurnResult(replies, NegativeSentimentReason, result.Requests, Fields(result.RecordFields, null, sentiment));
        }

        if (dialog.Stack.Count == 0 && result.HandoffReason is null && result.Result is MainDialog.Outcome { Offered.Count: > 0 } outcome)
        {
            state.Offered = string.Join(OfferedSeparator, outcome.Offered);
        }

        return new BotTurnResult(replies, result.HandoffReason, result.Requests, Fields(result.RecordFields, null, sentiment));
    }

    private const char OfferedSeparator = ' ';

    /// <summary>The turn was answered by a small-talk entry of the FAQ (a greeting, thanks, a goodbye).</summary>
    private static bool IsSmallTalk(Brain brain, IReadOnlyDictionary<string, string>? fields) =>
        fields?.GetValueOrDefault(IntentField) is { } intent && brain.Main.Entry(intent) is { } entry
        && entry.Tags.Contains(Faq.SocialPhrases.Tag, StringComparer.OrdinalIgnoreCase);

    /// <summary>The open question of a scripted dialog, worded anew in the language the customer switched to.</summary>
    public async Task<IReadOnlyList<OutgoingMessage>> AskAgainAsync(BotTurn turn, CancellationToken cancellationToken)
    {
        if (turn.State.Dialog is null)
        {
            return [];
        }

        var brain = Volatile.Read(ref _brain);
        var dialog = Load(brain.Runner, turn.State.Dialog);
        dialog.Language = turn.State.Language ?? dialog.Language;
        var replies = await brain.Runner.AskAgainAsync(turn.Activity, dialog, cancellationToken);
        turn.State.Dialog = Save(brain.Runner, dialog);
        return replies;
    }

    private static Dictionary<string, string>? Fields(IReadOnlyDictionary<string, string>? fields, string? intent, string? sentiment)
    {
        if (fields is null && intent is null && sentiment is null)
        {
            return null;
        }

        var merged = fields is null ? new Dictionary<string, string>(StringComparer.Ordinal) : new Dictionary<string, string>(fields, StringComparer.Ordinal);
        if (intent is not null)
        {
            merged[IntentField] = intent;
        }

        if (sentiment is not null)
        {
            merged[SentimentField] = sentiment;
        }

        return merged;
    }

    public void Dispose()
    {
        if (_library is not null)
        {
            _library.Reloaded -= Rebuild;
        }
    }

    /// <summary>Counts "I don't understand" answers in a row; true when the limit is reached (the count starts again).</summary>
    private bool Misunderstood(BotConversationState state, bool notUnderstood)
    {
        if (!notUnderstood || UnrecognizedBeforeHandoff <= 0)
        {
            state.Values.Remove(MisunderstoodKey);
            return false;
        }

        var count = (state.Values.TryGetValue(MisunderstoodKey, out var stored) && int.TryParse(stored, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : 0) + 1;
        if (count >= UnrecognizedBeforeHandoff)
        {
            state.Values.Remove(MisunderstoodKey);
            return true;
        }

        state.Values[MisunderstoodKey] = count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return false;
    }

    private static DialogState Load(DialogRunner runner, JsonElement? saved) =>
        saved is { } json ? runner.Load(new StoredDialogState(JsonSerializer.SerializeToUtf8Bytes(json), 0)) : new DialogState();

    private static JsonElement Save(DialogRunner runner, DialogState dialog)
    {
        using var document = JsonDocument.Parse(runner.Serialize(dialog, 0));
        return document.RootElement.Clone();
    }

    private void Rebuild(ContentCatalog content)
    {
        try
        {
            Volatile.Write(ref _brain, Build(content));
        }
        catch (Exception e)
        {
            // Runs on the content watcher's thread: keep answering with the previous brain rather than crash.
            LogRebuildFailed(_logger, e.Message);
        }
    }

    /// <summary>The recognizer and the dialogs of one content version.</summary>
    private Brain Build(ContentCatalog content)
    {
        var faq = FaqRecognizer.FromFaq(content.Faq);
        var main = new MainDialog(content, faq, _llm);
        var dialogs = new DialogSet().Add(main);
        foreach (var script in content.Dialogs)
        {
            dialogs.Add(new ScriptedDialog(script));
        }

        ScriptedDialog.AddPrompts(dialogs);
        // "Speak to someone" (the engine's words for a person, mid-dialog or not) gets the content's line, as "human" does.
        var options = new DialogRunnerOptions
        {
            Time = _time,
            TimeZoneFor = _timeZoneFor,
            HandoffText = language => BotMessages.Pick(content.Messages.HandoffAcknowledged, language),
        };
        return new Brain(content, new DialogRunner(dialogs, MainDialog.DialogId, options), main);
    }

    private sealed record Brain(ContentCatalog Content, DialogRunner Runner, MainDialog Main);

    [LoggerMessage(1, LogLevel.Warning, "The bot keeps the previous content; the new version could not be built: {Error}")]
    private static partial void LogRebuildFailed(ILogger logger, string error);
}

/// <summary>
/// What the bot does with a message outside any dialog: start the scripted dialog it triggers, or
/// answer from the FAQ (answer, offer the closest entries, or admit it does not know).
/// </summary>
internal sealed class MainDialog(ContentCatalog content, FaqRecognizer faq, ILlmAssistant? llm = null) : Dialog(DialogId)
{
    public const string DialogId = "main";

    /// <summary>The choice that stands for "talk to a person" among <see cref="Outcome.Offered"/>.</summary>
    public const string HumanAction = "human";

    /// <summary>What the dialog ended with: whether it had to say "I don't understand", and what its message offered to pick (entry ids, <see cref="HumanAction"/>).</summary>
    public sealed record Outcome(bool NotUnderstood, IReadOnlyList<string> Offered);

    private static readonly Outcome NotUnderstood = new(true, [HumanAction]);
    private static readonly Outcome OfferedAPerson = new(false, [HumanAction]);

    private readonly Dictionary<string, FaqEntry> _entries = content.Faq.ToDictionary(e => e.Id, StringComparer.Ordinal);

    public override async ValueTask<DialogTurnResult> BeginAsync(DialogContext dc, object? options, CancellationToken cancellationToken)
    {
        var text = dc.Text;
        if (dc.Turn.TextConsumed || dc.Turn.Interruption == Interruption.Help)
        {
            // Begun by "start over", or "?", "help" with no question open: the greeting says what the bot does (not
            // "Sorry, I didn't get that", which would count towards handing the customer over).
            if (!dc.Turn.TextConsumed)
            {
                dc.Turn.RecordFields[ShopBot.IntentField] = ShopBot.HelpIntent;
            }

            await dc.SendAsync(new OutgoingMessage(BotMessages.Pick(content.Messages.Greeting, dc.Language)), cancellationToken);
            return await dc.EndDialogAsync(null, cancellationToken);
        }

        if (text.Length == 0 && dc.Activity is { Kind: ActivityKind.Message or ActivityKind.Email, Attachments.Count: > 0 }
            && BotMessages.Pick(content.Messages.AttachmentOnly, dc.Language) is { Length: > 0 } attachmentOnly)
        {
            // A photo of the damage, a voice message: say so rather than nothing, and offer the person who can look at it.
            await dc.SendAsync(new OutgoingMessage(attachmentOnly, HumanChoice(dc.Language)), cancellationToken);
            return await dc.EndDialogAsync(OfferedAPerson, cancellationToken);
        }

        if (dc.Activity.Kind == ActivityKind.ConversationStart || text.Length == 0)
        {
            return await dc.EndDialogAsync(null, cancellationToken);
        }

        foreach (var script in content.Dialogs)
        {
            if (Phrases.ContainsAny(script.Triggers.Values.SelectMany(t => t), text))
            {
                dc.Turn.RecordFields[ShopBot.IntentField] = "dialog:" + script.Id;
                return await dc.BeginDialogAsync(ScriptedDialog.IdPrefix + script.Id, null, cancellationToken);
            }
        }

        if (GivenContact(text) is { } given && BotMessages.Pick(content.Messages.ContactNoted, dc.Language) is { Length: > 0 } noted
            && content.Dialogs.Select(s => (Script: s, Variable: ScriptedDialog.ContactVariable(s))).FirstOrDefault(s => s.Variable is not null) is { Variable: { } variable } intake)
        {
            // "anna@example.com" out of the blue: the customer wants to hear from us ("Sorry, I didn't get that" would be
            // a poor answer). The request intake starts with the contact filled in and does not ask for it again.
            dc.Turn.RecordFields[ShopBot.IntentField] = "dialog:" + intake.Script.Id;
            await dc.SendAsync(new OutgoingMessage(noted.Replace("{contact}", given.Value, StringComparison.Ordinal)), cancellationToken);
            var values = new Dictionary<string, string>(StringComparer.Ordinal) { [variable] = given.Value, [ScriptedDialog.KindVariable(variable)] = given.Kind };
            return await dc.BeginDialogAsync(ScriptedDialog.IdPrefix + intake.Script.Id, values, cancellationToken);
        }

        var language = dc.Language;
        var messages = content.Messages;
        var recognition = faq.Recognize(text, 3);
        DialogsTelemetry.RecordRecognition(recognition.Candidates.Count > 0 ? recognition.Candidates[0].Confidence : 0, recognition.Decision switch
        {
            FaqDecision.Answer => "answer",
            FaqDecision.Choices => "choices",
            _ => "unknown",
        });
        dc.Turn.RecordFields[ShopBot.IntentField] = recognition.Decision == FaqDecision.Unknown || recognition.Candidates.Count == 0 ? "unknown" : recognition.Candidates[0].Label;
        var decision = recognition.Decision;
        if (decision == FaqDecision.Choices && IsSmallTalk(recognition.Candidates[0].Label)
            && (TextWords.Count(text) <= 2 || recognition.Candidates.Take(3).All(c => IsSmallTalk(c.Label))))
        {
            // "super", "alles klar": most likely thanks or goodbye, and a friendly word does no harm, where a list of
            // questions to pick from would puzzle. A longer text is more likely a question: its choices are offered.
            decision = FaqDecision.Answer;
        }

        switch (decision)
        {
            case FaqDecision.Answer:
                var entry = _entries[recognition.Candidates[0].Label];
                await dc.SendAsync(Answer(entry, language), cancellationToken);
                return await dc.EndDialogAsync(entry.OfferHuman ? OfferedAPerson : null, cancellationToken);
            case FaqDecision.Choices:
                // Torn between a few entries: offer their questions, in the customer's language, to pick from.
                var offered = recognition.Candidates.Take(3)
                    .Where(c => !IsSmallTalk(c.Label))
                    .Select(c => _entries[c.Label])
                    .Where(e => FirstQuestion(e, language).Length > 0)
                    .ToList();
                var choices = offered.Select(e => FirstQuestion(e, language)).Select(q => new SuggestedChoice(q, q)).ToList();
                await dc.SendAsync(new OutgoingMessage(BotMessages.Pick(messages.Clarify, language), choices), cancellationToken);
                return await dc.EndDialogAsync(new Outcome(false, [.. offered.Select(e => e.Id)]), cancellationToken);
            default:
                if (llm is not null)
                {
                    // The FAQ is unsure: the model answers from the closest entries, or admits it does not know.
                    var sources = recognition.Candidates.Take(3).Select(c => _entries[c.Label]).ToList();
                    var answer = await llm.AnswerAsync(new LlmQuestion(dc.Activity.ConversationId, text, language, sources, Search), cancellationToken);
                    foreach (var request in answer.Requests)
                    {
                        dc.Turn.AddRequest(request);
                    }

                    if (answer.SourceIds.Count > 0)
                    {
                        dc.Turn.RecordFields[LlmSourcesField] = string.Join(',', answer.SourceIds.Distinct(StringComparer.Ordinal));
                    }

                    switch (answer.Outcome)
                    {
                        case LlmOutcome.Answered:
                            dc.Turn.RecordFields[LlmAnsweredField] = "true";
                            await dc.SendAsync(new OutgoingMessage(answer.Text!), cancellationToken);
                            return await dc.EndDialogAsync(null, cancellationToken);
                        case LlmOutcome.Handoff:
                            dc.Turn.RecordFields[LlmHandoffReasonField] = answer.HandoffReason ?? "";
                            await dc.SendAsync(new OutgoingMessage(BotMessages.Pick(messages.HandoffAcknowledged, language)), cancellationToken);
                            return await dc.HandoffAsync(LlmHandoffReason, cancellationToken);
                    }
                }

                await dc.SendAsync(new OutgoingMessage(BotMessages.Pick(messages.Fallback, language), HumanChoice(language)), cancellationToken);
                return await dc.EndDialogAsync(NotUnderstood, cancellationToken);
        }
    }

    /// <summary>
    /// A message that is only an e-mail address or an international phone number ("anna@example.com.", "+49 170 1234567"),
    /// as the intake's contact question stores it ("email" or "phone"), or null. A number without "+" is not taken: it is
    /// more likely an order number.
    /// </summary>
    internal static (string Value, string Kind)? GivenContact(string text)
    {
        var whole = text.Trim().TrimEnd('.', '!');
        if (EmailRecognizer.Recognize(whole) is { } email && email.Length == whole.Length)
        {
            return (email, "email");
        }

        return whole.StartsWith('+') && whole.All(c => char.IsAsciiDigit(c) || c is '+' or ' ' or '-' or '(' or ')' or '.')
            && PhoneRecognizer.Recognize(whole, null) is { } phone
            ? (phone, "phone")
            : null;
    }

    /// <summary>The interest record's field with the FAQ ids the model was grounded on (comma-separated).</summary>
    public const string LlmSourcesField = "llm_sources";

    /// <summary>The interest record's field set when the model's answer went to the customer.</summary>
    public const string LlmAnsweredField = "llm_answered";

    /// <summary>The interest record's field with the reason the model gave for handoff_to_human.</summary>
    public const string LlmHandoffReasonField = "llm_handoff_reason";

    /// <summary>The handoff reason when the model called handoff_to_human.</summary>
    public const string LlmHandoffReason = "llm-handoff";

    /// <summary>A greeting, thanks or goodbye (tagged <c>smalltalk</c>): answered, never offered as a choice.</summary>
    private bool IsSmallTalk(string entryId) =>
        _entries.TryGetValue(entryId, out var entry) && entry.Tags.Contains(SocialPhrases.Tag, StringComparer.OrdinalIgnoreCase);

    /// <summary>The entry with this id in the content the dialog was built from, or null (it may be gone since).</summary>
    public FaqEntry? Entry(string id) => _entries.GetValueOrDefault(id);

    /// <summary>The entry's answer in the customer's language, with a "talk to a person" button when the entry offers one.</summary>
    public OutgoingMessage Answer(FaqEntry entry, string language) =>
        new(BotMessages.Pick(entry.Answer, language), entry.OfferHuman ? HumanChoice(language) : null);

    private IReadOnlyList<FaqEntry> Search(string query) =>
        faq.Recognize(query, 3).Candidates.Take(3).Select(c => _entries[c.Label]).ToList();

    /// <summary>A scripted dialog it started has ended.</summary>
    public override ValueTask<DialogTurnResult> ResumeAsync(DialogContext dc, object? result, CancellationToken cancellationToken) =>
        dc.EndDialogAsync(null, cancellationToken);

    /// <summary>The entry's first question in <paramref name="language"/>, else English, else any.</summary>
    private static string FirstQuestion(FaqEntry entry, string language) =>
        (entry.Questions.TryGetValue(language, out var questions) && questions.Count > 0 ? questions
        : entry.Questions.TryGetValue("en", out var english) && english.Count > 0 ? english
        : entry.Questions.Values.FirstOrDefault(q => q.Count > 0))?[0] ?? "";

    private IReadOnlyList<SuggestedChoice> HumanChoice(string language)
    {
        var phrase = content.Messages.HumanRequest.TryGetValue(language, out var words) && words.Count > 0 ? words[0] : "human";
        var title = content.Messages.HumanChoice.Count > 0 ? BotMessages.Pick(content.Messages.HumanChoice, language) : phrase;
        // Pressed, the button sends its own words when they ask for a person ("Talk to a person"), so the customer's
        // line reads as they saw it; else the first request word.
        return [new SuggestedChoice(title, Phrases.Contains(content.Messages.HumanRequest, title) ? title : phrase)];
    }
}

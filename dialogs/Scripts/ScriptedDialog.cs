using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using SupportBot.Contracts;
using SupportBot.Dialogs.Engine;
using SupportBot.Dialogs.Prompts;

namespace SupportBot.Dialogs.Scripts;

/// <summary>Runs a named skill for a scripted dialog (order status, business hours, …); the LLM feature supplies them.</summary>
public interface IScriptSkills
{
    /// <returns>The skill's answer as text, or null when the skill is unknown or failed.</returns>
    ValueTask<string?> RunAsync(string skill, IReadOnlyDictionary<string, string> arguments, DialogContext dc, CancellationToken cancellationToken);
}

/// <summary>
/// A dialog written in YAML, run on the engine. The steps are compiled once into a flat program
/// (a branch becomes a conditional jump); a conversation's frame keeps only the position and the
/// collected values, so a restart continues at the same step.
/// </summary>
public sealed class ScriptedDialog : Dialog
{
    public const string IdPrefix = "script:";

    private readonly Instruction[] _program;
    private readonly IScriptSkills? _skills;

    public ScriptedDialog(DialogScript script, IScriptSkills? skills = null)
        : base(IdPrefix + script.Id)
    {
        Script = script;
        _skills = skills;
        var program = new List<Instruction>();
        Compile(script.Steps, program);
        _program = [.. program];
    }

    public DialogScript Script { get; }

    /// <summary>Adds the prompts scripts ask with, once per dialog set.</summary>
    public static void AddPrompts(DialogSet dialogs)
    {
        foreach (var kind in Enum.GetValues<ScriptPromptKind>())
        {
            var id = PromptId(kind);
            if (!dialogs.Contains(id))
            {
                dialogs.Add(kind switch
                {
                    ScriptPromptKind.Text => new TextPrompt(id),
                    ScriptPromptKind.Number => new NumberPrompt(id),
                    ScriptPromptKind.Choice => new ChoicePrompt(id),
                    ScriptPromptKind.Confirm => new ConfirmPrompt(id),
                    ScriptPromptKind.Email => new EmailPrompt(id),
                    ScriptPromptKind.Phone => new PhonePrompt(id),
                    ScriptPromptKind.Contact => new ContactPrompt(id),
                    ScriptPromptKind.Name => new NamePrompt(id),
                    _ => new DateTimePrompt(id),
                });
            }
        }
    }

    /// <param name="options">
    /// Values the customer has given already (an <c>IReadOnlyDictionary&lt;string, string&gt;</c>, e.g. the e-mail address
    /// they wrote out of the blue): the script starts with them, and the first question that would ask for one is skipped.
    /// </param>
    public override ValueTask<DialogTurnResult> BeginAsync(DialogContext dc, object? options, CancellationToken cancellationToken)
    {
        var state = new ScriptState();
        if (options is IReadOnlyDictionary<string, string> given && given.Count > 0)
        {
            foreach (var (variable, value) in given)
            {
                state.Values[variable] = value;
            }

            // Only what a question would ask for is skipped later; the rest (e.g. contact_kind) is a plain value.
            state.Given = [.. given.Keys.Where(variable => _program.Any(i => i.Step is AskStep ask && ask.Variable == variable))];
        }

        dc.ActiveDialog!.State = state;
        dc.ActiveDialog.Step = 0;
        return RunAsync(dc, cancellationToken);
    }

    /// <summary>The variable this script's first contact question fills (e.g. <c>contact</c>), or null when it asks for none.</summary>
    public static string? ContactVariable(DialogScript script) =>
        script.Steps.OfType<AskStep>().FirstOrDefault(a => a.Prompt == ScriptPromptKind.Contact)?.Variable;

    public override ValueTask<DialogTurnResult> ContinueAsync(DialogContext dc, CancellationToken cancellationToken) => RunAsync(dc, cancellationToken);

    /// <summary>The current step is still the question whose prompt was open: running it again words it in the conversation's language now.</summary>
    public override bool CanAskAgain => true;

    public override ValueTask<DialogTurnResult> AskAgainAsync(DialogContext dc, CancellationToken cancellationToken) => RunAsync(dc, cancellationToken);

    /// <summary>A prompt this dialog asked has answered: keep the value and go on with the next step.</summary>
    public override ValueTask<DialogTurnResult> ResumeAsync(DialogContext dc, object? result, CancellationToken cancellationToken)
    {
        var frame = dc.ActiveDialog!;
        var state = StateOf(frame);
        var keep = true;
        if (state.Awaiting is { } awaited && !(frame.Step < _program.Length && _program[frame.Step].Step is AskStep { } asked && asked.Variable == awaited))
        {
            // The script was edited (hot reload) while the customer answered: the question they answered is elsewhere in the
            // new steps, or gone. Go on after it where it is now; an answer to a question that is gone is not stored.
            var moved = Array.FindIndex(_program, i => i.Step is AskStep a && a.Variable == awaited);
            keep = moved >= 0;
            frame.Step = keep ? moved : frame.Step;
        }

        state.Awaiting = null;
        if (keep && frame.Step < _program.Length && _program[frame.Step].Step is AskStep ask)
        {
            state.Values[ask.Variable] = ValueText(result);
            if (result is FoundChoice found && found.Index < ask.Choices.Count)
            {
                state.Titles[ask.Variable] = ask.Choices[found.Index].Title.For(dc.Language);
            }

            if (result is ContactValue contact)
            {
                // The script words its promise by the kind: "we'll write to …" or "we'll call you at …".
                state.Values[KindVariable(ask.Variable)] = contact.Kind == ContactKind.Email ? "email" : "phone";
            }
        }

        frame.Step++;
        return RunAsync(dc, cancellationToken);
    }

    private async ValueTask<DialogTurnResult> RunAsync(DialogContext dc, CancellationToken cancellationToken)
    {
        var frame = dc.ActiveDialog!;
        var state = StateOf(frame);
        var language = dc.Language;
        while (frame.Step < _program.Length)
        {
            var instruction = _program[frame.Step];
            switch (instruction.Step)
            {
                case null when instruction.Condition is { } condition:
                    frame.Step = condition.Holds(state.Values) ? frame.Step + 1 : instruction.Target;
                    continue;
                case null:
                    frame.Step = instruction.Target;
                    continue;
                case SayStep say:
                    await dc.SendAsync(Format(say.Text.For(language), state), cancellationToken);
                    break;
                case AskStep ask when state.Given?.Remove(ask.Variable) == true && state.Values.ContainsKey(ask.Variable):
                    break; // given before it was asked: not asked again
                case AskStep ask:
                    state.Awaiting = ask.Variable;
                    return await dc.PromptAsync(PromptId(ask.Prompt), new PromptOptions
                    {
                        Prompt = Format(ask.Text.For(language), state),
                        RetryPrompt = ask.Retry is null ? null : Format(ask.Retry.For(language), state),
                        Choices = ask.Choices.Count == 0 ? null : [.. ask.Choices.Select(c => ChoiceFor(c, language))],
                        MaxAttempts = ask.MaxAttempts ?? 0,
                    }, cancellationToken);
                case SetStep set:
                    state.Values[set.Variable] = Format(set.Value, state);
                    state.Titles.Remove(set.Variable);
                    break;
                case SkillStep skill:
                    var arguments = skill.Arguments.ToDictionary(a => a.Key, a => Format(a.Value, state), StringComparer.Ordinal);
                    var answer = _skills is null ? null : await _skills.RunAsync(skill.Skill, arguments, dc, cancellationToken);
                    if (skill.Result is not null)
                    {
                        state.Values[skill.Result] = answer ?? "";
                    }

                    break;
                case RequestStep request:
                    dc.Turn.AddRequest(new LeadRequest(
                        Format(request.Topic, state, useTitles: false),
                        request.Fields.ToDictionary(f => f, f => state.Values.GetValueOrDefault(f, ""), StringComparer.Ordinal)));
                    break;
                case HandoffStep handoff:
                    return await dc.HandoffAsync(handoff.Reason, cancellationToken);
                case EndStep:
                    return await dc.EndDialogAsync(null, cancellationToken);
            }

            frame.Step++;
        }

        return await dc.EndDialogAsync(null, cancellationToken);
    }

    private static Choice ChoiceFor(ScriptChoice choice, string language)
    {
        // Every language's title and synonyms pick it, so a customer who mixes languages is still understood.
        var synonyms = choice.Title.ByLanguage.Values.Concat(choice.Synonyms.Values.SelectMany(s => s)).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        return new Choice { Value = choice.Value, Title = choice.Title.For(language), Synonyms = synonyms };
    }

    /// <summary>Fills <c>{variable}</c> with collected values (a choice shows the title the customer saw).</summary>
    private static string Format(string template, ScriptState state, bool useTitles = true)
    {
        if (!template.Contains('{', StringComparison.Ordinal))
        {
            return template;
        }

        var text = new StringBuilder(template.Length + 16);
        for (var i = 0; i < template.Length; i++)
        {
            var end = template[i] == '{' ? template.IndexOf('}', i + 1) : -1;
            if (end < 0)
            {
                text.Append(template[i]);
                continue;
            }

            var name = template[(i + 1)..end];
            text.Append(useTitles && state.Titles.TryGetValue(name, out var title) ? title : state.Values.GetValueOrDefault(name, ""));
            i = end;
        }

        return text.ToString();
    }

    private static string ValueText(object? result) => result switch
    {
        null => "",
        FoundChoice found => found.Value,
        bool yes => yes ? "true" : "false",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => result.ToString() ?? "",
    };

    /// <summary>The variable a contact ask also sets: <c>contact</c> → <c>contact_kind</c>.</summary>
    public static string KindVariable(string variable) => variable + "_kind";

    private static string PromptId(ScriptPromptKind kind) => "script-prompt:" + kind.ToString().ToLowerInvariant();

    private static ScriptState StateOf(DialogInstance frame) => frame.State as ScriptState ?? (ScriptState)(frame.State = new ScriptState());

    private static void Compile(IReadOnlyList<ScriptStep> steps, List<Instruction> program)
    {
        foreach (var step in steps)
        {
            if (step is not BranchStep branch)
            {
                program.Add(new Instruction(step, null));
                continue;
            }

            var test = program.Count;
            program.Add(new Instruction(null, branch.If));
            Compile(branch.Then, program);
            if (branch.Else.Count == 0)
            {
                program[test] = program[test] with { Target = program.Count };
                continue;
            }

            var skipElse = program.Count;
            program.Add(new Instruction(null, null));
            program[test] = program[test] with { Target = program.Count };
            Compile(branch.Else, program);
            program[skipElse] = program[skipElse] with { Target = program.Count };
        }
    }

    protected internal override void WriteState(Utf8JsonWriter writer, object state) =>
        JsonSerializer.Serialize(writer, (ScriptState)state, ScriptJson.Default.ScriptState);

    protected internal override object? ReadState(ref Utf8JsonReader reader) =>
        JsonSerializer.Deserialize(ref reader, ScriptJson.Default.ScriptState);

    /// <summary>A step to run, or (Step null) a jump: to <see cref="Target"/> when <see cref="Condition"/> does not hold, or always.</summary>
    private sealed record Instruction(ScriptStep? Step, ScriptCondition? Condition, int Target = 0);
}

/// <summary>What a scripted dialog collected so far.</summary>
public sealed class ScriptState
{
    [JsonPropertyName("v")]
    public Dictionary<string, string> Values { get; set; } = new(StringComparer.Ordinal);

    /// <summary>For choices: the title the customer saw, used when the value is shown back to them.</summary>
    [JsonPropertyName("t")]
    public Dictionary<string, string> Titles { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The variable of the question asked and not yet answered: finds it again if the script changed meanwhile.</summary>
    [JsonPropertyName("w")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Awaiting { get; set; }

    /// <summary>Variables given when the dialog began, whose questions are still to be skipped (once each).</summary>
    [JsonPropertyName("g")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public HashSet<string>? Given { get; set; }
}

[JsonSerializable(typeof(ScriptState))]
internal sealed partial class ScriptJson : JsonSerializerContext;

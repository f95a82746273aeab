using SupportBot.Dialogs.Scripts;

namespace SupportBot.Dialogs.Tests.Scripts;

public sealed class DialogScriptLoaderTests
{
    private static string ShippedDialogs => Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../content/dialogs"));

    [Fact]
    public void Load_ShippedIntake_StepsInOrderAndEveryTextInEnRuDe()
    {
        var script = DialogScriptLoader.Load(Path.Combine(ShippedDialogs, "intake.yaml"));

        Assert.Equal("intake", script.Id);
        Assert.Equal(["name", "topic", "contact", "confirmed"], script.Steps.OfType<AskStep>().Select(a => a.Variable));
        var topic = script.Steps.OfType<AskStep>().Single(a => a.Variable == "topic");
        Assert.Equal(ScriptPromptKind.Choice, topic.Prompt);
        Assert.Equal(["delivery", "returns", "agent"], topic.Choices.Select(c => c.Value));
        Assert.Equal(["name", "topic", "contact"], script.Steps.OfType<RequestStep>().Single().Fields);
        foreach (var text in AllTexts(script.Steps))
        {
            Assert.Equal(["de", "en", "ru"], text.ByLanguage.Keys.Order());
        }

        Assert.Equal(["de", "en", "ru"], script.Triggers.Keys.Order());
    }

    [Fact]
    public void Load_EveryShippedDialog_IsValid()
    {
        foreach (var file in Directory.EnumerateFiles(ShippedDialogs, "*.yaml"))
        {
            DialogScriptLoader.Load(file);
        }
    }

    [Theory]
    [InlineData("id: x\nsteps:\n  - say: { en: \"hi\" }\n  - ask: name\n    prompt: txt\n    text: { en: \"?\" }\n", 5, "steps[1].prompt", "unknown prompt 'txt'")]
    [InlineData("id: x\nsteps:\n  - sya: { en: \"hi\" }\n", 3, "steps[0]", "a step is one of")]
    [InlineData("id: x\nsteps:\n  - say: { en: \"Hi {nam}\" }\n", 3, "steps[0].say.en", "'nam' is not collected")]
    [InlineData("id: x\nsteps:\n  - ask: topic\n    prompt: choice\n    text: { en: \"?\" }\n", 3, "steps[0].choices", "needs choices")]
    [InlineData("id: x\nsteps:\n  - say: { ru: \"привет\" }\n", 3, "steps[0].say", "English")]
    [InlineData("id: x\nsteps:\n  - say: \"hi\"\n", 3, "steps[0].say", "per language")]
    [InlineData("id: x\nsteps:\n  - branch: { if: \"x = 1\", then: [end] }\n", 3, "steps[0].branch.if", "'variable == value'")]
    [InlineData("id: x\nsteps:\n  - say: { en: \"a\" }\n    handoff: \"b\"\n", 3, "steps[0]", "one step does one thing")]
    [InlineData("id: X Y\nsteps: [end]\n", 1, "id", "lower-case")]
    [InlineData("id: x\ntrigger: {}\nsteps: [end]\n", 2, "trigger", "unknown field")]
    [InlineData("id: x\nsteps:\n  - ask: n\n    prompt: text\n    text: { en: \"?\" }\n    maxAttempts: 99\n", 6, "steps[0].maxAttempts", "1 to 10")]
    [InlineData("id: x\nsteps: [\n", 3, "(syntax)", "")]
    public void Parse_Mistake_NamesFileLineAndField(string yaml, int line, string field, string problem)
    {
        var error = Assert.Throws<DialogScriptException>(() => DialogScriptLoader.Parse(yaml, "content/dialogs/x.yaml"));

        Assert.Equal("content/dialogs/x.yaml", error.File);
        Assert.Equal(line, error.Line);
        Assert.Equal(field, error.Field);
        Assert.Contains(problem, error.Message);
        Assert.StartsWith($"content/dialogs/x.yaml, line {line}, field '{field}'", error.Message);
    }

    [Fact]
    public void Condition_ComparesIgnoringCase()
    {
        var condition = new ScriptCondition("confirmed", Equal: true, "false");
        Assert.True(condition.Holds(new Dictionary<string, string> { ["confirmed"] = "False" }));
        Assert.False(condition.Holds(new Dictionary<string, string> { ["confirmed"] = "true" }));
        Assert.False(condition.Holds(new Dictionary<string, string>()));
    }

    private static IEnumerable<LocalizedText> AllTexts(IEnumerable<ScriptStep> steps)
    {
        foreach (var step in steps)
        {
            switch (step)
            {
                case SayStep say:
                    yield return say.Text;
                    break;
                case AskStep ask:
                    yield return ask.Text;
                    if (ask.Retry is not null)
                    {
                        yield return ask.Retry;
                    }

                    foreach (var choice in ask.Choices)
                    {
                        yield return choice.Title;
                    }

                    break;
                case BranchStep branch:
                    foreach (var text in AllTexts(branch.Then.Concat(branch.Else)))
                    {
                        yield return text;
                    }

                    break;
            }
        }
    }
}

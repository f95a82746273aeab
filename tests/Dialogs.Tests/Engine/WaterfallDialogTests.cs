using SupportBot.Dialogs.Engine;
using SupportBot.Dialogs.Prompts;
using SupportBot.Dialogs.Tests.Infrastructure;

namespace SupportBot.Dialogs.Tests.Engine;

public sealed class WaterfallDialogTests
{
    private static ConversationFlow Intake(string? locale = null) => new(IntakeDialog.CreateSet(), IntakeDialog.DialogId, locale: locale);

    [Fact]
    public Task HappyPath_AsksEachQuestionAndCompletes() => Intake()
        .Send("hi").AssertReply("What is your name?").AssertStatus(DialogTurnStatus.Waiting)
        .Send("Alice").AssertReply(reply =>
        {
            Assert.Equal("What can I help with?", reply.Text);
            Assert.Equal(["Delivery", "Returns", "Talk to an agent"], reply.Choices!.Select(c => c.Value));
        })
        .Send("Returns").AssertReply("Shall I open a request about Returns for Alice?")
        .Send("yes").AssertReply("Done: request for Alice about Returns (confirmed=true)")
        .AssertStatus(DialogTurnStatus.Complete)
        .Check(flow => Assert.Equal(true, flow.Last!.Result))
        // a completed dialog begins again on the next message
        .Send("hello again").AssertReply("What is your name?")
        .StartTestAsync();

    [Fact]
    public Task ConfirmPrompt_OffersLocalisedYesNoButtons() => Intake(locale: "de-DE")
        .Send("hallo").AssertReply("What is your name?")
        .Send("Jonas").AssertReply("What can I help with?")
        .Send("Rückgabe").AssertReply(reply =>
        {
            Assert.Equal("Shall I open a request about Returns for Jonas?", reply.Text);
            Assert.Equal(["Ja", "Nein"], reply.Choices!.Select(c => c.Title));
        })
        .Send("Nein").AssertReply("Done: request for Jonas about Returns (confirmed=false)")
        .StartTestAsync();

    [Fact]
    public Task WrongAnswer_RePromptsWithTheLocalisedLine() => Intake()
        .Send("hi").AssertReply("What is your name?")
        .Send("Alice").AssertReply("What can I help with?")
        .Send("pizza").AssertReply("Please pick one of the options. What can I help with?").AssertStatus(DialogTurnStatus.Waiting)
        .Send("2").AssertReply("Shall I open a request about Returns for Alice?")
        .Send("maybe").AssertReply("Please answer yes or no. Shall I open a request about Returns for Alice?")
        .Send("ok").AssertReply("Done: request for Alice about Returns (confirmed=true)")
        .StartTestAsync();

    [Fact]
    public Task RePrompts_InRussian() => Intake(locale: "ru-RU")
        .Send("привет").AssertReply("What is your name?")
        .Send("Анна").AssertReply("What can I help with?")
        .Send("пицца").AssertReply("Пожалуйста, выберите один из вариантов. What can I help with?")
        .Send("возврат").AssertReply("Shall I open a request about Returns for Анна?")
        .Send("не знаю").AssertReply("Пожалуйста, ответьте «да» или «нет». Shall I open a request about Returns for Анна?")
        .Send("да").AssertReply("Done: request for Анна about Returns (confirmed=true)")
        .StartTestAsync();

    [Fact]
    public Task MaxAttempts_HandsOffByDefault() => Intake()
        .Send("hi").AssertReply("What is your name?")
        .Send("Alice").AssertReply("What can I help with?")
        .Send("pizza").AssertReply("Please pick one of the options. What can I help with?")
        .Send("pasta").AssertReply("Please pick one of the options. What can I help with?")
        .Send("salad").AssertReply("I'm having trouble understanding, so I'm passing you to a colleague.")
        .AssertStatus(DialogTurnStatus.HandedOff)
        .Check(flow => Assert.Equal("prompt-max-attempts:topic", flow.Last!.HandoffReason))
        // the stack was cleared: the next message starts afresh
        .Send("hi").AssertReply("What is your name?")
        .StartTestAsync();

    [Fact]
    public Task MaxAttempts_EndWithNull_LetsTheStepDecide() => new ConversationFlow(AttemptsDialog.CreateSet(MaxAttemptsAction.EndWithNull), AttemptsDialog.DialogId)
        .Send("hi").AssertReply("A number?")
        .Send("lots").AssertReply("Please answer with a number. A number?")
        .Send("many").AssertReply("got nothing").AssertStatus(DialogTurnStatus.Complete)
        .StartTestAsync();

    [Fact]
    public Task MaxAttempts_CancelAll() => new ConversationFlow(AttemptsDialog.CreateSet(MaxAttemptsAction.CancelAll, maxAttempts: 1), AttemptsDialog.DialogId)
        .Send("hi").AssertReply("A number?")
        .Send("lots").AssertReply("OK, cancelled.").AssertStatus(DialogTurnStatus.Cancelled)
        .StartTestAsync();

    [Fact]
    public Task Validator_SeesRecognizedAndRejects_WithCustomRetryPrompt() => new ConversationFlow(OrderDialog.CreateSet(), OrderDialog.DialogId)
        .Send("hi").AssertReply("Street?")
        .Send("Main St 1").AssertReply("City?")
        .Send("Berlin").AssertReply("How many?")
        .Send("42").AssertReply("From 1 to 10, please.")
        .Send("three").AssertReply("3 to Main St 1, Berlin")
        .StartTestAsync();

    [Fact]
    public async Task ValidatorContext_CountsAttempts()
    {
        var attempts = new List<int>();
        var dialogs = new DialogSet()
            .Add(new AttemptsDialog(MaxAttemptsAction.Handoff, maxAttempts: 5))
            .Add(new NumberPrompt("number", (prompt, _) =>
            {
                attempts.Add(prompt.AttemptCount);
                return ValueTask.FromResult(prompt.Recognized.Succeeded && prompt.Recognized.Value > 100);
            }));
        await new ConversationFlow(dialogs, AttemptsDialog.DialogId)
            .Send("hi").AssertReply("A number?")
            .Send("5").AssertReply("Please answer with a number. A number?")
            .Send("x").AssertReply("Please answer with a number. A number?")
            .Send("500").AssertReply("got 500")
            .StartTestAsync();
        Assert.Equal([1, 2, 3], attempts);
    }

    [Fact]
    public Task DateTimePrompt_UsesTheInjectedClockAndTimeZone() => new ConversationFlow(
            DateDialog.CreateSet(),
            DateDialog.DialogId,
            // 23:30 UTC on Tuesday is already Wednesday 01:30 at UTC+2
            time: new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 11, 24, 23, 30, 0, TimeSpan.Zero)),
            timeZone: TimeZoneInfo.CreateCustomTimeZone("Test+2", TimeSpan.FromHours(2), "Test+2", "Test+2"))
        .Send("hi").AssertReply("When?")
        .Send("tomorrow").AssertReply("2026-11-26")
        .Send("again").AssertReply("When?")
        .Send("whenever").AssertReply(DialogMessages.RetryDate.En + " When?")
        .Send("в понедельник в 10:00").AssertReply("2026-11-30 10:00")
        .StartTestAsync();

    [Fact]
    public async Task StepResult_OfTheWrongType_Throws()
    {
        var dialogs = new DialogSet()
            .Add(new WaterfallDialog<IntakeState>("bad", TestJsonContext.Default.IntakeState,
                (step, ct) => step.NextAsync("text", ct),
                (step, ct) => step.EndDialogAsync(step.Result<int>(), ct)));
        var flow = new ConversationFlow(dialogs, "bad").Send("hi");
        await Assert.ThrowsAsync<InvalidOperationException>(flow.StartTestAsync);
    }

    [Fact]
    public Task NextAsync_SkipsToTheNextStepInTheSameTurn()
    {
        var dialogs = new DialogSet()
            .Add(new WaterfallDialog<IntakeState>("skip", TestJsonContext.Default.IntakeState,
                (step, ct) => step.NextAsync("Bob", ct),
                async (step, ct) =>
                {
                    await step.SendAsync("hello " + step.Result<string>(), ct);
                    return await step.EndDialogAsync(null, ct);
                }));
        return new ConversationFlow(dialogs, "skip").Send("hi").AssertReply("hello Bob").AssertStatus(DialogTurnStatus.Complete).StartTestAsync();
    }

    [Fact]
    public Task ReplaceDialog_EndsTheActiveOneWithoutResumingItsParent()
    {
        var dialogs = new DialogSet()
            .Add(new WaterfallDialog<IntakeState>("first", TestJsonContext.Default.IntakeState,
                (step, ct) => step.PromptAsync("name", new PromptOptions { Prompt = "Name?" }, ct),
                (step, ct) => step.ReplaceDialogAsync("second", null, ct)))
            .Add(new WaterfallDialog<IntakeState>("second", TestJsonContext.Default.IntakeState,
                (step, ct) => step.PromptAsync("name", new PromptOptions { Prompt = "Second?" }, ct),
                async (step, ct) =>
                {
                    await step.SendAsync("second got " + step.Result<string>(), ct);
                    return await step.EndDialogAsync(null, ct);
                }))
            .Add(new TextPrompt("name"));
        return new ConversationFlow(dialogs, "first")
            .Send("hi").AssertReply("Name?")
            .Send("Al").AssertReply("Second?")
            .Send("x").AssertReply("second got x").AssertStatus(DialogTurnStatus.Complete)
            .StartTestAsync();
    }
}

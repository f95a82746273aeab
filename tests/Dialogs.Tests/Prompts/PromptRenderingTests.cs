using SupportBot.Dialogs.Engine;
using SupportBot.Dialogs.Prompts;
using SupportBot.Dialogs.Tests.Infrastructure;

namespace SupportBot.Dialogs.Tests.Prompts;

public sealed class PromptRenderingTests
{
    private static DialogSet Contact(ChoiceStyle style) => new DialogSet()
        .Add(new WaterfallDialog<IntakeState>("contact", TestJsonContext.Default.IntakeState,
            (step, ct) => step.PromptAsync("email", new PromptOptions { Prompt = "E-Mail?" }, ct),
            (step, ct) =>
            {
                step.State.Name = step.Result<string>();
                return step.PromptAsync("phone", new PromptOptions { Prompt = "Telefon?" }, ct);
            },
            (step, ct) =>
            {
                step.State.Topic = step.Result<string>();
                return step.PromptAsync("via", new PromptOptions { Prompt = "Wie?", Choices = ["E-Mail", "Anruf"], Style = style }, ct);
            },
            async (step, ct) =>
            {
                await step.SendAsync($"{step.State.Name} {step.State.Topic} {step.Result<FoundChoice>().Value}", ct);
                return await step.EndDialogAsync(null, ct);
            }))
        .Add(new EmailPrompt("email"))
        .Add(new PhonePrompt("phone"))
        .Add(new ChoicePrompt("via"));

    [Fact]
    public Task EmailAndPhone_InGerman_WithGermanRePrompts() => new ConversationFlow(Contact(ChoiceStyle.List), "contact", locale: "de-DE")
        .Send("hallo").AssertReply("E-Mail?")
        .Send("weiß ich nicht").AssertReply(DialogMessages.RetryEmail.De + " E-Mail?")
        .Send("Meine Adresse: Max.M@Web.DE").AssertReply("Telefon?")
        .Send("12").AssertReply(DialogMessages.RetryPhone.De + " Telefon?")
        .Send("030 / 123 45 67").AssertReply(reply =>
        {
            Assert.Equal("Wie?\n1. E-Mail\n2. Anruf", reply.Text);
            Assert.Equal(2, reply.Choices!.Count);
        })
        .Send("2").AssertReply("Max.M@web.de +49301234567 Anruf")
        .StartTestAsync();

    [Fact]
    public Task ChoiceStyleNone_SendsNoChoices() => new ConversationFlow(Contact(ChoiceStyle.None), "contact", locale: "ru-RU")
        .Send("привет").AssertReply("E-Mail?")
        .Send("ivan@mail.ru").AssertReply("Telefon?")
        .Send("8 912 345-67-89").AssertReply(reply =>
        {
            Assert.Equal("Wie?", reply.Text);
            Assert.Null(reply.Choices);
        })
        .Send("анруф").AssertReply(DialogMessages.RetryChoice.Ru + " Wie?")
        .Send("anruf").AssertReply("ivan@mail.ru +79123456789 Anruf")
        .StartTestAsync();
}

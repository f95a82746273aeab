using SupportBot.Dialogs.Engine;
using SupportBot.Dialogs.Tests.Infrastructure;

namespace SupportBot.Dialogs.Tests.Engine;

public sealed class InterruptionTests
{
    private static ConversationFlow AtTopic(string? locale = null) => new ConversationFlow(IntakeDialog.CreateSet(), IntakeDialog.DialogId, locale: locale)
        .Send("hi").AssertReply("What is your name?")
        .Send("Alice").AssertReply("What can I help with?");

    [Theory]
    [InlineData("help", "en")]
    [InlineData("?", "en")]
    [InlineData("помощь", "ru")]
    [InlineData("Hilfe", "de")]
    public Task Help_ExplainsAndReasksTheCurrentPrompt(string text, string language) => AtTopic(language + "-XX")
        .Send(text).AssertReply(DialogMessages.Get(DialogMessages.Help, language)).AssertReply("What can I help with?")
        .AssertStatus(DialogTurnStatus.Waiting)
        .Send("Returns").AssertReply("Shall I open a request about Returns for Alice?")
        .StartTestAsync();

    [Theory]
    [InlineData("cancel", "en")]
    [InlineData("Cancel, please", "en")]
    [InlineData("отмена", "ru")]
    [InlineData("abbrechen", "de")]
    public Task Cancel_EndsTheDialog(string text, string language) => AtTopic(language + "-XX")
        .Send(text).AssertReply(DialogMessages.Get(DialogMessages.Cancelled, language)).AssertStatus(DialogTurnStatus.Cancelled)
        .Send("hi").AssertReply("What is your name?")
        .StartTestAsync();

    [Theory]
    [InlineData("start over", "en")]
    [InlineData("начать заново", "ru")]
    [InlineData("von vorne", "de")]
    public Task StartOver_RestartsTheRootDialog(string text, string language) => AtTopic(language + "-XX")
        .Send("Returns").AssertReply("Shall I open a request about Returns for Alice?")
        .Send(text).AssertReply(DialogMessages.Get(DialogMessages.StartingOver, language)).AssertReply("What is your name?")
        .AssertStatus(DialogTurnStatus.Waiting)
        .Send("Bob").AssertReply("What can I help with?")
        .StartTestAsync();

    [Fact]
    public Task StartOver_WithNoDialogActive_BeginsTheRootDialog() => new ConversationFlow(IntakeDialog.CreateSet(), IntakeDialog.DialogId)
        .Send("start over").AssertReply(DialogMessages.StartingOver.En).AssertReply("What is your name?")
        .AssertStatus(DialogTurnStatus.Waiting)
        .Send("Bob").AssertReply("What can I help with?")
        .StartTestAsync();

    [Theory]
    [InlineData("human", "en")]
    [InlineData("I want to talk to a real person", "en")]
    [InlineData("operator please", "en")]
    [InlineData("оператор", "ru")]
    [InlineData("позовите живого человека", "ru")]
    [InlineData("живой человек", "ru")]
    [InlineData("Mitarbeiter bitte", "de")]
    public Task Human_HandsOff(string text, string language) => AtTopic(language + "-XX")
        .Send(text).AssertReply(DialogMessages.Get(DialogMessages.Handoff, language))
        .AssertStatus(DialogTurnStatus.HandedOff)
        .Check(flow => Assert.Equal("customer-request", flow.Last!.HandoffReason))
        .StartTestAsync();

    [Fact]
    public Task Human_WithNoDialogActive_StillHandsOff() => new ConversationFlow(IntakeDialog.CreateSet(), IntakeDialog.DialogId)
        .Send("operator").AssertReply(DialogMessages.Handoff.En).AssertStatus(DialogTurnStatus.HandedOff)
        .StartTestAsync();

    [Fact]
    public Task AChoiceThatSoundsLikeAnInterruption_IsTheAnswer() => AtTopic()
        .Send("Talk to an agent").AssertReply("Shall I open a request about Talk to an agent for Alice?")
        .StartTestAsync();

    [Fact]
    public Task HelpInsideASentence_IsAnAnswer() => new ConversationFlow(IntakeDialog.CreateSet(), IntakeDialog.DialogId)
        .Send("hi").AssertReply("What is your name?")
        .Send("I need help").AssertReply("What can I help with?")
        .StartTestAsync();

    [Theory]
    [InlineData("help me please", Interruption.Help)]
    [InlineData("Стоп", Interruption.Cancel)]
    [InlineData("never mind", Interruption.Cancel)]
    [InlineData("Neu starten", Interruption.StartOver)]
    [InlineData("сначала", Interruption.StartOver)]
    [InlineData("Ich möchte mit einem Mitarbeiter sprechen", Interruption.Human)]
    [InlineData("соедините с оператором", Interruption.Human)]
    [InlineData("where is my order", Interruption.None)]
    [InlineData("I need help with my order", Interruption.None)]
    [InlineData("stop sending me emails about returns", Interruption.None)]
    public void Recognizer(string text, Interruption expected) => Assert.Equal(expected, InterruptionRecognizer.Recognize(text));
}

using SupportBot.Dialogs.Engine;
using SupportBot.Dialogs.Tests.Infrastructure;

namespace SupportBot.Dialogs.Tests.Engine;

public sealed class ComponentDialogTests
{
    [Fact]
    public Task InnerDialogs_RunOnTheirOwnStack_AndReturnTheirResult() => new ConversationFlow(OrderDialog.CreateSet(), OrderDialog.DialogId)
        .Send("hi").AssertReply("Street?")
        .Send("Main St 1").AssertReply("City?")
        .Send("Berlin").AssertReply("How many?") // the outer "ask" (a number prompt), not the component's text prompt
        .Send("2").AssertReply("2 to Main St 1, Berlin").AssertStatus(DialogTurnStatus.Complete)
        .StartTestAsync();

    [Fact]
    public Task InnerStack_IsSavedAndRestored() => new ConversationFlow(OrderDialog.CreateSet(), OrderDialog.DialogId)
        .Send("hi").AssertReply("Street?")
        .Send("Main St 1").AssertReply("City?")
        .Restart(OrderDialog.CreateSet(), OrderDialog.DialogId)
        .Send("Berlin").AssertReply("How many?")
        .Send("1").AssertReply("1 to Main St 1, Berlin")
        .StartTestAsync();

    [Fact]
    public Task Help_InsideAComponent_ReasksTheInnerPrompt() => new ConversationFlow(OrderDialog.CreateSet(), OrderDialog.DialogId)
        .Send("hi").AssertReply("Street?")
        .Send("Main St 1").AssertReply("City?")
        .Send("help").AssertReply(DialogMessages.Help.En).AssertReply("City?")
        .Send("Berlin").AssertReply("How many?")
        .StartTestAsync();

    [Fact]
    public Task Cancel_InsideAComponent_EndsEverything() => new ConversationFlow(OrderDialog.CreateSet(), OrderDialog.DialogId)
        .Send("hi").AssertReply("Street?")
        .Send("cancel").AssertReply("OK, cancelled.").AssertStatus(DialogTurnStatus.Cancelled)
        .Send("hi").AssertReply("Street?")
        .StartTestAsync();

    [Fact]
    public void DuplicateIds_Throw()
    {
        var dialogs = new DialogSet().Add<IntakeDialog>();
        var error = Assert.Throws<InvalidOperationException>(() => dialogs.Add<IntakeDialog>());
        Assert.Contains("'intake'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DuplicateIds_InsideAComponent_Throw() =>
        Assert.Throws<InvalidOperationException>(() => new DuplicateComponent());

    private sealed class DuplicateComponent : ComponentDialog
    {
        public DuplicateComponent()
            : base("dup")
        {
            AddDialog(new SupportBot.Dialogs.Prompts.TextPrompt("a"));
            AddDialog(new SupportBot.Dialogs.Prompts.NumberPrompt("a"));
        }
    }
}

using System.Text;
using SupportBot.Contracts;
using SupportBot.Dialogs.Engine;
using SupportBot.Dialogs.Tests.Infrastructure;

using static SupportBot.Dialogs.Tests.Infrastructure.TestCancellation;

using static SupportBot.Dialogs.Tests.Infrastructure.TestActivities;

namespace SupportBot.Dialogs.Tests.Engine;

public sealed class DialogStateTests
{
    [Fact]
    public async Task MidDialogState_SurvivesJson_AndContinuesAtTheSameStep()
    {
        // turns 1–3 on one "host"
        var first = new DialogRunner(IntakeDialog.CreateSet(), IntakeDialog.DialogId);
        var state = new DialogState();
        await first.RunTurnAsync(Message("hi"), state, Ct);
        await first.RunTurnAsync(Message("Alice"), state, Ct);
        await first.RunTurnAsync(Message("Returns"), state, Ct);
        var json = first.Serialize(state, version: 7);
        var text = Encoding.UTF8.GetString(json);
        Assert.StartsWith("{\"v\":7,\"l\":\"en\",\"s\":[{\"i\":\"intake\",\"n\":2,\"d\":{\"n\":\"Alice\",\"t\":\"Returns\"}},{\"i\":\"confirm\",\"d\":{\"p\":", text, StringComparison.Ordinal);

        // turn 4 on a fresh "host": new dialog instances, state only from JSON
        var second = new DialogRunner(IntakeDialog.CreateSet(), IntakeDialog.DialogId);
        var restored = second.Load(new StoredDialogState(json, 7));
        Assert.Equal(7, restored.Version);
        Assert.Equal(text, Encoding.UTF8.GetString(second.Serialize(restored, 7)));
        var result = await second.RunTurnAsync(Message("yes"), restored, Ct);
        Assert.Equal(DialogTurnStatus.Complete, result.Status);
        Assert.Equal("Done: request for Alice about Returns (confirmed=true)", Assert.Single(result.Replies).Text);
    }

    [Fact]
    public async Task StateIsSmall()
    {
        var runner = new DialogRunner(IntakeDialog.CreateSet(), IntakeDialog.DialogId);
        var state = new DialogState();
        await runner.RunTurnAsync(Message("hi"), state, Ct);
        await runner.RunTurnAsync(Message("Alice"), state, Ct);
        // the stack, the state POCO and the choice prompt's options (with synonyms)
        var json = Encoding.UTF8.GetString(runner.Serialize(state, 1));
        TestContext.Current.TestOutputHelper?.WriteLine(json);
        Assert.True(json.Length < 300, json);
    }

    [Fact]
    public void UnknownDialog_CutsTheStackThere()
    {
        var runner = new DialogRunner(IntakeDialog.CreateSet(), IntakeDialog.DialogId);
        var json = """{"v":3,"l":"ru","s":[{"i":"removed","n":1,"d":{"x":1}},{"i":"confirm","d":{"p":"?"}}],"future":[1,2]}"""u8.ToArray();
        var state = runner.Load(new StoredDialogState(json, 3));
        Assert.Empty(state.Stack);
        Assert.Equal("ru", state.Language);
    }

    [Fact]
    public void CorruptJson_StartsAfresh_KeepingTheVersion()
    {
        var runner = new DialogRunner(IntakeDialog.CreateSet(), IntakeDialog.DialogId);
        var state = runner.Load(new StoredDialogState("{\"v\":4,\"s\":[{"u8.ToArray(), 4));
        Assert.Empty(state.Stack);
        Assert.Equal(4, state.Version);
    }

    [Fact]
    public async Task HostRestart_ThroughTheStore_ContinuesAtTheSameStep()
    {
        var store = new InMemoryDialogStateStore();
        var before = new DialogRunner(IntakeDialog.CreateSet(), IntakeDialog.DialogId);
        await before.RunAsync(Message("hi"), store, Ct);
        await before.RunAsync(Message("Alice"), store, Ct);
        var after = new DialogRunner(IntakeDialog.CreateSet(), IntakeDialog.DialogId);
        var result = await after.RunAsync(Message("1"), store, Ct);
        Assert.Equal("Shall I open a request about Delivery for Alice?", Assert.Single(result.Replies).Text);
        Assert.Equal(3, (await store.LoadAsync("c1", Ct)).Version);
    }

    [Fact]
    public async Task MemoryStore_CompareAndSet_DetectsAConcurrentSave()
    {
        var store = new InMemoryDialogStateStore();
        await store.SaveAsync("c", "{\"v\":1}"u8.ToArray(), 0, Ct);
        var loadedByA = await store.LoadAsync("c", Ct);
        var loadedByB = await store.LoadAsync("c", Ct);
        await store.SaveAsync("c", "{\"v\":2}"u8.ToArray(), loadedByA.Version, Ct);
        var conflict = await Assert.ThrowsAsync<ConcurrencyException>(() => store.SaveAsync("c", "{\"v\":2}"u8.ToArray(), loadedByB.Version, Ct).AsTask());
        Assert.Equal(1, conflict.ExpectedVersion);
        Assert.Equal(2, conflict.ActualVersion);
        await Assert.ThrowsAsync<ConcurrencyException>(() => store.SaveAsync("c", "{\"v\":1}"u8.ToArray(), 0, Ct).AsTask());
    }

    [Fact]
    public async Task Runner_RetriesTheTurnOnFreshState_AfterAConflict()
    {
        var inner = new InMemoryDialogStateStore();
        var store = new InterferingStore(inner);
        var runner = new DialogRunner(CounterDialog.CreateSet(), CounterDialog.DialogId);
        await runner.RunAsync(Message("one"), store, Ct);
        // while the next turn runs, another host saves a turn of its own
        store.Interfere = async () => await new DialogRunner(CounterDialog.CreateSet(), CounterDialog.DialogId).RunAsync(Message("other"), inner, Ct);
        var result = await runner.RunAsync(Message("two"), store, Ct);
        Assert.Equal(1, result.Conflicts);
        Assert.Equal("count=3", Assert.Single(result.Replies).Text); // ran again on the other host's count=2: nothing lost
        var saved = runner.Load(await inner.LoadAsync("c1", Ct));
        Assert.Equal(3, saved.Stack[0].State);
    }

    /// <summary>Runs <see cref="Interfere"/> once, between a load and the save that follows it.</summary>
    private sealed class InterferingStore(IDialogStateStore inner) : IDialogStateStore
    {
        public Func<Task>? Interfere { get; set; }

        public ValueTask<StoredDialogState> LoadAsync(string conversationId, CancellationToken cancellationToken = default) => inner.LoadAsync(conversationId, cancellationToken);

        public async ValueTask SaveAsync(string conversationId, ReadOnlyMemory<byte> json, long expectedVersion, CancellationToken cancellationToken = default)
        {
            if (Interfere is { } interfere)
            {
                Interfere = null;
                await interfere();
            }

            await inner.SaveAsync(conversationId, json, expectedVersion, cancellationToken);
        }

        public ValueTask DeleteAsync(string conversationId, CancellationToken cancellationToken = default) => inner.DeleteAsync(conversationId, cancellationToken);
    }
}

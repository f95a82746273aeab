using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using SupportBot.Dialogs.Engine;
using SupportBot.Dialogs.Prompts;
using SupportBot.Dialogs.Prompts.Recognizers;

namespace SupportBot.Dialogs.Tests.Infrastructure;

public sealed class IntakeState
{
    [JsonPropertyName("n")]
    public string? Name { get; set; }

    [JsonPropertyName("t")]
    public string? Topic { get; set; }
}

public sealed class OrderState
{
    [JsonPropertyName("a")]
    public string? Address { get; set; }
}

public sealed class AddressState
{
    [JsonPropertyName("s")]
    public string? Street { get; set; }
}

public sealed class QuantityState
{
    [JsonPropertyName("q")]
    public decimal? Quantity { get; set; }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(IntakeState))]
[JsonSerializable(typeof(OrderState))]
[JsonSerializable(typeof(AddressState))]
[JsonSerializable(typeof(QuantityState))]
public sealed partial class TestJsonContext : JsonSerializerContext;

/// <summary>The benchmark's intake: name → topic → confirmation.</summary>
public sealed class IntakeDialog : WaterfallDialog<IntakeState>
{
    public const string DialogId = "intake";

    public IntakeDialog()
        : base(DialogId, TestJsonContext.Default.IntakeState)
    {
        AddStep((step, ct) => step.PromptAsync("name", new PromptOptions { Prompt = "What is your name?" }, ct));
        AddStep((step, ct) =>
        {
            step.State.Name = step.Result<string>();
            return step.PromptAsync("topic", new PromptOptions
            {
                Prompt = "What can I help with?",
                Choices = [new("Delivery", "доставка", "Lieferung"), new("Returns", "refund", "возврат", "Rückgabe"), new("Talk to an agent")],
            }, ct);
        });
        AddStep((step, ct) =>
        {
            step.State.Topic = step.Result<FoundChoice>().Value;
            return step.PromptAsync("confirm", new PromptOptions { Prompt = $"Shall I open a request about {step.State.Topic} for {step.State.Name}?" }, ct);
        });
        AddStep(async (step, ct) =>
        {
            var confirmed = step.Result<bool>();
            await step.SendAsync($"Done: request for {step.State.Name} about {step.State.Topic} (confirmed={(confirmed ? "true" : "false")})", ct);
            return await step.EndDialogAsync(confirmed, ct);
        });
    }

    public static DialogSet CreateSet() => new DialogSet()
        .Add<IntakeDialog>()
        .Add(new TextPrompt("name"))
        .Add(new ChoicePrompt("topic"))
        .Add(new ConfirmPrompt("confirm"));
}

/// <summary>A component with its own inner set: street and city, returned as one line. Its inner ids clash with outer ones on purpose.</summary>
public sealed class AddressDialog : ComponentDialog
{
    public const string DialogId = "address";

    public AddressDialog()
        : base(DialogId)
    {
        AddDialog(new WaterfallDialog<AddressState>("main", TestJsonContext.Default.AddressState,
            (step, ct) => step.PromptAsync("ask", new PromptOptions { Prompt = "Street?" }, ct),
            (step, ct) =>
            {
                step.State.Street = step.Result<string>();
                return step.PromptAsync("ask", new PromptOptions { Prompt = "City?" }, ct);
            },
            (step, ct) => step.EndDialogAsync(step.State.Street + ", " + step.Result<string>(), ct)));
        AddDialog(new TextPrompt("ask"));
    }
}

/// <summary>Outer waterfall: the address component, then a quantity (number prompt with a validator), then a summary.</summary>
public sealed class OrderDialog : WaterfallDialog<OrderState>
{
    public const string DialogId = "order";

    public OrderDialog()
        : base(DialogId, TestJsonContext.Default.OrderState)
    {
        AddStep((step, ct) => step.BeginDialogAsync(AddressDialog.DialogId, null, ct));
        AddStep((step, ct) =>
        {
            step.State.Address = step.Result<string>();
            return step.PromptAsync("ask", new PromptOptions { Prompt = "How many?", RetryPrompt = "From 1 to 10, please." }, ct);
        });
        AddStep(async (step, ct) =>
        {
            await step.SendAsync(string.Create(CultureInfo.InvariantCulture, $"{step.Result<decimal>()} to {step.State.Address}"), ct);
            return await step.EndDialogAsync(null, ct);
        });
    }

    public static DialogSet CreateSet() => new DialogSet()
        .Add<OrderDialog>()
        .Add<AddressDialog>()
        .Add(new NumberPrompt("ask", (prompt, _) => ValueTask.FromResult(prompt.Recognized.Succeeded && prompt.Recognized.Value is >= 1 and <= 10)));
}

/// <summary>A prompt whose MaxAttempts action is configured per options; reports what it got.</summary>
public sealed class AttemptsDialog : WaterfallDialog<QuantityState>
{
    public const string DialogId = "attempts";

    public AttemptsDialog(MaxAttemptsAction action, int maxAttempts)
        : base(DialogId, TestJsonContext.Default.QuantityState)
    {
        AddStep((step, ct) => step.PromptAsync("number", new PromptOptions { Prompt = "A number?", MaxAttempts = maxAttempts, OnMaxAttempts = action }, ct));
        AddStep(async (step, ct) =>
        {
            await step.SendAsync(step.RawResult is decimal value ? "got " + value.ToString(CultureInfo.InvariantCulture) : "got nothing", ct);
            return await step.EndDialogAsync(null, ct);
        });
    }

    public static DialogSet CreateSet(MaxAttemptsAction action, int maxAttempts = 2) => new DialogSet()
        .Add(new AttemptsDialog(action, maxAttempts))
        .Add(new NumberPrompt("number"));
}

/// <summary>Asks for a date and says which one it understood (yyyy-MM-dd[ HH:mm]).</summary>
public sealed class DateDialog : WaterfallDialog<QuantityState>
{
    public const string DialogId = "date";

    public DateDialog()
        : base(DialogId, TestJsonContext.Default.QuantityState)
    {
        AddStep((step, ct) => step.PromptAsync("when", new PromptOptions { Prompt = "When?" }, ct));
        AddStep(async (step, ct) =>
        {
            await step.SendAsync(step.Result<DateTimeValue>().ToString(), ct);
            return await step.EndDialogAsync(null, ct);
        });
    }

    public static DialogSet CreateSet() => new DialogSet().Add<DateDialog>().Add(new DateTimePrompt("when"));
}

/// <summary>A hand-written dialog: counts the messages it sees (state: one number). For concurrency tests.</summary>
public sealed class CounterDialog() : Dialog(DialogId)
{
    public const string DialogId = "counter";

    public override async ValueTask<DialogTurnResult> BeginAsync(DialogContext dc, object? options, CancellationToken cancellationToken)
    {
        dc.ActiveDialog!.State = 1;
        await dc.SendAsync("count=1", cancellationToken);
        return EndOfTurn;
    }

    public override async ValueTask<DialogTurnResult> ContinueAsync(DialogContext dc, CancellationToken cancellationToken)
    {
        var count = (int)dc.ActiveDialog!.State! + 1;
        dc.ActiveDialog.State = count;
        await dc.SendAsync("count=" + count.ToString(CultureInfo.InvariantCulture), cancellationToken);
        return EndOfTurn;
    }

    protected internal override void WriteState(Utf8JsonWriter writer, object state) => writer.WriteNumberValue((int)state);

    protected internal override object? ReadState(ref Utf8JsonReader reader) => reader.GetInt32();

    public static DialogSet CreateSet() => new DialogSet().Add<CounterDialog>();
}

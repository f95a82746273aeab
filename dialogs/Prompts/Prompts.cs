using SupportBot.Dialogs.Engine;
using SupportBot.Dialogs.Prompts.Recognizers;

namespace SupportBot.Dialogs.Prompts;

/// <summary>Any non-empty text (trimmed).</summary>
public sealed class TextPrompt(string id, PromptValidator<string>? validator = null) : Prompt<string>(id, validator)
{
    protected override PromptRecognizerResult<string> Recognize(DialogContext dc, string text, PromptOptions options) =>
        PromptRecognizerResult<string>.Of(text);
}

/// <summary>A person's name, without "my name is" and the like; greetings, yes or no, questions and sentences are asked again.</summary>
public sealed class NamePrompt(string id, PromptValidator<string>? validator = null) : Prompt<string>(id, validator)
{
    protected override PromptRecognizerResult<string> Recognize(DialogContext dc, string text, PromptOptions options) =>
        NameRecognizer.Recognize(text) is { } name ? PromptRecognizerResult<string>.Of(name) : PromptRecognizerResult<string>.Failed;

    protected override string DefaultRetryText(string language) => DialogMessages.Get(DialogMessages.RetryName, language);
}

/// <summary>A number (decimal) in the customer's notation: "42", "3,5" (de/ru), "1,000.5" (en), "zwölf", "три".</summary>
public sealed class NumberPrompt(string id, PromptValidator<decimal>? validator = null) : Prompt<decimal>(id, validator)
{
    protected override PromptRecognizerResult<decimal> Recognize(DialogContext dc, string text, PromptOptions options) =>
        NumberRecognizer.Recognize(text, dc.Language) is { } value ? PromptRecognizerResult<decimal>.Of(value) : PromptRecognizerResult<decimal>.Failed;

    protected override string DefaultRetryText(string language) => DialogMessages.Get(DialogMessages.RetryNumber, language);
}

/// <summary>
/// One of <see cref="PromptOptions.Choices"/>, by number, value, synonym or with a typo; the result is a
/// <see cref="FoundChoice"/>. With the default <see cref="ChoiceStyle.Buttons"/> the question is sent bare and
/// the choices go along as suggested choices.
/// </summary>
public sealed class ChoicePrompt(string id, PromptValidator<FoundChoice>? validator = null) : Prompt<FoundChoice>(id, validator)
{
    protected override PromptRecognizerResult<FoundChoice> Recognize(DialogContext dc, string text, PromptOptions options)
    {
        var choices = options.Choices;
        if (choices is null || choices.Count == 0)
        {
            return PromptRecognizerResult<FoundChoice>.Failed;
        }

        var index = ChoiceRecognizer.Recognize(text, choices);
        return index < 0 ? PromptRecognizerResult<FoundChoice>.Failed : PromptRecognizerResult<FoundChoice>.Of(new FoundChoice(choices[index].Value, index));
    }

    internal override bool ClaimsAnswer(DialogContext dc, DialogInstance frame) =>
        OptionsOf(frame).Choices is { Count: > 0 } choices && ChoiceRecognizer.IsExact(dc.Text, choices);

    protected override string DefaultRetryText(string language) => DialogMessages.Get(DialogMessages.RetryChoice, language);
}

/// <summary>The choice a <see cref="ChoicePrompt"/> recognised.</summary>
public sealed record FoundChoice(string Value, int Index);

/// <summary>Yes or no (bool), in en/ru/de; offers localised Yes/No buttons unless the options bring their own choices.</summary>
public sealed class ConfirmPrompt(string id, PromptValidator<bool>? validator = null) : Prompt<bool>(id, validator)
{
    private static readonly Dictionary<string, IReadOnlyList<Choice>> YesNo = new(StringComparer.Ordinal)
    {
        ["en"] = [new Choice(DialogMessages.Yes.En), new Choice(DialogMessages.No.En)],
        ["ru"] = [new Choice(DialogMessages.Yes.Ru), new Choice(DialogMessages.No.Ru)],
        ["de"] = [new Choice(DialogMessages.Yes.De), new Choice(DialogMessages.No.De)],
    };

    protected override PromptRecognizerResult<bool> Recognize(DialogContext dc, string text, PromptOptions options)
    {
        if (ConfirmRecognizer.Recognize(text) is { } answer)
        {
            return PromptRecognizerResult<bool>.Of(answer);
        }

        // "1" / "2" for the two buttons
        return text switch
        {
            "1" => PromptRecognizerResult<bool>.Of(true),
            "2" => PromptRecognizerResult<bool>.Of(false),
            _ => PromptRecognizerResult<bool>.Failed,
        };
    }

    protected override IReadOnlyList<Choice>? ChoicesFor(DialogContext dc, PromptOptions options) =>
        options.Choices ?? (YesNo.TryGetValue(dc.Language, out var choices) ? choices : YesNo["en"]);

    protected override string DefaultRetryText(string language) => DialogMessages.Get(DialogMessages.RetryConfirm, language);
}

/// <summary>An e-mail address, found anywhere in the answer; the domain lower-cased.</summary>
public sealed class EmailPrompt(string id, PromptValidator<string>? validator = null) : Prompt<string>(id, validator)
{
    protected override PromptRecognizerResult<string> Recognize(DialogContext dc, string text, PromptOptions options) =>
        EmailRecognizer.Recognize(text) is { } email ? PromptRecognizerResult<string>.Of(email) : PromptRecognizerResult<string>.Failed;

    protected override string DefaultRetryText(string language) => DialogMessages.Get(DialogMessages.RetryEmail, language);
}

/// <summary>
/// A phone number as E.164 ("+4930123456"). National numbers get <see cref="DefaultCountryCode"/>, or the
/// language's (ru → 7, de → 49; en has none, so English speakers need "+" or "00").
/// </summary>
public sealed class PhonePrompt(string id, PromptValidator<string>? validator = null) : Prompt<string>(id, validator)
{
    /// <summary>Digits only, e.g. "49".</summary>
    public string? DefaultCountryCode { get; init; }

    protected override PromptRecognizerResult<string> Recognize(DialogContext dc, string text, PromptOptions options) =>
        PhoneRecognizer.Recognize(text, DefaultCountryCode ?? PhoneRecognizer.CountryCodeFor(dc.Language)) is { } phone
            ? PromptRecognizerResult<string>.Of(phone)
            : PromptRecognizerResult<string>.Failed;

    protected override string DefaultRetryText(string language) => DialogMessages.Get(DialogMessages.RetryPhone, language);
}

/// <summary>How the customer can be reached: an e-mail address, else a phone number (as <see cref="PhonePrompt"/> reads it).</summary>
public sealed class ContactPrompt(string id, PromptValidator<ContactValue>? validator = null) : Prompt<ContactValue>(id, validator)
{
    protected override PromptRecognizerResult<ContactValue> Recognize(DialogContext dc, string text, PromptOptions options)
    {
        if (EmailRecognizer.Recognize(text) is { } email)
        {
            return PromptRecognizerResult<ContactValue>.Of(new ContactValue(ContactKind.Email, email));
        }

        return PhoneRecognizer.Recognize(text, PhoneRecognizer.CountryCodeFor(dc.Language)) is { } phone
            ? PromptRecognizerResult<ContactValue>.Of(new ContactValue(ContactKind.Phone, phone))
            : PromptRecognizerResult<ContactValue>.Failed;
    }

    protected override string DefaultRetryText(string language) => DialogMessages.Get(DialogMessages.RetryContact, language);
}

public enum ContactKind { Email, Phone }

/// <summary>What a <see cref="ContactPrompt"/> recognised; the text is the address or the E.164 number.</summary>
public sealed record ContactValue(ContactKind Kind, string Value)
{
    public override string ToString() => Value;
}

/// <summary>A date and maybe a time, relative to today in the turn's time zone (from the runner's TimeProvider).</summary>
public sealed class DateTimePrompt(string id, PromptValidator<DateTimeValue>? validator = null) : Prompt<DateTimeValue>(id, validator)
{
    protected override PromptRecognizerResult<DateTimeValue> Recognize(DialogContext dc, string text, PromptOptions options)
    {
        var now = TimeZoneInfo.ConvertTime(dc.Turn.Time.GetUtcNow(), dc.Turn.TimeZone);
        return DateTimeRecognizer.Recognize(text, DateOnly.FromDateTime(now.DateTime), dc.Language) is { } value
            ? PromptRecognizerResult<DateTimeValue>.Of(value)
            : PromptRecognizerResult<DateTimeValue>.Failed;
    }

    protected override string DefaultRetryText(string language) => DialogMessages.Get(DialogMessages.RetryDate, language);
}

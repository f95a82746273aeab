namespace SupportBot.Dialogs.Engine;

/// <summary>The engine's own lines (re-prompts, interruption replies) in en, ru and de.</summary>
public static class DialogMessages
{
    public sealed record Line(string En, string Ru, string De);

    public static readonly Line RetryText = new("Sorry, I didn't get that.", "Извините, я не понял.", "Entschuldigung, das habe ich nicht verstanden.");
    public static readonly Line RetryName = new("Please tell me just your name, like Anna Schmidt.", "Напишите, пожалуйста, только имя, например: Анна Смирнова.", "Bitte nennen Sie nur Ihren Namen, z. B. Anna Schmidt.");
    public static readonly Line RetryNumber = new("Please answer with a number.", "Пожалуйста, ответьте числом.", "Bitte antworten Sie mit einer Zahl.");
    public static readonly Line RetryChoice = new("Please pick one of the options.", "Пожалуйста, выберите один из вариантов.", "Bitte wählen Sie eine der Optionen.");
    public static readonly Line RetryConfirm = new("Please answer yes or no.", "Пожалуйста, ответьте «да» или «нет».", "Bitte antworten Sie mit Ja oder Nein.");
    public static readonly Line RetryEmail = new("That doesn't look like an e-mail address (like name@example.com).", "Это не похоже на адрес электронной почты (например, name@example.com).", "Das sieht nicht nach einer E-Mail-Adresse aus (z. B. name@example.com).");
    public static readonly Line RetryPhone = new("That doesn't look like a phone number (like +49 30 1234567).", "Это не похоже на номер телефона (например, +7 912 345-67-89).", "Das sieht nicht nach einer Telefonnummer aus (z. B. +49 30 1234567).");
    public static readonly Line RetryContact = new("Please give an e-mail address or a phone number (like name@example.com or +49 30 1234567).", "Пожалуйста, укажите адрес электронной почты или номер телефона (например, name@example.com или +7 912 345-67-89).", "Bitte nennen Sie eine E-Mail-Adresse oder Telefonnummer (z. B. name@example.com oder +49 30 1234567).");
    public static readonly Line RetryDate = new("Please give a date, like \"tomorrow\", \"next Monday\" or 24.12.2026.", "Пожалуйста, укажите дату, например «завтра», «в понедельник» или 24.12.2026.", "Bitte nennen Sie ein Datum, z. B. „morgen“, „nächsten Montag“ oder 24.12.2026.");
    public static readonly Line Yes = new("Yes", "Да", "Ja");
    public static readonly Line No = new("No", "Нет", "Nein");
    public static readonly Line Help = new(
        "Just answer the question. You can also say \"cancel\", \"start over\" or \"operator\".",
        "Просто ответьте на вопрос. Можно также написать «отмена», «начать заново» или «оператор».",
        "Beantworten Sie einfach die Frage. Sie können auch „abbrechen“, „von vorne“ oder „Mitarbeiter“ schreiben.");
    public static readonly Line Cancelled = new("OK, cancelled.", "Хорошо, отменено.", "OK, abgebrochen.");
    public static readonly Line StartingOver = new("OK, let's start over.", "Хорошо, начнём сначала.", "OK, wir fangen von vorne an.");
    public static readonly Line Handoff = new("I'm passing you to a colleague, one moment please.", "Передаю вас коллеге, одну минуту.", "Ich verbinde Sie mit einem Kollegen, einen Moment bitte.");
    public static readonly Line HandoffAfterAttempts = new(
        "I'm having trouble understanding, so I'm passing you to a colleague.",
        "Кажется, я вас не понимаю, поэтому передаю вас коллеге.",
        "Ich verstehe Sie leider nicht, deshalb verbinde ich Sie mit einem Kollegen.");

    public static string Get(Line line, string? language) => language switch
    {
        "ru" => line.Ru,
        "de" => line.De,
        _ => line.En,
    };
}

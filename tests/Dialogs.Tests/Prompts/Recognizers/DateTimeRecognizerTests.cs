using SupportBot.Dialogs.Prompts.Recognizers;

namespace SupportBot.Dialogs.Tests.Prompts.Recognizers;

public sealed class DateTimeRecognizerTests
{
    /// <summary>A Tuesday.</summary>
    private static readonly DateOnly Today = new(2026, 11, 24);

    [Theory]
    // relative days
    [InlineData("en", "today", "2026-11-24")]
    [InlineData("en", "tomorrow", "2026-11-25")]
    [InlineData("en", "Tomorrow please", "2026-11-25")]
    [InlineData("en", "the day after tomorrow", "2026-11-26")]
    [InlineData("en", "yesterday", "2026-11-23")]
    [InlineData("ru", "сегодня", "2026-11-24")]
    [InlineData("ru", "завтра", "2026-11-25")]
    [InlineData("ru", "Послезавтра", "2026-11-26")]
    [InlineData("de", "heute", "2026-11-24")]
    [InlineData("de", "morgen", "2026-11-25")]
    [InlineData("de", "übermorgen", "2026-11-26")]
    // weekdays: the next such day after today
    [InlineData("en", "next Monday", "2026-11-30")]
    [InlineData("en", "monday", "2026-11-30")]
    [InlineData("en", "on Friday", "2026-11-27")]
    [InlineData("en", "Tuesday", "2026-12-01")]
    [InlineData("ru", "в понедельник", "2026-11-30")]
    [InlineData("ru", "в следующий понедельник", "2026-11-30")]
    [InlineData("ru", "в пятницу", "2026-11-27")]
    [InlineData("de", "nächsten Montag", "2026-11-30")]
    [InlineData("de", "am Freitag", "2026-11-27")]
    // in N days / weeks
    [InlineData("en", "in 3 days", "2026-11-27")]
    [InlineData("en", "in a week", "2026-12-01")]
    [InlineData("ru", "через 3 дня", "2026-11-27")]
    [InlineData("ru", "через неделю", "2026-12-01")]
    [InlineData("de", "in 3 Tagen", "2026-11-27")]
    // numeric dates
    [InlineData("en", "2026-12-24", "2026-12-24")]
    [InlineData("ru", "24.12.2026", "2026-12-24")]
    [InlineData("de", "24.12.26", "2026-12-24")]
    [InlineData("de", "24.12.", "2026-12-24")]
    [InlineData("ru", "01.02", "2027-02-01")] // passed this year: next year
    [InlineData("en", "12/24/2026", "2026-12-24")]
    [InlineData("de", "24/12/2026", "2026-12-24")]
    // month names
    [InlineData("en", "1 December", "2026-12-01")]
    [InlineData("en", "December 1st", "2026-12-01")]
    [InlineData("en", "the 1st of December", "2026-12-01")]
    [InlineData("en", "on the 3rd of March 2027", "2027-03-03")]
    [InlineData("en", "22nd December", "2026-12-22")]
    [InlineData("en", "March 3rd, 2027", "2027-03-03")]
    [InlineData("ru", "1 декабря", "2026-12-01")]
    [InlineData("ru", "5 марта 2027", "2027-03-05")]
    [InlineData("de", "1. Dezember", "2026-12-01")]
    // with times
    [InlineData("en", "tomorrow at 3pm", "2026-11-25 15:00")]
    [InlineData("en", "2026-12-01T14:30", "2026-12-01 14:30")]
    [InlineData("en", "14:00", "2026-11-24 14:00")]
    [InlineData("en", "next Monday at noon", "2026-11-30 12:00")]
    [InlineData("ru", "завтра в 10:30", "2026-11-25 10:30")]
    [InlineData("ru", "в понедельник в 9", "2026-11-30 09:00")]
    [InlineData("de", "morgen um 15 Uhr", "2026-11-25 15:00")]
    [InlineData("de", "24.12.2026 18:00", "2026-12-24 18:00")]
    // dotted times, and hours said with the part of the day
    [InlineData("de", "morgen um 14.30 Uhr", "2026-11-25 14:30")]
    [InlineData("ru", "завтра в 9.15", "2026-11-25 09:15")]
    [InlineData("en", "tomorrow at 3.30pm", "2026-11-25 15:30")]
    [InlineData("de", "am 24.12. um 18.00", "2026-12-24 18:00")]
    [InlineData("ru", "завтра в 7 вечера", "2026-11-25 19:00")]
    [InlineData("ru", "вечером в 7:30", "2026-11-24 19:30")]
    [InlineData("ru", "в пятницу в 3 дня", "2026-11-27 15:00")]
    [InlineData("ru", "завтра в 11 ночи", "2026-11-25 23:00")]
    [InlineData("ru", "завтра в 9 утра", "2026-11-25 09:00")]
    // a bare hour from 1 to 6 is in the afternoon, unless the morning is said
    [InlineData("ru", "через 3 дня в 5", "2026-11-27 17:00")]
    [InlineData("en", "tomorrow at 5", "2026-11-25 17:00")]
    [InlineData("de", "morgen um 3 Uhr", "2026-11-25 15:00")]
    [InlineData("ru", "завтра в 5 утра", "2026-11-25 05:00")]
    [InlineData("en", "tomorrow at 6 in the morning", "2026-11-25 06:00")]
    [InlineData("de", "morgen um 6 Uhr früh", "2026-11-25 06:00")]
    [InlineData("en", "tomorrow at 5am", "2026-11-25 05:00")]
    [InlineData("ru", "завтра в 05:00", "2026-11-25 05:00")]
    [InlineData("en", "tomorrow at 7", "2026-11-25 07:00")]
    [InlineData("de", "morgen um 8 Uhr abends", "2026-11-25 20:00")]
    [InlineData("de", "heute Abend um 7", "2026-11-24 19:00")]
    [InlineData("en", "tonight at 8", "2026-11-24 20:00")]
    [InlineData("en", "Good evening, tomorrow at 10", "2026-11-25 10:00")]
    public void Recognizes(string language, string text, string expected) =>
        Assert.Equal(expected, DateTimeRecognizer.Recognize(text, Today, language)?.ToString());

    [Theory]
    [InlineData("en", "sometime")]
    [InlineData("ru", "когда-нибудь")]
    [InlineData("de", "irgendwann")]
    [InlineData("de", "31.02.2026")]
    [InlineData("en", "tomorrow at 25:00")]
    [InlineData("ru", "через 2 часа")] // a duration, not two o'clock
    public void Unclear_IsNull(string language, string text) => Assert.Null(DateTimeRecognizer.Recognize(text, Today, language));
}

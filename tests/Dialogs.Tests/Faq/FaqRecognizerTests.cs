using SupportBot.Dialogs.Content;
using SupportBot.Dialogs.Faq;

namespace SupportBot.Dialogs.Tests.Faq;

public sealed class FaqRecognizerTests
{
    private static readonly Lazy<FaqRecognizer> Shipped = new(() => FaqRecognizer.FromFaq(ContentCatalog.Load(
        Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../content"))).Faq));

    [Theory]
    [InlineData("how long does the delivery take", "delivery-time")]
    [InlineData("when will my order arrive at my home?", "delivery-time")]
    [InlineData("how much does shipping cost", "delivery-cost")]
    [InlineData("can I pay with PayPal?", "payment-methods")]
    [InlineData("Сколько стоит доставка заказа?", "delivery-cost")]
    [InlineData("как вернуть товар в магазин", "returns")]
    [InlineData("где сейчас мой заказ", "order-status")]
    [InlineData("Wie kann ich den Artikel zurückgeben?", "returns")]
    [InlineData("wie lange dauert die Lieferung nach Berlin", "delivery-time")]
    [InlineData("Kann ich mit Kreditkarte zahlen?", "payment-methods")]
    public void Recognize_ParaphraseInAnyLanguage_AnswersTheEntry(string question, string expectedId)
    {
        var recognition = Shipped.Value.Recognize(question);

        Assert.Equal(expectedId, recognition.Top?.Label);
        Assert.Equal(FaqDecision.Answer, recognition.Decision);
    }

    /// <summary>
    /// 180 customer messages (six per entry: two each in English, Russian and German, short and long, with typos), written
    /// by someone who saw only the answers, never the example questions: how the shipped demo does with real phrasings.
    /// To see what it misses: <c>dotnet run -c Release --project bench -- faq-eval --train content --test
    /// tests/Dialogs.Tests/Faq/customer-questions.csv --misses misses.csv</c>.
    /// </summary>
    [Fact]
    public void Shipped_CustomerMessagesNotAmongTheExamples_MostlyFindTheirEntry_AndAreSeldomAnsweredWrong()
    {
        var rows = ReadCustomerQuestions();
        var results = rows.Select(r => (Row: r, Recognition: Shipped.Value.Recognize(r.Text, 3))).ToList();

        var inTopThree = results.Count(r => r.Recognition.Candidates.Any(c => c.Label == r.Row.Category));
        var wrongAnswers = results.Where(r => r.Recognition.Decision == FaqDecision.Answer && r.Recognition.Top?.Label != r.Row.Category).ToList();
        var unknown = results.Count(r => r.Recognition.Decision == FaqDecision.Unknown);
        var report = $"{rows.Count} messages: right entry in the top 3 for {inTopThree}, don't-know for {unknown}, answered wrong:"
            + string.Concat(wrongAnswers.Select(r => $"\n  \"{r.Row.Text}\" ({r.Row.Category}) → {Describe(r.Recognition)}"));

        Assert.Equal(180, rows.Count);
        // Offered among the top three (answered or as a choice) for at least 92 of 100; before the entries had their
        // customers' situations among the examples ("it came broken", "one item was not in the box") it was 88.
        Assert.True(inTopThree >= 0.92 * rows.Count, report);
        // A wrong answer costs more than a choice or a person: at most 4 in 100 (6 of 180 now).
        Assert.True(wrongAnswers.Count <= 0.04 * rows.Count, report);
        // "Sorry, I didn't get that" for at most 12 in 100 (17 of 180 now; 40 before).
        Assert.True(unknown <= 0.12 * rows.Count, report);
    }

    /// <summary>
    /// The same 180 messages as customers often send them, in a greeting or followed by thanks in their own language
    /// ("Добрый день, где мой заказ?", "Wie funktioniert die Rücksendung? Danke!"). Before the recognizer looked past
    /// the small-talk entries' phrases, "Добрый день, где мой заказ?" got "Здравствуйте! Чем могу помочь?", and 8–15 fewer
    /// messages were answered right with the greeting than without.
    /// </summary>
    [Fact]
    public void Shipped_CustomerMessagesInAGreetingOrWithThanks_AreAnsweredAsWithout()
    {
        var rows = ReadCustomerQuestions();
        // The file holds two messages in English, two in Russian and two in German per entry, in that order.
        string[][] greetings = [["Hi there, ", "Hello! ", "Good evening, "], ["Здравствуйте! ", "Добрый день, ", "Привет, "], ["Hallo, ", "Guten Tag! ", "Moin, "]];
        string[] thanks = [" Thanks!", " Спасибо!", " Danke!"];

        var plainRight = 0;
        var greetedRight = 0;
        var answeredWithSmallTalk = new List<string>();
        for (var i = 0; i < rows.Count; i++)
        {
            var language = i % 6 / 2;
            var greeted = i % 3 == 2 ? rows[i].Text + thanks[language] : greetings[language][i / 6 % 3] + rows[i].Text;
            var plain = Shipped.Value.Recognize(rows[i].Text, 3);
            var recognition = Shipped.Value.Recognize(greeted, 3);
            plainRight += plain.Decision == FaqDecision.Answer && plain.Top?.Label == rows[i].Category ? 1 : 0;
            greetedRight += recognition.Decision == FaqDecision.Answer && recognition.Top?.Label == rows[i].Category ? 1 : 0;
            if (recognition.Decision == FaqDecision.Answer && recognition.Top?.Label is { } label && label.StartsWith("smalltalk-", StringComparison.Ordinal))
            {
                answeredWithSmallTalk.Add($"\"{greeted}\" ({rows[i].Category}) → {Describe(recognition)}");
            }
        }

        var report = $"answered right: {plainRight} as written, {greetedRight} with a greeting or thanks; answered with small talk:\n  "
            + string.Join("\n  ", answeredWithSmallTalk);
        // The greeting may cost a message or two, no more (146 both ways now; 8–15 fewer before).
        Assert.True(greetedRight >= plainRight - 2, report);
        // A question in a greeting is not answered with "Hello! How can I help?" (none now; 2–3 before).
        Assert.True(answeredWithSmallTalk.Count <= 1, report);
    }

    private static List<CustomerQuestion> ReadCustomerQuestions()
    {
        using var reader = new StreamReader(Path.Combine(AppContext.BaseDirectory, "../../../../../tests/Dialogs.Tests/Faq/customer-questions.csv"));
        using var csv = new CsvHelper.CsvReader(reader, System.Globalization.CultureInfo.InvariantCulture);
        return csv.GetRecords<CustomerQuestion>().ToList();
    }

    private sealed class CustomerQuestion
    {
        [CsvHelper.Configuration.Attributes.Name("text")]
        public string Text { get; set; } = "";

        [CsvHelper.Configuration.Attributes.Name("category")]
        public string Category { get; set; } = "";
    }

    /// <summary>A lone word several entries share names a topic: the customer picks (before, "payment" got the failed-payment answer).</summary>
    [Theory]
    [InlineData("delivery", "delivery-")]
    [InlineData("Lieferung", "delivery-")]
    [InlineData("payment", "payment-methods", "payment-failed", "installments")]
    [InlineData("order", "order-")]
    [InlineData("hi, delivery?", "delivery-")]
    public void Recognize_ALoneTopicWord_OffersTheEntriesThatShareIt(string text, params string[] entries)
    {
        var recognition = Shipped.Value.Recognize(text, 3);

        Assert.True(recognition.Decision == FaqDecision.Choices && recognition.Candidates.Count == 3, Describe(recognition));
        Assert.All(recognition.Candidates, c => Assert.Contains(entries, e => e.EndsWith('-') ? c.Label.StartsWith(e, StringComparison.Ordinal) : c.Label == e));
    }

    [Theory]
    [InlineData("warranty", "warranty")]           // one entry's word (and one more's): answered
    [InlineData("Rückgabe", "returns")]
    [InlineData("where is my order", "order-status")] // a question about the topic: answered
    public void Recognize_AWordOfOneEntry_OrAQuestion_IsStillAnswered(string text, string entry)
    {
        var recognition = Shipped.Value.Recognize(text, 3);

        Assert.True(recognition.Decision == FaqDecision.Answer && recognition.Top?.Label == entry, Describe(recognition));
    }

    [Theory]
    [InlineData("qwerty zxcv")]
    [InlineData("")]
    [InlineData("?!")]
    [InlineData("12345")]
    public void Recognize_Unrelated_IsUnknown(string text) =>
        Assert.Equal(FaqDecision.Unknown, Shipped.Value.Recognize(text).Decision);

    [Fact]
    public void Recognize_AmbiguousText_OffersChoices()
    {
        var recognizer = FaqRecognizer.Train(
        [
            new("I lost my card", "card-lost"),
            new("my card is lost, what now", "card-lost"),
            new("my card was stolen", "card-stolen"),
            new("someone stole my card", "card-stolen"),
            new("my card has not arrived yet", "card-arrival"),
            new("when will my new card arrive", "card-arrival"),
            new("what are your opening hours", "hours"),
            new("when are you open", "hours"),
        ], new FaqRecognizerOptions { CalibrationShare = 0 });

        var recognition = recognizer.Recognize("my card", 3);

        Assert.True(recognition.Decision == FaqDecision.Choices, Describe(recognition));
        Assert.Equal(
            ["card-arrival", "card-lost", "card-stolen"],
            recognition.Candidates.Select(c => c.Label).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Recognize_TopNotTwiceTheRunnerUp_OffersChoicesInsteadOfAnswering()
    {
        // Russian and English card questions: short texts that fit several entries, and clear ones.
        LabeledText[] examples =
        [
            new("I lost my card", "card-lost"), new("my card is lost, what now", "card-lost"),
            new("Я потерял карту", "card-lost"), new("моя карта потерялась", "card-lost"),
            new("my card was stolen", "card-stolen"), new("someone stole my card", "card-stolen"),
            new("у меня украли карту", "card-stolen"), new("моя карта украдена", "card-stolen"),
            new("my card has not arrived yet", "card-arrival"), new("when will my new card arrive", "card-arrival"),
            new("моя карта еще не пришла", "card-arrival"), new("когда придет моя новая карта", "card-arrival"),
            new("what are your opening hours", "hours"), new("when are you open", "hours"),
            new("когда вы работаете", "hours"), new("часы работы", "hours"),
        ];
        string[] texts = ["my card", "моя карта", "карта", "card", "где моя карта", "my card was stolen", "украли карту", "когда работаете"];
        static bool AnsweredWithoutClearLead(FaqRecognition r) =>
            r.Decision == FaqDecision.Answer && r.Candidates.Count > 1 && r.Candidates[0].Confidence < 2 * r.Candidates[1].Confidence;

        var withMargin = FaqRecognizer.Train(examples);
        var withoutMargin = FaqRecognizer.Train(examples, new FaqRecognizerOptions { AnswerMargin = 0 });

        Assert.All(texts, t => Assert.False(AnsweredWithoutClearLead(withMargin.Recognize(t, 3)), Describe(withMargin.Recognize(t, 3))));
        Assert.Contains(texts, t => AnsweredWithoutClearLead(withoutMargin.Recognize(t, 3)));
        Assert.Equal(FaqDecision.Choices, withMargin.Recognize("моя карта", 3).Decision);
        Assert.Equal(FaqDecision.Answer, withMargin.Recognize("украли карту", 3).Decision);
    }

    [Theory]
    [InlineData("how long does the delivery take")]
    [InlineData("Сколько стоит доставка?")]
    [InlineData("qwerty")]
    [InlineData("I want to return it and pay by card")]
    public void Recognize_Confidences_AreProbabilitiesMostProbableFirst(string text)
    {
        var candidates = Shipped.Value.Recognize(text, 5).Candidates;

        Assert.InRange(candidates.Count, 1, 5);
        Assert.All(candidates, c => Assert.InRange(c.Confidence, 0, 1));
        Assert.True(candidates.Sum(c => c.Confidence) <= 1 + 1e-9);
        Assert.Equal(candidates.OrderByDescending(c => c.Confidence).ToList(), candidates);
    }

    [Fact]
    public void Recognize_FromManyThreads_SameAsOneByOne()
    {
        string[] texts =
        [
            "how long does the delivery take", "Сколько стоит доставка?", "Wie kann ich den Artikel zurückgeben?",
            "can I pay with PayPal?", "where is my parcel", "are you open on sunday", "qwerty", "",
            "ich möchte mein Geld zurück", "заказ не пришёл", "shipping price to Spain", "Bestellstatus bitte",
        ];
        var recognizer = Shipped.Value;
        var expected = texts.Select(t => Describe(recognizer.Recognize(t, 3))).ToArray();

        var actual = new string[texts.Length * 50];
        Parallel.For(0, actual.Length, new ParallelOptions { MaxDegreeOfParallelism = 16 }, i =>
            actual[i] = Describe(recognizer.Recognize(texts[i % texts.Length], 3)));

        for (var i = 0; i < actual.Length; i++)
        {
            Assert.Equal(expected[i % texts.Length], actual[i]);
        }
    }

    [Fact]
    public void Train_NoExamples_RecognizesNothing()
    {
        var recognizer = FaqRecognizer.FromFaq([]);

        var recognition = recognizer.Recognize("how long does delivery take?");

        Assert.Equal(FaqDecision.Unknown, recognition.Decision);
        Assert.Empty(recognition.Candidates);
        Assert.Empty(recognizer.Labels);
    }

    [Fact]
    public void Train_OneEntry_AnswersItsQuestionsOnly()
    {
        var entry = new FaqEntry
        {
            Id = "hours",
            Questions = new() { ["en"] = ["What are your opening hours?", "when are you open"], ["de"] = ["Öffnungszeiten"] },
            Answer = new() { ["en"] = "9 to 5." },
        };
        var recognizer = FaqRecognizer.FromFaq([entry]);

        var known = recognizer.Recognize("what are the opening hours");
        var unrelated = recognizer.Recognize("qwerty zxcv");

        Assert.Equal(FaqDecision.Answer, known.Decision);
        Assert.Equal("hours", known.Top?.Label);
        Assert.Equal(FaqDecision.Unknown, unrelated.Decision);
    }

    [Fact]
    public void Recognize_KBelowOne_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Shipped.Value.Recognize("hello", 0));

    private static string Describe(FaqRecognition r) =>
        $"{r.Decision} {r.Similarity:R} " + string.Join(";", r.Candidates.Select(c => $"{c.Label}={c.Confidence:R}"));
}

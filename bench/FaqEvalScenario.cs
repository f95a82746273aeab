using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsvHelper;
using SupportBot.Dialogs.Content;
using SupportBot.Dialogs.Faq;

namespace SupportBot.Benchmarks;

/// <summary>
/// <c>faq-eval --train a.csv --test b.csv [--shots N] [--seed S]</c>: trains <see cref="FaqRecognizer"/> on one file of
/// <c>text,category</c> rows and scores it on the other; <c>--folds K</c> instead cross-validates on the training rows.
/// </summary>
internal static class FaqEvalScenario
{
    // Enough calls for the JIT's tiered recompilation of the hot path to settle before timing.
    private const int WarmUpPredictions = 2000;

    public static int Run(BenchArgs options)
    {
        List<LabeledText> train;
        List<LabeledText> test;
        FaqRecognizerOptions recognizerOptions;
        SocialPhrases? social = null;
        try
        {
            if (Directory.Exists(options.TrainFile))
            {
                (train, social) = ReadFaqQuestions(options.TrainFile);
            }
            else
            {
                train = ReadCsv(options.TrainFile!);
            }

            test = options.TestFile is { } testFile ? ReadCsv(testFile) : [];
            recognizerOptions = ApplySettings(new FaqRecognizerOptions { Seed = options.Seed }, options.Settings);
        }
        catch (FormatException e)
        {
            Console.Error.WriteLine("error: " + e.Message + Environment.NewLine);
            Console.Error.WriteLine(BenchArgs.Usage);
            return 2;
        }

        if (options.Folds is { } folds)
        {
            if (train.GroupBy(t => t.Label, StringComparer.Ordinal).Any(g => g.Count() < folds))
            {
                Console.Error.WriteLine($"error: --folds {folds} needs at least {folds} training rows in every category.");
                return 2;
            }

            return CrossValidate(train, folds, recognizerOptions, social, options);
        }

        if (options.Shots is { } shots)
        {
            train = KeepPerCategory(train, shots, options.Seed);
        }

        if (train.Count == 0 || test.Count == 0)
        {
            Console.Error.WriteLine("error: the training and the test file each need at least one row.");
            return 2;
        }

        var run = TrainAndScore(train, test, recognizerOptions, social);
        Report(test, run.Results, options);
        var line = new JsonObject
        {
            ["scenario"] = "faq-eval",
            ["train"] = train.Count,
            ["test"] = test.Count,
            ["accuracy"] = BenchProgram.Round(run.Accuracy, 4),
            ["accuracy_at_3"] = BenchProgram.Round(run.AccuracyAt3(test), 4),
            ["train_seconds"] = BenchProgram.Round(run.TrainSeconds, 2),
            ["p99_predict_ms"] = BenchProgram.Round(run.P99, 3),
        };
        Console.Out.WriteLine(line.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));
        return 0;
    }

    /// <summary>
    /// <c>--folds K</c>: stratified K-fold cross-validation over the training rows alone. Every row is tested once, by a
    /// recognizer trained on the other K − 1 folds (with <c>--shots</c>, on that many of them per category). One test file
    /// of 1,000–2,000 rows moves a point or more with the split (BANKING77: 0.888–0.931 over ten folds), so a change is
    /// judged on the pooled figure, with the folds' spread beside it.
    /// </summary>
    private static int CrossValidate(List<LabeledText> rows, int folds, FaqRecognizerOptions recognizerOptions, SocialPhrases? social, BenchArgs options)
    {
        var foldOf = AssignFolds(rows, folds, options.Seed);
        var pooledTest = new List<LabeledText>(rows.Count);
        var pooledResults = new List<(FaqRecognition Recognition, bool Correct)>(rows.Count);
        var pooledLatencies = new List<double>(rows.Count);
        var accuracies = new double[folds];
        var trainSeconds = new double[folds];
        var trainRows = new int[folds];
        for (var fold = 0; fold < folds; fold++)
        {
            var train = Enumerable.Range(0, rows.Count).Where(i => foldOf[i] != fold).Select(i => rows[i]).ToList();
            var test = Enumerable.Range(0, rows.Count).Where(i => foldOf[i] == fold).Select(i => rows[i]).ToList();
            if (options.Shots is { } shots)
            {
                train = KeepPerCategory(train, shots, options.Seed + fold);
            }

            var run = TrainAndScore(train, test, recognizerOptions, social);
            accuracies[fold] = run.Accuracy;
            trainSeconds[fold] = run.TrainSeconds;
            trainRows[fold] = train.Count;
            pooledTest.AddRange(test);
            pooledResults.AddRange(run.Results);
            pooledLatencies.AddRange(run.Latencies);
            BenchProgram.Progress(string.Create(CultureInfo.InvariantCulture,
                $"faq-eval: fold {fold + 1} of {folds}: trained on {train.Count}, tested {test.Count}: top-1 {run.Accuracy:0.0000}, top-3 {run.AccuracyAt3(test):0.0000}"));
        }

        var results = pooledResults.ToArray();
        Report(pooledTest, results, options);
        var latencies = pooledLatencies.ToArray();
        Array.Sort(latencies);
        var mean = accuracies.Average();
        var sd = Math.Sqrt(accuracies.Sum(a => (a - mean) * (a - mean)) / (folds - 1));
        BenchProgram.Progress(string.Create(CultureInfo.InvariantCulture,
            $"faq-eval: folds' top-1 from {accuracies.Min():0.0000} to {accuracies.Max():0.0000}, standard deviation {sd:0.0000} (standard error of the mean {sd / Math.Sqrt(folds):0.0000})"));
        var line = new JsonObject
        {
            ["scenario"] = "faq-eval",
            ["folds"] = folds,
            ["train"] = (int)Math.Round(trainRows.Average()),
            ["test"] = pooledTest.Count,
            ["accuracy"] = BenchProgram.Round((double)results.Count(r => r.Correct) / results.Length, 4),
            ["accuracy_sd"] = BenchProgram.Round(sd, 4),
            ["accuracy_at_3"] = BenchProgram.Round(TopThreeShare(pooledTest, results), 4),
            ["train_seconds"] = BenchProgram.Round(trainSeconds.Average(), 2),
            ["p99_predict_ms"] = BenchProgram.Round(BenchProgram.Percentile(latencies, 99), 3),
        };
        Console.Out.WriteLine(line.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));
        return 0;
    }

    /// <summary>Each row's fold: per category, shuffled with the seed and dealt out in turn, so every fold holds about 1/K of each.</summary>
    private static int[] AssignFolds(List<LabeledText> rows, int folds, int seed)
    {
        var random = new Random(seed);
        var foldOf = new int[rows.Count];
        foreach (var group in Enumerable.Range(0, rows.Count).GroupBy(i => rows[i].Label, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var indices = group.ToArray();
            random.Shuffle(indices);
            for (var k = 0; k < indices.Length; k++)
            {
                foldOf[indices[k]] = k % folds;
            }
        }

        return foldOf;
    }

    /// <summary>Trains on <paramref name="train"/>, then recognises every test row once, timing each call after a warm-up.</summary>
    /// <remarks><paramref name="social"/>: a content folder's greetings and thanks, looked past as the bot does (none for a CSV).</remarks>
    private static ScoredRun TrainAndScore(List<LabeledText> train, List<LabeledText> test, FaqRecognizerOptions recognizerOptions, SocialPhrases? social)
    {
        BenchProgram.Progress($"faq-eval: {train.Count} training examples in {train.Select(t => t.Label).Distinct().Count()} categories, {test.Count} test examples ({Environment.ProcessorCount} cores)");
        var clock = Stopwatch.StartNew();
        // A content folder (it has small talk): recognised as the bot does, with its topic words.
        var recognizer = FaqRecognizer.Train(train, recognizerOptions, social, social is null ? null : TopicWords.From(train));
        var trainSeconds = clock.Elapsed.TotalSeconds;
        BenchProgram.Progress(string.Create(CultureInfo.InvariantCulture, $"faq-eval: trained in {trainSeconds:0.00} s; softmax temperature {recognizer.Options.Temperature:0.###}"));

        for (var i = 0; i < WarmUpPredictions; i++)
        {
            recognizer.Recognize(test[i % test.Count].Text);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var collections = GC.CollectionCount(0);
        var latencies = new double[test.Count];
        var results = new (FaqRecognition Recognition, bool Correct)[test.Count];
        for (var i = 0; i < test.Count; i++)
        {
            var started = Stopwatch.GetTimestamp();
            var recognition = recognizer.Recognize(test[i].Text, 3);
            latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            results[i] = (recognition, recognition.Top?.Label == test[i].Label);
        }

        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        collections = GC.CollectionCount(0) - collections;
        var sorted = (double[])latencies.Clone();
        Array.Sort(sorted);
        var p99 = BenchProgram.Percentile(sorted, 99);
        BenchProgram.Progress($"faq-eval: prediction p50 {BenchProgram.Percentile(sorted, 50):0.000} ms, p99 {p99:0.000} ms, max {sorted[^1]:0.000} ms; {allocated / test.Count} bytes allocated per prediction, {collections} gen0 collections (server GC: {System.Runtime.GCSettings.IsServerGC})");
        return new ScoredRun(results, latencies, trainSeconds, p99);
    }

    /// <summary>Calibration, the bands, the balanced accuracy (stderr) and, with <c>--misses</c>, the misses file.</summary>
    private static void Report(List<LabeledText> test, (FaqRecognition Recognition, bool Correct)[] results, BenchArgs options)
    {
        ReportCalibration(results);
        ReportBalancedAccuracy(test, results);
        if (options.MissesFile is { } missesFile)
        {
            WriteMisses(missesFile, test, results);
        }
    }

    private static double TopThreeShare(List<LabeledText> test, (FaqRecognition Recognition, bool Correct)[] results) =>
        (double)Enumerable.Range(0, test.Count).Count(i => results[i].Recognition.Candidates.Any(c => c.Label == test[i].Label)) / test.Count;

    /// <summary>One training and scoring: each test row's recognition (in test order) and latency, the training time, the latencies' p99.</summary>
    private sealed record ScoredRun((FaqRecognition Recognition, bool Correct)[] Results, double[] Latencies, double TrainSeconds, double P99)
    {
        public double Accuracy => (double)Results.Count(r => r.Correct) / Results.Length;

        public double AccuracyAt3(List<LabeledText> test) => TopThreeShare(test, Results);
    }

    /// <summary>Reliability of the top-1 confidence (expected calibration error over 10 bins) and how the decision bands fare, on stderr.</summary>
    private static void ReportCalibration((FaqRecognition Recognition, bool Correct)[] results)
    {
        var bins = new (int Count, double Confidence, int Correct)[10];
        foreach (var (recognition, correct) in results)
        {
            var confidence = recognition.Top?.Confidence ?? 0;
            var bin = Math.Min(9, (int)(confidence * 10));
            bins[bin] = (bins[bin].Count + 1, bins[bin].Confidence + confidence, bins[bin].Correct + (correct ? 1 : 0));
        }

        var ece = bins.Where(b => b.Count > 0).Sum(b => Math.Abs((b.Confidence / b.Count) - ((double)b.Correct / b.Count)) * b.Count) / results.Length;
        var table = string.Join(", ", bins.Select((b, i) => (b, i)).Where(x => x.b.Count > 0)
            .Select(x => string.Create(CultureInfo.InvariantCulture, $"{x.i / 10.0:0.0}-{(x.i + 1) / 10.0:0.0}: n={x.b.Count} conf={x.b.Confidence / x.b.Count:0.00} acc={(double)x.b.Correct / x.b.Count:0.00}")));
        BenchProgram.Progress(string.Create(CultureInfo.InvariantCulture, $"faq-eval: calibration ECE {ece:0.000}; {table}"));

        foreach (var band in Enum.GetValues<FaqDecision>())
        {
            var inBand = results.Where(r => r.Recognition.Decision == band).ToArray();
            if (inBand.Length > 0)
            {
                BenchProgram.Progress(string.Create(CultureInfo.InvariantCulture,
                    $"faq-eval: {band}: {inBand.Length} ({(double)inBand.Length / results.Length:P1}), top-1 right in {(double)inBand.Count(r => r.Correct) / inBand.Length:P1}"));
            }
        }
    }

    /// <summary>
    /// The mean of the categories' top-1 accuracies, on stderr: what the accuracy would be on a test file with as many
    /// rows per category (BANKING77's official test split has 40 each, where its training file has 35 to 187).
    /// </summary>
    private static void ReportBalancedAccuracy(List<LabeledText> test, (FaqRecognition Recognition, bool Correct)[] results)
    {
        var perCategory = Enumerable.Range(0, test.Count)
            .GroupBy(i => test[i].Label, StringComparer.Ordinal)
            .Select(g => (double)g.Count(i => results[i].Correct) / g.Count())
            .ToArray();
        BenchProgram.Progress(string.Create(CultureInfo.InvariantCulture,
            $"faq-eval: balanced accuracy (mean over {perCategory.Length} categories) {perCategory.Average():0.0000}; worst category {perCategory.Min():0.000}"));
    }

    /// <summary>
    /// The test rows not answered with their category (a wrong answer, choices or don't-know), with the top three: what
    /// a content author reads to see which questions the FAQ does not catch yet.
    /// </summary>
    private static void WriteMisses(string path, List<LabeledText> test, (FaqRecognition Recognition, bool Correct)[] results)
    {
        using var writer = new StreamWriter(path);
        using var csv = new CsvWriter(writer, CultureInfo.InvariantCulture);
        csv.WriteField("text");
        csv.WriteField("category");
        csv.WriteField("decision");
        csv.WriteField("top3");
        csv.NextRecord();
        var misses = 0;
        for (var i = 0; i < test.Count; i++)
        {
            var (recognition, correct) = results[i];
            if (correct && recognition.Decision == FaqDecision.Answer)
            {
                continue;
            }

            csv.WriteField(test[i].Text);
            csv.WriteField(test[i].Label);
            csv.WriteField(recognition.Decision.ToString());
            csv.WriteField(string.Join(" ", recognition.Candidates.Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Label}:{c.Confidence:0.00}"))));
            csv.NextRecord();
            misses++;
        }

        BenchProgram.Progress($"faq-eval: {misses} rows not answered right written to {path}");
    }

    /// <summary>Every question of a content folder's FAQ entries (all languages), labelled with the entry's id, and its small talk: what the bot trains on.</summary>
    private static (List<LabeledText> Questions, SocialPhrases? Social) ReadFaqQuestions(string folder)
    {
        try
        {
            var faq = ContentCatalog.Load(folder).Faq;
            return ([.. FaqRecognizer.ExamplesOf(faq)], SocialPhrases.From(faq));
        }
        catch (ContentException e)
        {
            throw new FormatException(e.Message, e);
        }
    }

    /// <summary>Rows of a CSV file with a header naming <c>text</c> and <c>category</c>; quoted fields may hold commas, quotes and line breaks.</summary>
    private static List<LabeledText> ReadCsv(string path)
    {
        try
        {
            using var reader = new StreamReader(path);
            using var csv = new CsvReader(reader, CultureInfo.InvariantCulture);
            if (!csv.Read() || !csv.ReadHeader() || csv.HeaderRecord is not { } header
                || !header.Contains("text", StringComparer.Ordinal) || !header.Contains("category", StringComparer.Ordinal))
            {
                throw new FormatException($"{path}: the first line must be the header text,category.");
            }

            var rows = new List<LabeledText>();
            while (csv.Read())
            {
                var text = csv.GetField("text") ?? "";
                var category = csv.GetField("category") ?? "";
                if (category.Length == 0)
                {
                    throw new FormatException($"{path}, row {csv.Parser.Row}: empty category.");
                }

                rows.Add(new LabeledText(text, category));
            }

            return rows;
        }
        catch (CsvHelperException e)
        {
            throw new FormatException($"{path}: not a readable CSV file ({e.Message.Split('\n')[0]})", e);
        }
    }

    /// <summary>At most <paramref name="shots"/> rows per category, picked at random with <paramref name="seed"/>, in file order.</summary>
    private static List<LabeledText> KeepPerCategory(List<LabeledText> rows, int shots, int seed)
    {
        var random = new Random(seed);
        var keep = new HashSet<int>();
        foreach (var group in Enumerable.Range(0, rows.Count).GroupBy(i => rows[i].Label, StringComparer.Ordinal))
        {
            var indices = group.ToArray();
            random.Shuffle(indices);
            keep.UnionWith(indices.Take(shots));
        }

        return [.. Enumerable.Range(0, rows.Count).Where(keep.Contains).Select(i => rows[i])];
    }

    /// <summary>Applies <c>--set Name=value</c> to the recognizer's options (numbers in invariant culture).</summary>
    private static FaqRecognizerOptions ApplySettings(FaqRecognizerOptions options, Dictionary<string, string?> settings)
    {
        foreach (var (key, value) in settings)
        {
            var property = typeof(FaqRecognizerOptions).GetProperty(key, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase)
                ?? throw new FormatException($"--set {key}: FaqRecognizerOptions has no such property.");
            try
            {
                var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
                var converted = type.IsEnum
                    ? Enum.Parse(type, value ?? "", ignoreCase: true)
                    : Convert.ChangeType(value, type, CultureInfo.InvariantCulture);
                options = options with { };
                property.SetValue(options, converted);
            }
            catch (Exception e) when (e is InvalidCastException or FormatException or OverflowException or ArgumentException)
            {
                throw new FormatException($"--set {key}={value}: not a valid {property.PropertyType.Name}.", e);
            }
        }

        return options;
    }
}

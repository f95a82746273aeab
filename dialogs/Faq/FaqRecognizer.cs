using System.Buffers;
using Microsoft.Extensions.ObjectPool;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Text;
using SupportBot.Dialogs.Content;

namespace SupportBot.Dialogs.Faq;

/// <summary>
/// On-machine FAQ/intent recognizer, trained at start-up from example questions (any language mix).
/// </summary>
/// <remarks>
/// <para>Every text becomes one L2-normalised TF-IDF vector of word 1–2-grams (by default of the words' Snowball stems,
/// see <see cref="FaqRecognizerOptions.StemWords"/>) and character 1–5-grams (ML.NET's text featuriser: lower-cased,
/// diacritics and punctuation dropped). Three scores per label
/// are combined: the probability of a one-versus-all averaged-perceptron classifier (ML.NET, Platt-calibrated),
/// the cosine similarity to the label's nearest training example, and the cosine to the label's centroid.
/// A softmax over the weighted sum gives the confidences. The classifier carries the many-example case;
/// nearest example and centroid carry the few-example case (a handful of questions per FAQ entry).</para>
/// <para><see cref="Recognize"/> is thread-safe: prediction engines (not thread-safe themselves) come
/// from a pool, and the similarity indexes are read-only.</para>
/// </remarks>
public sealed class FaqRecognizer
{
    private const string FeaturesColumn = "Features";
    private const string ScoresColumn = "Scores";
    private const int MinimumHeldOut = 50;
    private const int FewExamplesPerLabel = 20;

    private readonly FaqRecognizerOptions _options;
    private readonly string[] _labels;
    private readonly int[] _exampleLabel;
    private readonly SparseIndex? _examples;
    private readonly SparseIndex? _centroids;
    private readonly ObjectPool<Scorer>? _scorers;

    // Greetings and thanks to look past (FAQ entries tagged smalltalk), and words several entries share: from FAQ
    // content (FromFaq), none for plain labelled examples.
    private SocialPhrases? _social;
    private TopicWords? _topics;

    private FaqRecognizer(
        FaqRecognizerOptions options,
        string[] labels,
        int[] exampleLabel,
        SparseIndex? examples,
        SparseIndex? centroids,
        ObjectPool<Scorer>? scorers)
    {
        _options = options;
        _labels = labels;
        _exampleLabel = exampleLabel;
        _examples = examples;
        _centroids = centroids;
        _scorers = scorers;
    }

    /// <summary>The labels it can recognise, in no particular order.</summary>
    public IReadOnlyList<string> Labels => _labels;

    public FaqRecognizerOptions Options => _options;

    /// <summary>Trains on the questions of FAQ entries (every language); the labels are the entries' ids.</summary>
    /// <remarks>
    /// A question wrapped in the greetings or thanks of the entries tagged <c>smalltalk</c> is recognised without them;
    /// their questions of symbols only ("👍") are matched as written.
    /// </remarks>
    public static FaqRecognizer FromFaq(IEnumerable<FaqEntry> entries, FaqRecognizerOptions? options = null)
    {
        var list = entries.ToList();
        var examples = ExamplesOf(list).ToList();
        return Train(examples, options, SocialPhrases.From(list), TopicWords.From(examples));
    }

    /// <summary>
    /// What <see cref="FromFaq"/> learns from: every question, labelled with its entry's id, but those of symbols only
    /// ("👍"), which are no example to learn from (see <see cref="SocialPhrases.IsSymbolsOnly"/>).
    /// </summary>
    internal static IEnumerable<LabeledText> ExamplesOf(IEnumerable<FaqEntry> entries) =>
        entries.SelectMany(e => e.Questions.Values.SelectMany(q => q).Where(q => !SocialPhrases.IsSymbolsOnly(q)).Select(q => new LabeledText(q, e.Id)));

    /// <summary>
    /// Trains on labelled examples, looking past the <paramref name="social"/> phrases around a question and offering
    /// choices for a lone word of the <paramref name="topics"/>.
    /// </summary>
    internal static FaqRecognizer Train(IEnumerable<LabeledText> examples, FaqRecognizerOptions? options, SocialPhrases? social, TopicWords? topics)
    {
        var recognizer = Train(examples, options);
        recognizer._social = social;
        recognizer._topics = topics;
        return recognizer;
    }

    /// <summary>
    /// Trains on labelled examples. No examples gives a recognizer that finds nothing; one label
    /// gives one that answers that label for texts similar enough to its examples.
    /// </summary>
    public static FaqRecognizer Train(IEnumerable<LabeledText> examples, FaqRecognizerOptions? options = null)
    {
        options ??= new FaqRecognizerOptions();
        var rows = examples
            .Where(e => !string.IsNullOrWhiteSpace(e.Text) && !string.IsNullOrWhiteSpace(e.Label))
            .Select(e => new TextRow { Text = e.Text, Label = e.Label })
            .ToList();
        if (rows.Count == 0)
        {
            return new FaqRecognizer(options, [], [], null, null, null);
        }

        if (options.CharNgrams is null)
        {
            // Few examples per label generalise better on short character n-grams; many make good use of longer ones.
            var perLabel = (double)rows.Count / rows.Select(r => r.Label).Distinct(StringComparer.Ordinal).Count();
            options = options with { CharNgrams = perLabel <= FewExamplesPerLabel ? 3 : 5 };
        }

        if (options.CalibrationShare <= 0 || rows.Count > options.CalibrateUpToExamples)
        {
            return Fit(rows, options);
        }

        // Calibration: a second model, trained on all but a held-out share of each label's examples, tells which
        // softmax temperature makes the held-out confidences honest (least log-loss).
        var (fitPart, heldOut) = HoldOut(rows, options.CalibrationShare, options.Seed);
        if (heldOut.Count < MinimumHeldOut)
        {
            // Too few to fit anything but noise (a handful of FAQ entries): keep the configured temperature.
            return Fit(rows, options);
        }

        // One after the other: side by side on two cores they took longer than in turn.
        var temperature = Fit(fitPart, options).FitTemperature(heldOut);
        return Fit(rows, options with { Temperature = temperature });
    }

    /// <summary>Per label, about <paramref name="share"/> of its examples (none from a label with a single example), picked with the seed.</summary>
    private static (List<TextRow> Fit, List<LabeledText> HeldOut) HoldOut(List<TextRow> rows, double share, int seed)
    {
        var random = new Random(seed);
        var fit = new List<TextRow>();
        var heldOut = new List<LabeledText>();
        foreach (var group in rows.GroupBy(r => r.Label, StringComparer.Ordinal))
        {
            var members = group.ToArray();
            random.Shuffle(members);
            var take = members.Length < 2 ? 0 : Math.Clamp((int)Math.Round(members.Length * share), 1, members.Length - 1);
            heldOut.AddRange(members.Take(take).Select(r => new LabeledText(r.Text, r.Label)));
            fit.AddRange(members.Skip(take));
        }

        return (fit, heldOut);
    }

    /// <summary>The temperature (on a log grid from 0.01 to 1) with the least log-loss over <paramref name="heldOut"/>.</summary>
    private double FitTemperature(List<LabeledText> heldOut)
    {
        var labelIndex = _labels.Select((l, i) => (l, i)).ToDictionary(p => p.l, p => p.i, StringComparer.Ordinal);
        var labelCount = _labels.Length;
        var probabilities = new float[labelCount];
        var nearest = new float[labelCount];
        var centroid = new float[labelCount];
        var scored = new List<(double[] Scores, int Gold)>();
        foreach (var example in heldOut)
        {
            if (!labelIndex.TryGetValue(example.Label, out var gold))
            {
                continue;
            }

            Components(example.Text, probabilities, nearest, centroid);
            var scores = new double[labelCount];
            for (var c = 0; c < labelCount; c++)
            {
                scores[c] = (_options.ClassifierWeight * probabilities[c]) + (_options.NearestWeight * nearest[c]) + (_options.CentroidWeight * centroid[c]);
            }

            scored.Add((scores, gold));
        }

        if (scored.Count == 0 || labelCount < 2)
        {
            return _options.Temperature;
        }

        var best = _options.Temperature;
        var bestLoss = double.MaxValue;
        for (var step = 0; step <= 40; step++)
        {
            var temperature = Math.Pow(10, -2 + (step / 20.0));
            double loss = 0;
            foreach (var (scores, gold) in scored)
            {
                var max = scores.Max();
                double sum = 0;
                foreach (var v in scores)
                {
                    sum += Math.Exp((v - max) / temperature);
                }

                loss += Math.Log(sum) - ((scores[gold] - max) / temperature);
            }

            if (loss < bestLoss)
            {
                bestLoss = loss;
                best = temperature;
            }
        }

        return best;
    }

    private static FaqRecognizer Fit(List<TextRow> rows, FaqRecognizerOptions options)
    {
        var ml = new MLContext(options.Seed);
        if (options.StemWords)
        {
            var stemmer = new FaqStemmer();
            rows = [.. rows.Select(r => new TextRow { Text = r.Text, Stems = stemmer.Stem(r.Text), Label = r.Label })];
        }

        var data = ml.Data.LoadFromEnumerable(rows);
        var featurizer = Featurizer(ml, options).Fit(data);
        var featurized = ml.Data.Cache(featurizer.Transform(data));

        var vectors = featurized.GetColumn<VBuffer<float>>(FeaturesColumn).Select(v => ToSparse(v).Normalized()).ToList();
        var dimensions = ((VectorDataViewType)featurized.Schema[FeaturesColumn].Type).Size;

        // Labels in first-seen order; the classifier's key values follow the same order (checked below).
        var labels = rows.Select(r => r.Label).Distinct(StringComparer.Ordinal).ToArray();
        var labelIndex = labels.Select((l, i) => (l, i)).ToDictionary(p => p.l, p => p.i, StringComparer.Ordinal);
        var exampleLabel = rows.Select(r => labelIndex[r.Label]).ToArray();

        // With thousands of examples, features in over 5% of them are left out of the nearest-example similarity (for speed).
        var examplesIndex = new SparseIndex(vectors, dimensions, vectors.Count >= 1000 ? vectors.Count / 20 : int.MaxValue);
        var centroidsIndex = new SparseIndex(Centroids(vectors, exampleLabel, labels.Length), dimensions);

        ITransformer model = featurizer;
        var hasClassifier = labels.Length >= 2 && options.ClassifierWeight > 0;
        if (hasClassifier)
        {
            var keyMap = ml.Transforms.Conversion.MapValueToKey(nameof(TextRow.Label)).Fit(featurized);
            var keyed = ml.Data.Cache(keyMap.Transform(featurized));
            var keys = default(VBuffer<ReadOnlyMemory<char>>);
            keyed.Schema[nameof(TextRow.Label)].GetKeyValues(ref keys);
            if (!keys.DenseValues().Select(k => k.ToString()).SequenceEqual(labels, StringComparer.Ordinal))
            {
                // The classifier's score slots must line up with our labels.
                throw new InvalidOperationException("The classifier's labels are not in the order of the training data.");
            }

            // Several classifiers that differ in the order they see the examples (their seeds), trained side by side;
            // their outputs are averaged.
            var count = Math.Max(1, options.ClassifierCount);
            var members = new ITransformer[count];
            Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
                members[i] = Trainer(new MLContext(options.Seed + i), options).Fit(keyed));

            ITransformer chain = featurizer.Append(keyMap);
            var view = keyed;
            var scoreColumns = new string[count];
            for (var i = 0; i < count; i++)
            {
                view = members[i].Transform(view);
                scoreColumns[i] = "Score" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
                var copy = ml.Transforms.CopyColumns(scoreColumns[i], "Score").Fit(view);
                view = copy.Transform(view);
                chain = chain.Append(members[i]).Append(copy);
            }

            var concat = ml.Transforms.Concatenate(ScoresColumn, scoreColumns).Fit(view);
            model = chain.Append(concat);
        }

        var pool = new DefaultObjectPool<Scorer>(new ScorerPolicy(ml, model, hasClassifier, options.StemWords), Math.Max(4, Environment.ProcessorCount * 4));
        return new FaqRecognizer(options, labels, exampleLabel, examplesIndex, centroidsIndex, pool);
    }

    /// <summary>The <paramref name="k"/> most probable labels for <paramref name="text"/> and the decision band.</summary>
    public FaqRecognition Recognize(string text, int k = 3)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        if (_social?.SymbolsEntry(text) is { } symbolsEntry)
        {
            return new FaqRecognition(FaqDecision.Answer, [new FaqCandidate(symbolsEntry, 1)], 1);
        }

        var question = _social?.Strip(text);
        var recognition = RecognizeQuestion(text, question, k);
        if (recognition.Decision != FaqDecision.Answer || _topics?.EntriesOf(question ?? text) is not { } entries
            || _social?.IsSocial(recognition.Candidates[0].Label) == true)
        {
            return recognition;
        }

        // "payment", "доставка": a topic several entries share, not one of its questions; the customer picks.
        var all = RecognizeText(question ?? text, _labels.Length);
        return new FaqRecognition(FaqDecision.Choices, [.. all.Candidates.Where(c => entries.Contains(c.Label)).Take(k)], all.Similarity);
    }

    /// <param name="question">The text without the greetings or thanks around it, null when it has none.</param>
    private FaqRecognition RecognizeQuestion(string text, string? question, int k)
    {
        if (_social is null || question is null)
        {
            return RecognizeText(text, k);
        }

        // "Добрый день, где мой заказ?": the question is what wants answering, the greeting only when nothing else is there.
        var withoutGreeting = RecognizeText(question, k);
        if (withoutGreeting.Decision == FaqDecision.Unknown)
        {
            // "Thanks, but the parcel never came": a question the FAQ does not know is no reason to answer the thanks
            // ("You're welcome!"); say so instead. Two words or fewer left ("hi, quick question") are no such question.
            var asWritten = RecognizeText(text, k);
            return asWritten.Decision != FaqDecision.Unknown && _social.IsSocial(asWritten.Candidates[0].Label) && TextWords.Count(question) > 2
                ? withoutGreeting
                : asWritten;
        }

        if (_social.IsSocial(withoutGreeting.Candidates[0].Label))
        {
            return RecognizeText(text, k);
        }

        if (withoutGreeting.Decision == FaqDecision.Answer)
        {
            return withoutGreeting;
        }

        // Only unsure without it: the whole text may still answer a question outright (a greeting word can be part of one).
        var whole = RecognizeText(text, k);
        return whole.Decision == FaqDecision.Answer && !_social.IsSocial(whole.Candidates[0].Label) ? whole : withoutGreeting;
    }

    private FaqRecognition RecognizeText(string text, int k)
    {
        if (_labels.Length == 0 || string.IsNullOrWhiteSpace(text))
        {
            return new FaqRecognition(FaqDecision.Unknown, [], 0);
        }

        var labelCount = _labels.Length;
        var buffer = ArrayPool<float>.Shared.Rent(labelCount * 3);
        try
        {
            var probabilities = buffer.AsSpan(0, labelCount);
            var nearest = buffer.AsSpan(labelCount, labelCount);
            var centroid = buffer.AsSpan(labelCount * 2, labelCount);
            var similarity = Components(text, probabilities, nearest, centroid);
            var classifierWeight = (float)_options.ClassifierWeight;
            var nearestWeight = (float)_options.NearestWeight;
            var centroidWeight = (float)_options.CentroidWeight;
            for (var c = 0; c < labelCount; c++)
            {
                probabilities[c] = (classifierWeight * probabilities[c]) + (nearestWeight * nearest[c]) + (centroidWeight * centroid[c]);
            }

            return Decide(Softmax(probabilities, k), similarity);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// The three scores per label (classifier probability, cosine to the nearest example, cosine to the centroid),
    /// written into spans of <see cref="Labels"/>' length; returns the cosine to the nearest example of any label.
    /// </summary>
    internal float Components(string text, Span<float> probabilities, Span<float> nearest, Span<float> centroid)
    {
        probabilities.Clear();
        nearest.Clear();
        centroid.Clear();
        if (_scorers is null || _examples is null || _centroids is null)
        {
            return 0;
        }

        var labelCount = _labels.Length;
        var exampleScores = ArrayPool<float>.Shared.Rent(_examples.Count);
        try
        {
            var examples = exampleScores.AsSpan(0, _examples.Count);
            examples.Clear();
            var scorer = _scorers.Get();
            try
            {
                scorer.Score(text);
                var features = scorer.Features;
                var values = features.GetValues();
                if (features.IsDense)
                {
                    var dense = values.ToArray();
                    var indices = Enumerable.Range(0, dense.Length).Where(i => dense[i] != 0).ToArray();
                    var nonZero = indices.Select(i => dense[i]).ToArray();
                    _examples.Dot(indices, nonZero, examples);
                    _centroids.Dot(indices, nonZero, centroid);
                }
                else
                {
                    _examples.Dot(features.GetIndices(), values, examples);
                    _centroids.Dot(features.GetIndices(), values, centroid);
                }

                // Cosines: divide by the query's length (the indexed vectors have length 1).
                double squares = 0;
                foreach (var v in values)
                {
                    squares += (double)v * v;
                }

                if (squares > 0)
                {
                    var scale = (float)(1 / Math.Sqrt(squares));
                    foreach (ref var e in examples)
                    {
                        e *= scale;
                    }

                    foreach (ref var c in centroid)
                    {
                        c *= scale;
                    }
                }

                if (scorer.Probabilities is { } scores)
                {
                    // Platt-calibrated one-versus-all outputs of each classifier, normalised to sum to 1, then averaged.
                    var count = scores.Length / labelCount;
                    for (var m = 0; m < count; m++)
                    {
                        var member = scores.AsSpan(m * labelCount, labelCount);
                        var sum = 0f;
                        foreach (var v in member)
                        {
                            sum += Math.Max(0, v);
                        }

                        for (var c = 0; c < labelCount && sum > 0; c++)
                        {
                            probabilities[c] += Math.Max(0, member[c]) / sum / count;
                        }
                    }
                }
            }
            finally
            {
                _scorers.Return(scorer);
            }

            var similarity = 0f;
            for (var e = 0; e < examples.Length; e++)
            {
                var s = examples[e];
                ref var best = ref nearest[_exampleLabel[e]];
                if (s > best)
                {
                    best = s;
                }

                similarity = Math.Max(similarity, s);
            }

            return Math.Min(1, similarity);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(exampleScores);
        }
    }

    private FaqRecognition Decide(List<FaqCandidate> candidates, double similarity)
    {
        if (candidates.Count == 0 || similarity < _options.MinSimilarity)
        {
            return new FaqRecognition(FaqDecision.Unknown, candidates, similarity);
        }

        var clearLead = candidates.Count < 2 || candidates[0].Confidence >= _options.AnswerMargin * candidates[1].Confidence;
        if (candidates[0].Confidence >= _options.AnswerThreshold && clearLead)
        {
            return new FaqRecognition(FaqDecision.Answer, candidates, similarity);
        }

        var topThree = candidates.Take(3).Sum(c => c.Confidence);
        return new FaqRecognition(topThree >= _options.ChoicesThreshold ? FaqDecision.Choices : FaqDecision.Unknown, candidates, similarity);
    }

    /// <summary>Softmax at the configured temperature; the top <paramref name="k"/>, most probable first.</summary>
    private List<FaqCandidate> Softmax(ReadOnlySpan<float> scores, int k)
    {
        var temperature = Math.Max(1e-6, _options.Temperature);
        double max = float.MinValue;
        foreach (var s in scores)
        {
            max = Math.Max(max, s);
        }

        double sum = 0;
        foreach (var s in scores)
        {
            sum += Math.Exp((s - max) / temperature);
        }

        // Keep the k best without sorting every label.
        var best = new List<FaqCandidate>(k + 1);
        for (var c = 0; c < scores.Length; c++)
        {
            var p = Math.Exp((scores[c] - max) / temperature) / sum;
            if (best.Count == k && p <= best[^1].Confidence)
            {
                continue;
            }

            var at = best.Count;
            while (at > 0 && best[at - 1].Confidence < p)
            {
                at--;
            }

            best.Insert(at, new FaqCandidate(_labels[c], Math.Clamp(p, 0, 1)));
            if (best.Count > k)
            {
                best.RemoveAt(best.Count - 1);
            }
        }

        return best;
    }

    private static IEstimator<ITransformer> Trainer(MLContext ml, FaqRecognizerOptions options)
    {
        const string label = nameof(TextRow.Label);
        return options.Classifier switch
        {
            FaqClassifier.LinearSvm => ml.MulticlassClassification.Trainers.OneVersusAll(
                ml.BinaryClassification.Trainers.LinearSvm(label, FeaturesColumn, numberOfIterations: options.ClassifierIterations),
                label),
            FaqClassifier.SdcaHinge => ml.MulticlassClassification.Trainers.OneVersusAll(
                ml.BinaryClassification.Trainers.SdcaNonCalibrated(label, FeaturesColumn, lossFunction: new Microsoft.ML.Trainers.HingeLoss(),
                    l2Regularization: options.L2Regularization > 0 ? (float)options.L2Regularization : null,
                    maximumNumberOfIterations: options.ClassifierIterations),
                label),
            FaqClassifier.SdcaLogistic => ml.MulticlassClassification.Trainers.OneVersusAll(
                ml.BinaryClassification.Trainers.SdcaNonCalibrated(label, FeaturesColumn, lossFunction: new Microsoft.ML.Trainers.LogLoss(),
                    l2Regularization: options.L2Regularization > 0 ? (float)options.L2Regularization : null,
                    maximumNumberOfIterations: options.ClassifierIterations),
                label),
            FaqClassifier.SdcaMaximumEntropy => ml.MulticlassClassification.Trainers.SdcaMaximumEntropy(
                label, FeaturesColumn, maximumNumberOfIterations: options.ClassifierIterations),
            _ => ml.MulticlassClassification.Trainers.OneVersusAll(
                ml.BinaryClassification.Trainers.AveragedPerceptron(label, FeaturesColumn, numberOfIterations: options.ClassifierIterations),
                label),
        };
    }

    /// <summary>
    /// Text to one L2-normalised TF-IDF vector. With <see cref="FaqRecognizerOptions.BalanceWordsAndChars"/> the word
    /// n-grams and the character n-grams are normalised apart first, so the (far more numerous) character n-grams do not drown the words.
    /// </summary>
    private static IEstimator<ITransformer> Featurizer(MLContext ml, FaqRecognizerOptions options)
    {
        var charNgrams = options.CharNgrams ?? 5;
        if (options.StemWords && charNgrams <= 0)
        {
            return ml.Transforms.Text.FeaturizeText(FeaturesColumn, FeaturizerOptions(options), nameof(TextRow.Stems));
        }

        if (options.StemWords)
        {
            // Word n-grams of the stems, character n-grams of the text as written, one L2 norm over both.
            var wordsOnly = FeaturizerOptions(options);
            wordsOnly.CharFeatureExtractor = null;
            wordsOnly.Norm = TextFeaturizingEstimator.NormFunction.None;
            var charsOnly = FeaturizerOptions(options);
            charsOnly.WordFeatureExtractor = null;
            charsOnly.Norm = TextFeaturizingEstimator.NormFunction.None;
            return ml.Transforms.Text.FeaturizeText("StemGrams", wordsOnly, nameof(TextRow.Stems))
                .Append(ml.Transforms.Text.FeaturizeText("CharGrams", charsOnly, nameof(TextRow.Text)))
                .Append(ml.Transforms.Concatenate(FeaturesColumn, "StemGrams", "CharGrams"))
                .Append(ml.Transforms.NormalizeLpNorm(FeaturesColumn));
        }

        if (!options.BalanceWordsAndChars || charNgrams <= 0)
        {
            return ml.Transforms.Text.FeaturizeText(FeaturesColumn, FeaturizerOptions(options), nameof(TextRow.Text));
        }

        const string normalized = "NormalizedText";
        const string chars = "Chars";
        const string wordGrams = "WordGrams";
        const string charGrams = "CharGrams";
        return ml.Transforms.Text.NormalizeText(normalized, nameof(TextRow.Text), TextNormalizingEstimator.CaseMode.Lower,
                keepDiacritics: false, keepPunctuations: false, keepNumbers: true)
            .Append(ml.Transforms.Text.ProduceWordBags(wordGrams, normalized, ngramLength: Math.Max(1, options.WordNgrams),
                useAllLengths: true, weighting: NgramExtractingEstimator.WeightingCriteria.TfIdf))
            .Append(ml.Transforms.NormalizeLpNorm(wordGrams))
            .Append(ml.Transforms.Text.TokenizeIntoCharactersAsKeys(chars, normalized))
            .Append(ml.Transforms.Text.ProduceNgrams(charGrams, chars, ngramLength: charNgrams,
                useAllLengths: true, weighting: NgramExtractingEstimator.WeightingCriteria.TfIdf))
            .Append(ml.Transforms.NormalizeLpNorm(charGrams))
            .Append(ml.Transforms.Concatenate(FeaturesColumn, wordGrams, charGrams))
            .Append(ml.Transforms.NormalizeLpNorm(FeaturesColumn));
    }

    private static TextFeaturizingEstimator.Options FeaturizerOptions(FaqRecognizerOptions options) => new()
    {
        CaseMode = TextNormalizingEstimator.CaseMode.Lower,
        KeepDiacritics = false,
        KeepPunctuations = false,
        KeepNumbers = true,
        StopWordsRemoverOptions = null,
        WordFeatureExtractor = new WordBagEstimator.Options
        {
            NgramLength = Math.Max(1, options.WordNgrams),
            UseAllLengths = true,
            Weighting = NgramExtractingEstimator.WeightingCriteria.TfIdf,
        },
        CharFeatureExtractor = options.CharNgrams is > 0
            ? new WordBagEstimator.Options
            {
                NgramLength = options.CharNgrams.Value,
                UseAllLengths = true,
                Weighting = NgramExtractingEstimator.WeightingCriteria.TfIdf,
            }
            : null,
        Norm = TextFeaturizingEstimator.NormFunction.L2,
    };

    private static SparseVector ToSparse(VBuffer<float> buffer)
    {
        var values = buffer.GetValues();
        if (buffer.IsDense)
        {
            var indices = new List<int>();
            var nonZero = new List<float>();
            for (var i = 0; i < values.Length; i++)
            {
                if (values[i] != 0)
                {
                    indices.Add(i);
                    nonZero.Add(values[i]);
                }
            }

            return new SparseVector([.. indices], [.. nonZero]);
        }

        return new SparseVector(buffer.GetIndices().ToArray(), values.ToArray());
    }

    /// <summary>Each label's mean example vector, normalised to length 1.</summary>
    private static List<SparseVector> Centroids(List<SparseVector> vectors, int[] exampleLabel, int labelCount)
    {
        var sums = Enumerable.Range(0, labelCount).Select(_ => new Dictionary<int, float>()).ToArray();
        for (var e = 0; e < vectors.Count; e++)
        {
            var sum = sums[exampleLabel[e]];
            var v = vectors[e];
            for (var j = 0; j < v.Indices.Length; j++)
            {
                sum[v.Indices[j]] = sum.GetValueOrDefault(v.Indices[j]) + v.Values[j];
            }
        }

        return [.. sums.Select(s =>
        {
            var ordered = s.OrderBy(p => p.Key).ToArray();
            return new SparseVector([.. ordered.Select(p => p.Key)], [.. ordered.Select(p => p.Value)]).Normalized();
        })];
    }

    private sealed class TextRow
    {
        public string Text { get; set; } = "";

        /// <summary>The text's stemmed words (with <see cref="FaqRecognizerOptions.StemWords"/>; else empty).</summary>
        public string Stems { get; set; } = "";

        public string Label { get; set; } = "";
    }

    private sealed class FeaturesOnly
    {
        [ColumnName(FeaturesColumn)]
        public VBuffer<float> Features { get; set; }
    }

    private sealed class Scored
    {
        [ColumnName(FeaturesColumn)]
        public VBuffer<float> Features { get; set; }

        /// <summary>Every classifier's label probabilities, one after another.</summary>
        [ColumnName(ScoresColumn)]
        public float[]? Score { get; set; }
    }

    /// <summary>One prediction engine with its reusable input and output; used by one thread at a time.</summary>
    private sealed class Scorer(PredictionEngine<TextRow, FeaturesOnly>? plain, PredictionEngine<TextRow, Scored>? scored, bool stemWords)
    {
        private readonly FaqStemmer? _stemmer = stemWords ? new FaqStemmer() : null;
        private readonly TextRow _input = new();
        private FeaturesOnly _plainOutput = new();
        private Scored _scoredOutput = new();

        public VBuffer<float> Features { get; private set; }

        public float[]? Probabilities { get; private set; }

        public void Score(string text)
        {
            _input.Text = text;
            _input.Stems = _stemmer?.Stem(text) ?? "";
            if (scored is not null)
            {
                scored.Predict(_input, ref _scoredOutput);
                Features = _scoredOutput.Features;
                Probabilities = _scoredOutput.Score;
            }
            else
            {
                plain!.Predict(_input, ref _plainOutput);
                Features = _plainOutput.Features;
                Probabilities = null;
            }
        }
    }

    private sealed class ScorerPolicy(MLContext ml, ITransformer model, bool hasClassifier, bool stemWords) : PooledObjectPolicy<Scorer>
    {
        private readonly Lock _creating = new();

        public override Scorer Create()
        {
            // Engines are created rarely (the pool keeps them); one at a time keeps the shared MLContext out of races.
            lock (_creating)
            {
                return hasClassifier
                    ? new Scorer(null, ml.Model.CreatePredictionEngine<TextRow, Scored>(model), stemWords)
                    : new Scorer(ml.Model.CreatePredictionEngine<TextRow, FeaturesOnly>(model), null, stemWords);
            }
        }

        public override bool Return(Scorer obj) => true;
    }
}

/// <summary>One training example: a text and the label (FAQ entry id, intent) it stands for.</summary>
public readonly record struct LabeledText(string Text, string Label);

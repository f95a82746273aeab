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
/// <para>Every text becomes one L2-normalised TF-IDF vector of word 1–2-grams and character 1–5-grams
/// (ML.NET's text featuriser: lower-cased, diacritics and punctuation dropped). Three scores per label
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

    private readonly FaqRecognizerOptions _options;
    private readonly string[] _labels;
    private readonly int[] _exampleLabel;
    private readonly SparseIndex? _examples;
    private readonly SparseIndex? _centroids;
    private readonly ObjectPool<Scorer>? _scorers;

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
    public static FaqRecognizer FromFaq(IEnumerable<FaqEntry> entries, FaqRecognizerOptions? options = null) =>
        Train(
            entries.SelectMany(e => e.Questions.Values.SelectMany(q => q).Select(q => new LabeledText(q, e.Id))),
            options);

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

        var ml = new MLContext(options.Seed);
        var data = ml.Data.LoadFromEnumerable(rows);
        var featurizer = ml.Transforms.Text.FeaturizeText(FeaturesColumn, FeaturizerOptions(options), nameof(TextRow.Text)).Fit(data);
        var featurized = ml.Data.Cache(featurizer.Transform(data));

        var vectors = featurized.GetColumn<VBuffer<float>>(FeaturesColumn).Select(ToSparse).ToList();
        var dimensions = ((VectorDataViewType)featurized.Schema[FeaturesColumn].Type).Size;

        // Labels in first-seen order; the classifier's key values follow the same order (checked below).
        var labels = rows.Select(r => r.Label).Distinct(StringComparer.Ordinal).ToArray();
        var labelIndex = labels.Select((l, i) => (l, i)).ToDictionary(p => p.l, p => p.i, StringComparer.Ordinal);
        var exampleLabel = rows.Select(r => labelIndex[r.Label]).ToArray();

        var examplesIndex = new SparseIndex(vectors, dimensions);
        var centroidsIndex = new SparseIndex(Centroids(vectors, exampleLabel, labels.Length), dimensions);

        ITransformer model = featurizer;
        var hasClassifier = labels.Length >= 2 && options.ClassifierWeight > 0;
        if (hasClassifier)
        {
            var trainer = ml.Transforms.Conversion.MapValueToKey(nameof(TextRow.Label))
                .Append(ml.MulticlassClassification.Trainers.OneVersusAll(
                    ml.BinaryClassification.Trainers.AveragedPerceptron(
                        labelColumnName: nameof(TextRow.Label),
                        featureColumnName: FeaturesColumn,
                        numberOfIterations: options.ClassifierIterations),
                    labelColumnName: nameof(TextRow.Label)));
            var classifier = trainer.Fit(featurized);
            var keys = default(VBuffer<ReadOnlyMemory<char>>);
            classifier.GetOutputSchema(featurized.Schema)[nameof(TextRow.Label)].GetKeyValues(ref keys);
            var keyOrder = keys.DenseValues().Select(k => k.ToString()).ToArray();
            if (!keyOrder.SequenceEqual(labels, StringComparer.Ordinal))
            {
                // The classifier's score slots must line up with our labels.
                throw new InvalidOperationException("The classifier's labels are not in the order of the training data.");
            }

            model = featurizer.Append(classifier);
        }

        var pool = new DefaultObjectPool<Scorer>(new ScorerPolicy(ml, model, hasClassifier), Math.Max(4, Environment.ProcessorCount * 4));
        return new FaqRecognizer(options, labels, exampleLabel, examplesIndex, centroidsIndex, pool);
    }

    /// <summary>The <paramref name="k"/> most probable labels for <paramref name="text"/> and the decision band.</summary>
    public FaqRecognition Recognize(string text, int k = 3)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        if (_scorers is null || _examples is null || _centroids is null || string.IsNullOrWhiteSpace(text))
        {
            return new FaqRecognition(FaqDecision.Unknown, [], 0);
        }

        var labelCount = _labels.Length;
        var combined = ArrayPool<float>.Shared.Rent(labelCount);
        var exampleScores = ArrayPool<float>.Shared.Rent(_examples.Count);
        var centroidScores = ArrayPool<float>.Shared.Rent(labelCount);
        try
        {
            Array.Clear(combined, 0, labelCount);
            Array.Clear(exampleScores, 0, _examples.Count);
            Array.Clear(centroidScores, 0, labelCount);

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
                    _examples.Dot(indices, nonZero, exampleScores.AsSpan(0, _examples.Count));
                    _centroids.Dot(indices, nonZero, centroidScores.AsSpan(0, labelCount));
                }
                else
                {
                    _examples.Dot(features.GetIndices(), values, exampleScores.AsSpan(0, _examples.Count));
                    _centroids.Dot(features.GetIndices(), values, centroidScores.AsSpan(0, labelCount));
                }

                if (scorer.Probabilities is { } probabilities)
                {
                    var weight = (float)_options.ClassifierWeight;
                    var sum = 0f;
                    for (var c = 0; c < labelCount; c++)
                    {
                        sum += Math.Max(0, probabilities[c]);
                    }

                    for (var c = 0; c < labelCount; c++)
                    {
                        combined[c] += weight * (sum > 0 ? Math.Max(0, probabilities[c]) / sum : 0);
                    }
                }
            }
            finally
            {
                _scorers.Return(scorer);
            }

            // Nearest example per label.
            var nearest = ArrayPool<float>.Shared.Rent(labelCount);
            Array.Clear(nearest, 0, labelCount);
            var similarity = 0f;
            for (var e = 0; e < _examples.Count; e++)
            {
                var s = exampleScores[e];
                var c = _exampleLabel[e];
                if (s > nearest[c])
                {
                    nearest[c] = s;
                }

                similarity = Math.Max(similarity, s);
            }

            var nearestWeight = (float)_options.NearestWeight;
            var centroidWeight = (float)_options.CentroidWeight;
            for (var c = 0; c < labelCount; c++)
            {
                combined[c] += (nearestWeight * nearest[c]) + (centroidWeight * centroidScores[c]);
            }

            ArrayPool<float>.Shared.Return(nearest);
            return Decide(Softmax(combined.AsSpan(0, labelCount), k), Math.Min(1, similarity));
        }
        finally
        {
            ArrayPool<float>.Shared.Return(combined);
            ArrayPool<float>.Shared.Return(exampleScores);
            ArrayPool<float>.Shared.Return(centroidScores);
        }
    }

    private FaqRecognition Decide(List<FaqCandidate> candidates, double similarity)
    {
        if (candidates.Count == 0 || similarity < _options.MinSimilarity)
        {
            return new FaqRecognition(FaqDecision.Unknown, candidates, similarity);
        }

        if (candidates[0].Confidence >= _options.AnswerThreshold)
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
        CharFeatureExtractor = options.CharNgrams > 0
            ? new WordBagEstimator.Options
            {
                NgramLength = options.CharNgrams,
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

        [ColumnName("Score")]
        public float[]? Score { get; set; }
    }

    /// <summary>One prediction engine with its reusable input and output; used by one thread at a time.</summary>
    private sealed class Scorer(PredictionEngine<TextRow, FeaturesOnly>? plain, PredictionEngine<TextRow, Scored>? scored)
    {
        private readonly TextRow _input = new();
        private FeaturesOnly _plainOutput = new();
        private Scored _scoredOutput = new();

        public VBuffer<float> Features { get; private set; }

        public float[]? Probabilities { get; private set; }

        public void Score(string text)
        {
            _input.Text = text;
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

    private sealed class ScorerPolicy(MLContext ml, ITransformer model, bool hasClassifier) : PooledObjectPolicy<Scorer>
    {
        private readonly Lock _creating = new();

        public override Scorer Create()
        {
            // Engines are created rarely (the pool keeps them); one at a time keeps the shared MLContext out of races.
            lock (_creating)
            {
                return hasClassifier
                    ? new Scorer(null, ml.Model.CreatePredictionEngine<TextRow, Scored>(model))
                    : new Scorer(ml.Model.CreatePredictionEngine<TextRow, FeaturesOnly>(model), null);
            }
        }

        public override bool Return(Scorer obj) => true;
    }
}

/// <summary>One training example: a text and the label (FAQ entry id, intent) it stands for.</summary>
public readonly record struct LabeledText(string Text, string Label);

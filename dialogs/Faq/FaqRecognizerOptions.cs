namespace SupportBot.Dialogs.Faq;

/// <summary>What the recognizer decided for one text.</summary>
public enum FaqDecision
{
    /// <summary>Nothing fits well enough: fall back (and offer a person).</summary>
    Unknown,

    /// <summary>Several entries could fit: offer the top ones to choose from.</summary>
    Choices,

    /// <summary>The top entry is a confident match: answer it.</summary>
    Answer,
}

/// <summary>One candidate label with its probability (0..1; the candidates of one text sum to at most 1).</summary>
public readonly record struct FaqCandidate(string Label, double Confidence);

/// <summary>The recognizer's answer for one text.</summary>
/// <param name="Decision">The band the top candidate fell in.</param>
/// <param name="Candidates">Top-k labels, most probable first.</param>
/// <param name="Similarity">Cosine similarity (0..1) of the text to the nearest training example: how much it looks like anything known.</param>
public sealed record FaqRecognition(FaqDecision Decision, IReadOnlyList<FaqCandidate> Candidates, double Similarity)
{
    public FaqCandidate? Top => Candidates.Count > 0 ? Candidates[0] : null;
}

/// <summary>Tuning of <see cref="FaqRecognizer"/>: the decision thresholds and the weights of its scores.</summary>
/// <remarks>
/// The defaults were tuned on an 80/20 split of a 77-intent banking data set and checked there for
/// calibration (a confidence of 0.8 is right about 80% of the time).
/// </remarks>
public sealed record FaqRecognizerOptions
{
    /// <summary>Answer when the top candidate's probability is at least this.</summary>
    public double AnswerThreshold { get; init; } = 0.5;

    /// <summary>
    /// Answer only when the top candidate is at least this many times as probable as the runner-up; otherwise the text
    /// fits several entries about as well ("my card" with lost, stolen and not arrived) and the customer chooses. 0: off.
    /// </summary>
    /// <remarks>
    /// With all the banking data it changes nothing (a top of 0.5 rarely has a runner-up above 0.25); with ten examples
    /// per label it moved 10 of 1,998 test texts from Answer to Choices, 9 of them wrong answers.
    /// </remarks>
    public double AnswerMargin { get; init; } = 2;

    /// <summary>Offer choices when the top three together reach this (and the top one does not reach <see cref="AnswerThreshold"/>).</summary>
    public double ChoicesThreshold { get; init; } = 0.3;

    /// <summary>Below this cosine similarity to every training example the text is Unknown, whatever the probabilities say.</summary>
    public double MinSimilarity { get; init; } = 0.2;

    /// <summary>Weight of the linear classifier's probability in the combined score.</summary>
    public double ClassifierWeight { get; init; } = 1.0;

    /// <summary>Weight of the similarity to a label's nearest training example.</summary>
    public double NearestWeight { get; init; }

    /// <summary>Weight of the similarity to a label's centroid (mean of its examples).</summary>
    public double CentroidWeight { get; init; } = 0.25;

    /// <summary>
    /// Share of each label's examples held out at training to fit <see cref="Temperature"/> (a second model trains on
    /// the rest, alongside the final one). 0: use <see cref="Temperature"/> as given.
    /// </summary>
    public double CalibrationShare { get; init; } = 0.2;

    /// <summary>
    /// Fit the temperature only up to this many examples (the second model about doubles training time);
    /// above it <see cref="Temperature"/> is used as given.
    /// </summary>
    public int CalibrateUpToExamples { get; init; } = 2000;

    /// <summary>Softmax temperature over the combined scores: lower is sharper. Fitted at training unless <see cref="CalibrationShare"/> is 0.</summary>
    public double Temperature { get; init; } = 0.13;

    /// <summary>Which ML.NET trainer makes the linear classifier.</summary>
    public FaqClassifier Classifier { get; init; } = FaqClassifier.AveragedPerceptron;

    /// <summary>L2 regularisation of the SDCA trainers (0: the trainer picks one).</summary>
    public double L2Regularization { get; init; }

    /// <summary>How many classifiers (differing in their seed) to train side by side and average.</summary>
    public int ClassifierCount { get; init; } = 1;

    /// <summary>Passes of the classifier's trainer over the training data.</summary>
    public int ClassifierIterations { get; init; } = 40;

    /// <summary>Longest word n-gram (1 = words only).</summary>
    public int WordNgrams { get; init; } = 2;

    /// <summary>
    /// Longest character n-gram (all lengths from 1 up to it; 0: none). Unset: 3 when there are 20 examples per label
    /// or fewer (better for few-shot), else 5.
    /// </summary>
    public int? CharNgrams { get; init; }

    /// <summary>Give word n-grams and character n-grams equal weight (each block normalised on its own; only without <see cref="StemWords"/>).</summary>
    public bool BalanceWordsAndChars { get; init; }

    /// <summary>
    /// Take the word n-grams from the words' stems (Snowball: English, German, Russian), so other forms of a word
    /// ("cards", "card"; "доставки", "доставка") count as the same word; the character n-grams still see the text as written.
    /// </summary>
    /// <remarks>
    /// +0.25 points with thousands of examples and +1–1.6 with ten per label on the banking split (bench/README.md,
    /// faq-eval), and Russian and German questions meet their entries whatever the case ending. Together with
    /// <see cref="AnswerMargin"/>: alone, on a handful of examples per entry it made a two-word question ("моя карта")
    /// answer one entry at 0.503 against 0.282 for the next, instead of offering the three it fits.
    /// </remarks>
    public bool StemWords { get; init; } = true;

    /// <summary>Seed of the trainer's randomness, for reproducible models.</summary>
    public int Seed { get; init; } = 1;
}

/// <summary>The linear classifier's trainer (all ML.NET).</summary>
public enum FaqClassifier
{
    /// <summary>One-versus-all averaged perceptrons, Platt-calibrated.</summary>
    AveragedPerceptron,

    /// <summary>One-versus-all linear SVMs (Pegasos), Platt-calibrated.</summary>
    LinearSvm,

    /// <summary>One-versus-all linear SVMs (hinge loss) by SDCA, Platt-calibrated.</summary>
    SdcaHinge,

    /// <summary>One-versus-all logistic regressions by SDCA, Platt-calibrated.</summary>
    SdcaLogistic,

    /// <summary>Multinomial logistic regression by SDCA.</summary>
    SdcaMaximumEntropy,
}

using System.Diagnostics.Metrics;

namespace SupportBot.Dialogs;

/// <summary>
/// The dialogs library's instruments (meter <c>SupportBot.Dialogs</c>); the host exports them with its own.
/// A static meter: the library has no container, and the instruments hold no per-host state.
/// </summary>
public static class DialogsTelemetry
{
    public const string MeterName = "SupportBot.Dialogs";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>The FAQ recognizer's top confidence for each customer question it placed, by the band it fell in.</summary>
    internal static readonly Histogram<double> RecognizerConfidence = Meter.CreateHistogram<double>(
        "supportbot.recognizer.confidence",
        unit: null,
        description: "Top-1 confidence of the FAQ recognizer per customer question, by decision (answer, choices, unknown).",
        tags: null,
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0] });

    internal static void RecordRecognition(double confidence, string decision) =>
        RecognizerConfidence.Record(confidence, new KeyValuePair<string, object?>("decision", decision));
}

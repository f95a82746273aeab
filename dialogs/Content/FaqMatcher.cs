using System.Globalization;
using System.Text;

namespace SupportBot.Dialogs.Content;

/// <summary>A FAQ answer with how sure the matcher is (0..1).</summary>
public sealed record FaqMatch(FaqEntry Entry, double Confidence);

/// <summary>
/// Word-overlap matcher over the FAQ questions: good enough for the demo content and fully
/// offline. The trained recognizer of the dialogs issue replaces it behind the same call.
/// </summary>
public sealed class FaqMatcher
{
    private readonly List<(FaqEntry Entry, string Language, HashSet<string> Terms)> _questions = [];

    public FaqMatcher(IEnumerable<FaqEntry> entries)
    {
        foreach (var entry in entries)
        {
            foreach (var (language, questions) in entry.Questions)
            {
                foreach (var question in questions)
                {
                    _questions.Add((entry, language, Terms(question)));
                }
            }
        }
    }

    /// <summary>Minimum cosine overlap for an answer.</summary>
    public double Threshold { get; init; } = 0.45;

    public FaqMatch? Match(string text)
    {
        var terms = Terms(text);
        if (terms.Count == 0)
        {
            return null;
        }

        FaqMatch? best = null;
        foreach (var (entry, _, questionTerms) in _questions)
        {
            if (questionTerms.Count == 0)
            {
                continue;
            }

            var shared = questionTerms.Count(terms.Contains);
            var score = shared / Math.Sqrt(questionTerms.Count * (double)terms.Count);
            if (best is null || score > best.Confidence)
            {
                best = new FaqMatch(entry, score);
            }
        }

        return best is not null && best.Confidence >= Threshold ? best : null;
    }

    /// <summary>Lower-cased words of three letters or more, cut to five letters as a crude stem for all three languages.</summary>
    internal static HashSet<string> Terms(string text)
    {
        var terms = new HashSet<string>(StringComparer.Ordinal);
        var word = new StringBuilder();
        foreach (var c in text.Normalize(NormalizationForm.FormKC) + " ")
        {
            if (char.IsLetterOrDigit(c))
            {
                word.Append(char.ToLower(c, CultureInfo.InvariantCulture));
                continue;
            }

            if (word.Length >= 3)
            {
                var w = word.ToString().Replace('ё', 'е');
                terms.Add(w.Length > 5 ? w[..5] : w);
            }

            word.Clear();
        }

        return terms;
    }
}

using System.Text;
using Lucene.Net.Tartarus.Snowball;
using Lucene.Net.Tartarus.Snowball.Ext;

namespace SupportBot.Dialogs.Faq;

/// <summary>
/// Reduces the words of a text to their Snowball stems (English, German or Russian), so that "cards", "card" and
/// "carded" count as one word. Cyrillic words get the Russian stemmer; Latin words the German one when the text looks
/// German to <see cref="LanguageDetector"/>, else the English one. Not thread-safe: one per thread.
/// </summary>
internal sealed class FaqStemmer
{
    private readonly SnowballProgram _english = new EnglishStemmer();
    private readonly SnowballProgram _german = new GermanStemmer();
    private readonly SnowballProgram _russian = new RussianStemmer();
    private readonly List<string> _words = [];
    private readonly StringBuilder _text = new();

    /// <summary>The text's words, lower-cased (letters, digits and apostrophes; everything else separates them).</summary>
    private static IEnumerable<string> Words(string text)
    {
        var start = -1;
        for (var i = 0; i <= text.Length; i++)
        {
            var inWord = i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] == '\'');
            if (inWord && start < 0)
            {
                start = i;
            }
            else if (!inWord && start >= 0)
            {
                yield return text[start..i].ToLowerInvariant();
                start = -1;
            }
        }
    }

    /// <summary>The text's words, lower-cased and stemmed, separated by spaces (punctuation dropped).</summary>
    public string Stem(string text)
    {
        _words.Clear();
        _words.AddRange(Words(text));

        // Latin words of a German text get the German stemmer (mixed texts: Cyrillic words still get the Russian one).
        var german = LanguageDetector.FromText(text) == "de";

        _text.Clear();
        foreach (var w in _words)
        {
            var stemmer = IsCyrillic(w) ? _russian : german ? _german : _english;
            stemmer.SetCurrent(w);
            stemmer.Stem();
            if (_text.Length > 0)
            {
                _text.Append(' ');
            }

            _text.Append(stemmer.Current);
        }

        return _text.ToString();
    }

    /// <summary>
    /// The word in lower case and its English, German and Russian stems: the forms it may take whichever of the three
    /// languages it is in (a lone word says too little for the language detector).
    /// </summary>
    public IReadOnlySet<string> FormsOf(string word)
    {
        var lower = word.ToLowerInvariant();
        var forms = new HashSet<string>(StringComparer.Ordinal) { lower };
        foreach (var stemmer in (ReadOnlySpan<SnowballProgram>)[_english, _german, _russian])
        {
            stemmer.SetCurrent(lower);
            stemmer.Stem();
            forms.Add(stemmer.Current);
        }

        return forms;
    }

    private static bool IsCyrillic(string word)
    {
        foreach (var c in word)
        {
            if (c is >= '\u0400' and <= '\u04FF')
            {
                return true;
            }
        }

        return false;
    }
}

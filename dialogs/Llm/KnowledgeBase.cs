using System.Globalization;
using System.Text;

namespace SupportBot.Dialogs.Llm;

/// <summary>One retrievable piece of a knowledge document: a section (or part of one) of a Markdown file.</summary>
/// <param name="Id">file stem and chunk number, e.g. <c>warranty#2</c>.</param>
public sealed record KnowledgeChunk(string Id, string Title, string Text);

/// <summary>
/// <c>content/knowledge/*.md</c>, chunked by headings and paragraphs and retrieved on the machine with
/// BM25 over word prefixes (crude stemming that copes with Russian and German endings). Nothing leaves
/// the machine for retrieval; only the chunks chosen go into the model's sources.
/// </summary>
public sealed class KnowledgeBase
{
    public const int MaxChunkChars = 800;
    private const int PrefixLength = 5;
    private const double K1 = 1.2;
    private const double B = 0.75;

    private readonly KnowledgeChunk[] _chunks;
    private readonly Dictionary<string, int>[] _termCounts;
    private readonly int[] _lengths;
    private readonly Dictionary<string, double> _idf = new(StringComparer.Ordinal);
    private readonly double _averageLength;

    public static KnowledgeBase Empty { get; } = new([]);

    public KnowledgeBase(IReadOnlyList<KnowledgeChunk> chunks)
    {
        _chunks = [.. chunks];
        _termCounts = new Dictionary<string, int>[_chunks.Length];
        _lengths = new int[_chunks.Length];
        var documentFrequency = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < _chunks.Length; i++)
        {
            var counts = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var term in Terms(_chunks[i].Title + " " + _chunks[i].Text))
            {
                counts[term] = counts.GetValueOrDefault(term) + 1;
                _lengths[i]++;
            }

            _termCounts[i] = counts;
            foreach (var term in counts.Keys)
            {
                documentFrequency[term] = documentFrequency.GetValueOrDefault(term) + 1;
            }
        }

        _averageLength = _chunks.Length == 0 ? 1 : Math.Max(1, _lengths.Average());
        foreach (var (term, df) in documentFrequency)
        {
            _idf[term] = Math.Log(1 + ((_chunks.Length - df + 0.5) / (df + 0.5)));
        }
    }

    public IReadOnlyList<KnowledgeChunk> Chunks => _chunks;

    /// <summary>Reads every <c>*.md</c> in <paramref name="folder"/>; a missing folder is an empty base.</summary>
    public static KnowledgeBase Load(string folder)
    {
        if (!Directory.Exists(folder))
        {
            return Empty;
        }

        var chunks = new List<KnowledgeChunk>();
        foreach (var file in Directory.EnumerateFiles(folder, "*.md").Order(StringComparer.Ordinal))
        {
            chunks.AddRange(Chunk(Path.GetFileNameWithoutExtension(file), File.ReadAllText(file)));
        }

        return new KnowledgeBase(chunks);
    }

    /// <summary>Sections under headings; a long section split at paragraphs into pieces of at most <see cref="MaxChunkChars"/>.</summary>
    public static IEnumerable<KnowledgeChunk> Chunk(string name, string markdown)
    {
        var title = name;
        var n = 0;
        var current = new StringBuilder();
        var chunks = new List<KnowledgeChunk>();

        void Flush()
        {
            var text = current.ToString().Trim();
            current.Clear();
            if (text.Length > 0)
            {
                chunks.Add(new KnowledgeChunk($"{name}#{++n}", title, text));
            }
        }

        foreach (var paragraph in markdown.ReplaceLineEndings("\n").Split("\n\n"))
        {
            var lines = paragraph.Trim('\n').Split('\n');
            var body = new List<string>();
            foreach (var line in lines)
            {
                if (line.StartsWith('#'))
                {
                    Flush();
                    title = line.TrimStart('#').Trim();
                }
                else
                {
                    body.Add(line);
                }
            }

            var text = string.Join('\n', body).Trim();
            if (text.Length == 0)
            {
                continue;
            }

            if (current.Length > 0 && current.Length + text.Length + 2 > MaxChunkChars)
            {
                Flush();
            }

            for (var start = 0; start < text.Length; start += MaxChunkChars)
            {
                current.Append(text.AsSpan(start, Math.Min(MaxChunkChars, text.Length - start))).Append("\n\n");
                if (text.Length - start > MaxChunkChars)
                {
                    Flush();
                }
            }
        }

        Flush();
        return chunks;
    }

    /// <summary>The best chunks for <paramref name="query"/> scoring at least <paramref name="minScore"/>, best first.</summary>
    public IReadOnlyList<KnowledgeChunk> Search(string query, int k = 2, double minScore = 1.0)
    {
        if (_chunks.Length == 0)
        {
            return [];
        }

        var terms = Terms(query).Distinct(StringComparer.Ordinal).ToList();
        var scored = new List<(double Score, int Index)>();
        for (var i = 0; i < _chunks.Length; i++)
        {
            double score = 0;
            foreach (var term in terms)
            {
                if (_termCounts[i].TryGetValue(term, out var tf))
                {
                    score += _idf[term] * tf * (K1 + 1) / (tf + (K1 * (1 - B + (B * _lengths[i] / _averageLength))));
                }
            }

            if (score >= minScore)
            {
                scored.Add((score, i));
            }
        }

        return [.. scored.OrderByDescending(s => s.Score).ThenBy(s => s.Index).Take(k).Select(s => _chunks[s.Index])];
    }

    /// <summary>Lower-case words of two or more letters or digits, cut to their first letters.</summary>
    internal static IEnumerable<string> Terms(string text)
    {
        var word = new StringBuilder();
        foreach (var c in Contracts.UnicodeText.Normalizable(text).Normalize(NormalizationForm.FormC))
        {
            if (char.IsLetterOrDigit(c))
            {
                word.Append(char.ToLower(c, CultureInfo.InvariantCulture) is 'ё' ? 'е' : char.ToLower(c, CultureInfo.InvariantCulture));
                continue;
            }

            if (word.Length >= 2)
            {
                yield return word.Length > PrefixLength ? word.ToString(0, PrefixLength) : word.ToString();
            }

            word.Clear();
        }

        if (word.Length >= 2)
        {
            yield return word.Length > PrefixLength ? word.ToString(0, PrefixLength) : word.ToString();
        }
    }
}

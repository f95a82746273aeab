namespace SupportBot.Dialogs.Faq;

/// <summary>A sparse feature vector: ascending slot indices and their values.</summary>
internal readonly record struct SparseVector(int[] Indices, float[] Values)
{
    public static readonly SparseVector Empty = new([], []);

    /// <summary>The vector scaled to length 1 (left alone when it is all zeros).</summary>
    public SparseVector Normalized()
    {
        double sum = 0;
        foreach (var v in Values)
        {
            sum += (double)v * v;
        }

        if (sum <= 0)
        {
            return this;
        }

        var scale = (float)(1 / Math.Sqrt(sum));
        return new SparseVector(Indices, [.. Values.Select(v => v * scale)]);
    }
}

/// <summary>
/// Inverted index over a fixed set of sparse vectors (the training examples, or the label centroids):
/// the dot products of a query with all of them in time proportional to the postings the query touches.
/// Read-only once built, so any number of threads may query it at once.
/// </summary>
internal sealed class SparseIndex
{
    private readonly int[] _starts;
    private readonly int[] _rows;
    private readonly float[] _weights;

    /// <param name="rows">The vectors.</param>
    /// <param name="dimensions">Their length.</param>
    /// <param name="skipCommonerThan">
    /// Leave out features found in more than this many rows: they weigh little in TF-IDF yet make up most of the
    /// postings, so dropping them makes queries several times faster for slightly lower similarities.
    /// </param>
    public SparseIndex(IReadOnlyList<SparseVector> rows, int dimensions, int skipCommonerThan = int.MaxValue)
    {
        Count = rows.Count;
        var frequency = new int[dimensions];
        foreach (var row in rows)
        {
            foreach (var i in row.Indices)
            {
                frequency[i]++;
            }
        }

        var counts = new int[dimensions + 1];
        for (var d = 0; d < dimensions; d++)
        {
            counts[d + 1] = frequency[d] > skipCommonerThan ? 0 : frequency[d];
        }

        for (var d = 0; d < dimensions; d++)
        {
            counts[d + 1] += counts[d];
        }

        _starts = counts;
        _rows = new int[counts[dimensions]];
        _weights = new float[counts[dimensions]];
        var fill = (int[])counts.Clone();
        for (var r = 0; r < rows.Count; r++)
        {
            var row = rows[r];
            for (var j = 0; j < row.Indices.Length; j++)
            {
                if (frequency[row.Indices[j]] > skipCommonerThan)
                {
                    continue;
                }

                var at = fill[row.Indices[j]]++;
                _rows[at] = r;
                _weights[at] = row.Values[j];
            }
        }
    }

    /// <summary>How many vectors the index holds.</summary>
    public int Count { get; }

    /// <summary>Adds the query's dot product with every indexed vector into <paramref name="scores"/> (length <see cref="Count"/>).</summary>
    public void Dot(ReadOnlySpan<int> indices, ReadOnlySpan<float> values, Span<float> scores)
    {
        var dimensions = _starts.Length - 1;
        for (var j = 0; j < indices.Length; j++)
        {
            var d = indices[j];
            if ((uint)d >= (uint)dimensions)
            {
                continue;
            }

            var q = values[j];
            var end = _starts[d + 1];
            for (var p = _starts[d]; p < end; p++)
            {
                scores[_rows[p]] += q * _weights[p];
            }
        }
    }
}

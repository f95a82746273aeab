using System.Text;

namespace SupportBot.Contracts;

/// <summary>Customer text as it may arrive: anything the channel let through, including code units .NET cannot normalize.</summary>
public static class UnicodeText
{
    /// <summary>
    /// The text with lone surrogates and the noncharacters U+FFFE and U+FFFF replaced by U+FFFD, which
    /// <see cref="string.Normalize()"/> refuses with an exception; the same instance when there are none.
    /// </summary>
    public static string Normalizable(string text)
    {
        var at = FirstBad(text);
        if (at < 0)
        {
            return text;
        }

        var clean = new StringBuilder(text.Length);
        clean.Append(text, 0, at);
        var rest = text.AsSpan(at);
        while (!rest.IsEmpty)
        {
            var status = Rune.DecodeFromUtf16(rest, out var rune, out var used);
            clean.Append(status == System.Buffers.OperationStatus.Done && !IsNoncharacter(rune) ? rune.ToString() : "\uFFFD");
            rest = rest[used..];
        }

        return clean.ToString();
    }

    private static int FirstBad(string text)
    {
        var span = text.AsSpan();
        for (var i = 0; i < span.Length;)
        {
            if (Rune.DecodeFromUtf16(span[i..], out var rune, out var used) != System.Buffers.OperationStatus.Done || IsNoncharacter(rune))
            {
                return i;
            }

            i += used;
        }

        return -1;
    }

    private static bool IsNoncharacter(Rune rune) => rune.Value is 0xFFFE or 0xFFFF;
}

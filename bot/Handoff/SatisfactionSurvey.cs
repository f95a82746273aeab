using System.Globalization;
using System.Text.RegularExpressions;
using SupportBot.Contracts;

namespace SupportBot.Handoff;

/// <summary>
/// The question after a resolved chat ("How would you rate the help you got?") with the ratings 1–5 as buttons, and the
/// reading of the customer's answer: a button, or a rating written out ("4", "5/5", "4 из 5", "😀", "⭐⭐⭐⭐").
/// </summary>
internal static partial class SatisfactionSurvey
{
    /// <summary>The conversation-state value that names the close being rated (its time, Unix ms) while the question is open.</summary>
    public const string StateKey = "satisfactionSurvey";

    /// <summary>The intent of the rating's interest record, whose <see cref="RatingField"/> holds the rating.</summary>
    public const string Intent = "rating";

    public const string RatingField = "rating";

    /// <summary>A question stays open this long: a "2" written days later is about something else.</summary>
    public static readonly TimeSpan OpenFor = TimeSpan.FromDays(1);

    /// <summary>The buttons' faces, 1–5: from Unicode 6, which even old phones and fonts draw (🙁 and 🙂 came later).</summary>
    private static readonly string[] Faces = ["😞", "😕", "😐", "😊", "😀"];

    /// <summary>A face alone answers too: the buttons' own, and the usual others a customer may type.</summary>
    private static readonly Dictionary<string, int> TypedFaces = new(StringComparer.Ordinal)
    {
        ["😞"] = 1, ["😠"] = 1, ["😡"] = 1, ["☹"] = 1,
        ["😕"] = 2, ["🙁"] = 2,
        ["😐"] = 3,
        ["😊"] = 4, ["🙂"] = 4,
        ["😀"] = 5, ["😃"] = 5, ["😄"] = 5, ["😁"] = 5, ["😍"] = 5,
    };

    /// <summary>1 (poor) to 5 (excellent), left to right: on e-mail's numbered list too, the number is the rating.</summary>
    public static IReadOnlyList<SuggestedChoice> Choices { get; } =
        [.. Faces.Select((face, i) => new SuggestedChoice($"{i + 1} {face}", (i + 1).ToString(CultureInfo.InvariantCulture)))];

    /// <summary>The rating a message gives, or null when it says something else ("5 items are missing" is not a rating).</summary>
    public static int? Parse(string? text)
    {
        if (text is null)
        {
            return null;
        }

        // Emoji presentation selectors and skin tones vary by keyboard; the face is what counts.
        var trimmed = text.Replace("\uFE0F", "", StringComparison.Ordinal).Trim().TrimEnd('.', '!');
        if (TypedFaces.TryGetValue(trimmed, out var byFace))
        {
            return byFace;
        }

        if (trimmed.Length > 0 && trimmed.Replace("⭐", "", StringComparison.Ordinal).Trim().Length == 0)
        {
            var stars = trimmed.Count(c => c == '⭐');
            return stars is >= 1 and <= 5 ? stars : null;
        }

        var match = Written().Match(trimmed);
        if (!match.Success)
        {
            return null;
        }

        var rating = match.Groups["rating"].Value[0] - '0';
        // "2 😊" is a typo'd button at best: only the button's own face (or none) goes with a number.
        return match.Groups["face"].Success && Array.IndexOf(Faces, match.Groups["face"].Value) != rating - 1 ? null : rating;
    }

    /// <summary>
    /// A digit 1–5, optionally "of 5" in en/ru/de or "/5", optionally followed by one more word: a button's title typed out
    /// has its face there, which <see cref="Parse"/> checks against <see cref="Faces"/>.
    /// </summary>
    [GeneratedRegex(@"^(?<rating>[1-5])\s*(?:(?:/|of|out\s+of|из|von)\s*5)?\s*(?<face>\S+)?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Written();
}

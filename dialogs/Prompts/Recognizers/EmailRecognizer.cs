using System.Text.RegularExpressions;

namespace SupportBot.Dialogs.Prompts.Recognizers;

/// <summary>The first e-mail address in an answer ("my mail is Anna.K@Example.de." → anna.k@example.de, domain lower-cased).</summary>
public static partial class EmailRecognizer
{
    [GeneratedRegex(@"[\p{L}\p{N}._%+\-']+@[\p{L}\p{N}\-]+(?:\.[\p{L}\p{N}\-]+)*\.\p{L}{2,}", RegexOptions.CultureInvariant)]
    private static partial Regex Address();

    public static string? Recognize(string text)
    {
        var match = Address().Match(text);
        if (!match.Success)
        {
            return null;
        }

        var value = match.Value;
        var at = value.IndexOf('@', StringComparison.Ordinal);
        var local = value[..at];
        var domain = value[(at + 1)..];
        if (local.StartsWith('.') || local.EndsWith('.') || local.Contains("..", StringComparison.Ordinal) || local.Length > 64
            || domain.Contains("..", StringComparison.Ordinal) || domain.Split('.').Any(label => label.Length == 0 || label.StartsWith('-') || label.EndsWith('-')))
        {
            return null;
        }

        return local + "@" + domain.ToLowerInvariant();
    }
}

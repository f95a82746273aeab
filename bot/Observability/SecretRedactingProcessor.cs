using System.Diagnostics;
using System.Text.RegularExpressions;
using OpenTelemetry;

namespace SupportBot.Observability;

/// <summary>
/// Takes credentials out of every span's string attributes and name before an exporter sees them. The HttpClient
/// instrumentation records the request URL (<c>url.full</c>, <c>http.url</c>), and a Telegram Bot API URL carries the
/// bot's token in its path (<c>/bot&lt;token&gt;/sendMessage</c>, <c>/file/bot&lt;token&gt;/…</c>); a query may carry an
/// <c>access_token</c> or a key. Runs on every span (it is added before the exporters), so no configured collector
/// receives them.
/// </summary>
internal sealed partial class SecretRedactingProcessor : BaseProcessor<Activity>
{
    public const string Redacted = "REDACTED";

    public override void OnEnd(Activity data)
    {
        if (ContainsSecret(data.DisplayName))
        {
            data.DisplayName = Redact(data.DisplayName);
        }

        List<KeyValuePair<string, string>>? changed = null;
        foreach (var tag in data.TagObjects)
        {
            if (tag.Value is string text && ContainsSecret(text))
            {
                (changed ??= []).Add(new(tag.Key, Redact(text)));
            }
        }

        if (changed is not null)
        {
            foreach (var (key, value) in changed)
            {
                data.SetTag(key, value);
            }
        }
    }

    /// <summary>Cheap test first: almost no attribute holds either marker.</summary>
    private static bool ContainsSecret(string text) =>
        (text.Contains("/bot", StringComparison.Ordinal) || text.Contains('=', StringComparison.Ordinal)) && Secret().IsMatch(text);

    internal static string Redact(string text) => Secret().Replace(text, m => m.Groups["tg"].Success ? "/bot" + Redacted : m.Groups["name"].Value + "=" + Redacted);

    // A Telegram token is "<bot id>:<secret>"; the query names are those our clients and common APIs put credentials in.
    [GeneratedRegex(@"/bot(?<tg>\d+:[A-Za-z0-9_-]+)|(?<name>\b(?:access_token|api_key|apikey|key|token|secret|password))=[^&#\s]*", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Secret();
}

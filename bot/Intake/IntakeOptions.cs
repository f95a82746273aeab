using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using SupportBot.Api;

namespace SupportBot.Intake;

/// <summary><c>Intake:*</c> — website forms (contact forms, product comments, reviews, call-back requests).</summary>
public sealed class IntakeOptions
{
    public const string Section = "Intake";

    /// <summary>The sites allowed to post forms, each with its own key. None: the intake refuses everyone.</summary>
    public List<IntakeSiteOptions> Sites { get; set; } = [];

    /// <summary>Submissions one address may make per minute to one site (per host instance), unless the site sets its own.</summary>
    public int RequestsPerMinutePerIp { get; set; } = 10;

    /// <summary>The same content from the same site within this many seconds is one submission (0: only the idempotency key dedupes).</summary>
    public int DuplicateWindowSeconds { get; set; } = 600;

    /// <summary>How long an <c>Idempotency-Key</c> is remembered.</summary>
    public int IdempotencyHours { get; set; } = 24;

    /// <summary>A field hidden from people (CSS) that bots fill in; a submission with it filled is answered as usual and dropped.</summary>
    public string HoneypotField { get; set; } = "website";

    /// <summary>
    /// Confirmation e-mails one address receives in 24 hours, from all sites together: a form's <c>email</c> is
    /// whatever the visitor typed, so without a cap anyone could make us mail a stranger over and over.
    /// </summary>
    public int ConfirmationsPerAddressPerDay { get; set; } = 3;

    /// <summary>The largest submission body.</summary>
    public int MaxBodyBytes { get; set; } = 32 * 1024;

    /// <summary>The site whose key this is (compared in constant time), or null.</summary>
    public IntakeSiteOptions? SiteForKey(string? key)
    {
        if (string.IsNullOrEmpty(key))
        {
            return null;
        }

        var presented = Encoding.UTF8.GetBytes(key);
        IntakeSiteOptions? found = null;
        foreach (var site in Sites)
        {
            // Every key is compared, so the time taken does not tell which one nearly matched.
            if (!string.IsNullOrEmpty(site.Key) && CryptographicOperations.FixedTimeEquals(presented, Encoding.UTF8.GetBytes(site.Key)))
            {
                found = site;
            }
        }

        return found;
    }
}

/// <summary><c>Intake:Sites:&lt;i&gt;</c> — one website.</summary>
public sealed class IntakeSiteOptions
{
    /// <summary>Our name for the site (letters, digits, - and _): the records' channel account.</summary>
    public string Name { get; set; } = "";

    /// <summary>Sent in <c>X-Api-Key</c>. Opens only the form intake, nothing else (set it in the environment).</summary>
    public string Key { get; set; } = "";

    /// <summary>
    /// The site's origins (<c>https://shop.example</c>). When set, browsers on them may post directly (CORS), a browser
    /// on another origin is refused, and <c>page</c> must be on one of them. Empty: no such checks (the site's server posts).
    /// </summary>
    public string[] Origins { get; set; } = [];

    /// <summary>This site's own per-address limit per minute; null: <see cref="IntakeOptions.RequestsPerMinutePerIp"/>.</summary>
    public int? RequestsPerMinutePerIp { get; set; }

    /// <summary>Send the author a confirmation e-mail (needs an <see cref="IFormConfirmationSender"/>: the e-mail channel).</summary>
    public bool ConfirmationEmail { get; set; }

    public bool AllowsOrigin(string origin) =>
        Origins.Any(o => string.Equals(o.TrimEnd('/'), origin.TrimEnd('/'), StringComparison.OrdinalIgnoreCase));
}

/// <summary>Checks every site at start-up; each failure names its setting path. Site keys must differ from <c>Api:Keys</c>.</summary>
internal sealed partial class IntakeOptionsValidator(IOptions<ApiOptions> api) : IValidateOptions<IntakeOptions>
{
    public const int MinKeyLength = 16;

    public ValidateOptionsResult Validate(string? name, IntakeOptions options)
    {
        var failures = new List<string>();
        var s = IntakeOptions.Section;
        if (options.ConfirmationsPerAddressPerDay is < 1 or > 1000)
        {
            failures.Add($"{s}:ConfirmationsPerAddressPerDay must be between 1 and 1000 (default 3).");
        }

        if (options.RequestsPerMinutePerIp is < 1 or > 100_000)
        {
            failures.Add($"{s}:RequestsPerMinutePerIp must be between 1 and 100000 (default 10).");
        }

        if (options.DuplicateWindowSeconds is < 0 or > 86_400)
        {
            failures.Add($"{s}:DuplicateWindowSeconds must be between 0 and 86400 (default 600).");
        }

        if (options.IdempotencyHours is < 1 or > 720)
        {
            failures.Add($"{s}:IdempotencyHours must be between 1 and 720 (default 24).");
        }

        if (options.MaxBodyBytes is < 1024 or > 1024 * 1024)
        {
            failures.Add($"{s}:MaxBodyBytes must be between 1024 and 1048576 (default 32768).");
        }

        if (!NamePattern().IsMatch(options.HoneypotField ?? "") || FormSubmission.FieldNames.Contains(options.HoneypotField!))
        {
            failures.Add($"{s}:HoneypotField must be 1–40 letters, digits, '-' or '_', and not one of the form's own fields ({string.Join(", ", FormSubmission.FieldNames)}).");
        }

        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Sites.Count; i++)
        {
            var site = options.Sites[i];
            var path = $"{s}:Sites:{i}";
            if (!NamePattern().IsMatch(site.Name ?? ""))
            {
                failures.Add($"{path}:Name must be 1–40 letters, digits, '-' or '_' (it names the site on its records).");
            }
            else if (!names.Add(site.Name!))
            {
                failures.Add($"{path}:Name '{site.Name}' is used by another site; give each site its own name.");
            }

            if (string.IsNullOrEmpty(site.Key) || site.Key.Length < MinKeyLength || site.Key.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
            {
                failures.Add($"{path}:Key must be at least {MinKeyLength} characters without spaces (e.g. openssl rand -hex 24).");
            }
            else if (!keys.Add(site.Key))
            {
                failures.Add($"{path}:Key is the key of another site; give each site its own.");
            }
            else if (api.Value.Keys.Contains(site.Key, StringComparer.Ordinal))
            {
                failures.Add($"{path}:Key is also in Api:Keys; a site key must open only the intake, so use a different one.");
            }

            for (var j = 0; j < site.Origins.Length; j++)
            {
                if (!IsOrigin(site.Origins[j]))
                {
                    failures.Add($"{path}:Origins:{j} must be an origin like https://shop.example (scheme, host and optional port; no path).");
                }
            }

            if (site.RequestsPerMinutePerIp is < 1 or > 100_000)
            {
                failures.Add($"{path}:RequestsPerMinutePerIp must be between 1 and 100000, or left out for {s}:RequestsPerMinutePerIp.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool IsOrigin(string? text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
        && uri.AbsolutePath == "/" && uri.Query.Length == 0 && uri.Fragment.Length == 0 && uri.UserInfo.Length == 0
        && !text!.TrimEnd('/').EndsWith('?');

    /// <summary>A site name or a field name.</summary>
    [GeneratedRegex("^[A-Za-z0-9_-]{1,40}$")]
    private static partial Regex NamePattern();
}

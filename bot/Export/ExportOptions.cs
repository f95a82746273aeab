using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using SupportBot.Pipeline;

namespace SupportBot.Export;

/// <summary><c>Export:*</c> — outgoing webhooks that tell an external CRM about every new or changed interest record.</summary>
public sealed class ExportOptions
{
    public const string Section = "Export";

    public List<WebhookOptions> Webhooks { get; set; } = [];

    public WebhookDeliveryOptions Delivery { get; set; } = new();

    public WebhookOptions? Find(string name) => Webhooks.FirstOrDefault(w => string.Equals(w.Name, name, StringComparison.OrdinalIgnoreCase));
}

/// <summary><c>Export:Webhooks:&lt;i&gt;</c> — one receiver.</summary>
public sealed class WebhookOptions
{
    /// <summary>Our name for the receiver (letters, digits, - and _).</summary>
    public string Name { get; set; } = "";

    /// <summary>The receiver's absolute http(s) address; each event is POSTed there.</summary>
    public string Url { get; set; } = "";

    /// <summary>The HMAC-SHA256 key the body is signed with (<c>X-Signature-256</c>). Set it in the environment.</summary>
    public string Secret { get; set; } = "";

    /// <summary><c>interest.created</c> and/or <c>interest.changed</c>; empty: both.</summary>
    public string[] Events { get; set; } = [];

    public bool Wants(string eventType) => Events.Length == 0 || Events.Contains(eventType, StringComparer.Ordinal);
}

/// <summary><c>Export:Delivery:*</c> — how deliveries are retried.</summary>
public sealed class WebhookDeliveryOptions
{
    /// <summary>Delivery rounds before an event is kept as a failed delivery (visible, retryable by hand).</summary>
    public int MaxAttempts { get; set; } = 20;

    /// <summary>Wait after the first failed round; doubles with each further one (±20 % jitter), up to <see cref="MaxRetrySeconds"/>.</summary>
    public double FirstRetrySeconds { get; set; } = 10;

    public double MaxRetrySeconds { get; set; } = 3600;

    /// <summary>Quick retries within one round for a dropped connection, a timeout, 408, 429 or 5xx (Polly, exponential from half a second).</summary>
    public int QuickRetries { get; set; } = 2;

    /// <summary>How long one POST may take.</summary>
    public double TimeoutSeconds { get; set; } = 10;

    /// <summary>How often each instance looks for due deliveries (new events on the same instance go at once).</summary>
    public int PollMilliseconds { get; set; } = 1000;

    /// <summary>Deliveries one instance makes at the same time.</summary>
    public int Concurrency { get; set; } = 4;

    /// <summary>Failed deliveries kept; past that the oldest are dropped.</summary>
    public int KeepFailed { get; set; } = 10_000;

    /// <summary>Backoff before round <paramref name="attempts"/> + 1, jittered so a burst of failures does not retry in lockstep.</summary>
    public TimeSpan Backoff(int attempts, Random random) => RetryBackoff.Next(attempts, FirstRetrySeconds, MaxRetrySeconds, random);

    /// <summary>How long a claimed delivery belongs to its instance: every try of a round and the waits between them, with room to spare.</summary>
    public TimeSpan Lease => TimeSpan.FromSeconds(((QuickRetries + 1) * TimeoutSeconds) + (QuickRetries * WebhookDeliverer.MaxQuickDelaySeconds) + 30);
}

/// <summary>Checks every webhook at start-up; each failure names its setting path. A secret is never echoed.</summary>
internal sealed partial class ExportOptionsValidator : IValidateOptions<ExportOptions>
{
    public const int MinSecretLength = 16;

    public ValidateOptionsResult Validate(string? name, ExportOptions options)
    {
        var failures = new List<string>();
        var s = ExportOptions.Section;
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < options.Webhooks.Count; i++)
        {
            var hook = options.Webhooks[i];
            var path = $"{s}:Webhooks:{i}";
            if (!NamePattern().IsMatch(hook.Name ?? ""))
            {
                failures.Add($"{path}:Name must be 1–40 letters, digits, '-' or '_'.");
            }
            else if (!names.Add(hook.Name!))
            {
                failures.Add($"{path}:Name '{hook.Name}' is used by another webhook; give each its own name.");
            }

            if (!Uri.TryCreate(hook.Url, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
            {
                failures.Add($"{path}:Url must be the receiver's absolute http(s) address, e.g. https://crm.example/hooks/support.");
            }

            if (string.IsNullOrEmpty(hook.Secret) || hook.Secret.Length < MinSecretLength)
            {
                failures.Add($"{path}:Secret must be at least {MinSecretLength} characters (e.g. openssl rand -hex 32); the receiver checks the signature with it.");
            }

            for (var j = 0; j < hook.Events.Length; j++)
            {
                if (!WebhookEvent.Types.Contains(hook.Events[j]))
                {
                    failures.Add($"{path}:Events:{j} must be one of {string.Join(", ", WebhookEvent.Types)} (leave Events out for both).");
                }
            }
        }

        var d = options.Delivery;
        var dp = $"{s}:Delivery";
        Check(d.MaxAttempts is >= 1 and <= 1000, $"{dp}:MaxAttempts must be between 1 and 1000 (default 20).");
        Check(d.FirstRetrySeconds is >= 0.01 and <= 86_400, $"{dp}:FirstRetrySeconds must be between 0.01 and 86400 (default 10).");
        Check(d.MaxRetrySeconds >= d.FirstRetrySeconds && d.MaxRetrySeconds <= 7 * 86_400, $"{dp}:MaxRetrySeconds must be at least FirstRetrySeconds and at most 604800 (default 3600).");
        Check(d.QuickRetries is >= 0 and <= 5, $"{dp}:QuickRetries must be between 0 and 5 (default 2).");
        Check(d.TimeoutSeconds is >= 0.1 and <= 300, $"{dp}:TimeoutSeconds must be between 0.1 and 300 (default 10).");
        Check(d.PollMilliseconds is >= 10 and <= 60_000, $"{dp}:PollMilliseconds must be between 10 and 60000 (default 1000).");
        Check(d.Concurrency is >= 1 and <= 64, $"{dp}:Concurrency must be between 1 and 64 (default 4).");
        Check(d.KeepFailed is >= 1 and <= 1_000_000, $"{dp}:KeepFailed must be between 1 and 1000000 (default 10000).");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);

        void Check(bool ok, string failure)
        {
            if (!ok)
            {
                failures.Add(failure);
            }
        }
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,40}$")]
    private static partial Regex NamePattern();
}

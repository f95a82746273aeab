using System.ComponentModel.DataAnnotations;
using System.Net;

namespace SupportBot.Security;

/// <summary><c>Security:*</c> — the reverse proxy in front of the host, and HSTS.</summary>
public sealed class SecurityOptions
{
    public const string Section = "Security";

    /// <summary>
    /// Addresses (<c>10.0.0.5</c>) or networks (<c>10.0.0.0/8</c>) of reverse proxies whose
    /// X-Forwarded-For and X-Forwarded-Proto are believed (loopback always is). Set: cookies are always Secure.
    /// </summary>
    public string[] KnownProxies { get; set; } = [];

    /// <summary>Strict-Transport-Security max-age on HTTPS responses (not for localhost); 0 sends none.</summary>
    [Range(0, 3650)]
    public int HstsMaxAgeDays { get; set; } = 365;

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        for (var i = 0; i < KnownProxies.Length; i++)
        {
            if (!IPAddress.TryParse(KnownProxies[i], out _) && !IPNetwork.TryParse(KnownProxies[i], out _))
            {
                errors.Add($"{Section}:KnownProxies:{i} must be an IP address or a network like 10.0.0.0/8, not '{KnownProxies[i]}'.");
            }
        }

        return errors;
    }
}

/// <summary><c>RateLimits:*</c> — requests per minute on the public ingress; 0 turns a limit off.</summary>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimits";

    /// <summary>POSTs under <c>/v3/directline</c> (activities, conversations, tokens) from one client address (an IPv6 /64 counts as one).</summary>
    [Range(0, 1_000_000)]
    public int DirectLinePerIpPerMinute { get; set; } = 600;

    /// <summary>Activities posted into one Direct Line conversation.</summary>
    [Range(0, 1_000_000)]
    public int DirectLinePerConversationPerMinute { get; set; } = 60;

    /// <summary>Telegram and VK webhook calls from one address. Both deliver from a few addresses: keep it well above the peak.</summary>
    [Range(0, 10_000_000)]
    public int WebhookPerIpPerMinute { get; set; } = 6000;
}

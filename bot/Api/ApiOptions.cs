using System.ComponentModel.DataAnnotations;

namespace SupportBot.Api;

/// <summary><c>Api:*</c> — the HTTP API of the host.</summary>
public sealed class ApiOptions
{
    public const string Section = "Api";

    /// <summary>Keys accepted in the <c>X-Api-Key</c> header by /api endpoints (until the console brings logins).</summary>
    public string[] Keys { get; set; } = [];

    /// <summary>Largest request body accepted anywhere, in bytes.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public long MaxRequestBodyBytes { get; set; } = 256 * 1024;
}

using System.ComponentModel.DataAnnotations;

namespace SupportBot.Channels.WebChat;

/// <summary><c>Channels:WebChat:*</c> — the website chat over Direct Line 3.0.</summary>
public sealed class WebChatOptions
{
    public const string Section = "Channels:WebChat";

    /// <summary>
    /// The Direct Line secret a site's back end exchanges for tokens (<c>POST /v3/directline/tokens/generate</c>),
    /// and the key tokens are signed with. Empty: tokens/generate is off and a random signing key kept in Redis is used.
    /// </summary>
    public string? Secret { get; set; }

    [Range(1, 24 * 60)]
    public int TokenLifetimeMinutes { get; set; } = 30;

    /// <summary>Anonymous visitor tokens (<c>POST /api/webchat/token</c>) one IP address may get per minute.</summary>
    [Range(1, 100000)]
    public int TokenRequestsPerMinutePerIp { get; set; } = 20;

    /// <summary>Base URL the browser sees (behind a proxy), used for the absolute streamUrl. Empty: from the request.</summary>
    public string? PublicBaseUrl { get; set; }

    /// <summary>Origins of sites allowed to embed the chat; <c>*</c> allows any (tokens, not cookies, guard the API).</summary>
    public string[] AllowedOrigins { get; set; } = ["*"];

    /// <summary>The bot's display name in the chat.</summary>
    [Required]
    public string BotName { get; set; } = "Northwind Assistant";
}

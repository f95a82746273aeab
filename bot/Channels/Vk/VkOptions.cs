using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace SupportBot.Channels.Vk;

/// <summary><c>Channels:Vk:*</c> — VK communities (several brands side by side).</summary>
public sealed class VkOptions
{
    public const string Section = "Channels:Vk";

    public List<VkCommunityOptions> Communities { get; set; } = [];

    /// <summary>Largest Callback API body accepted (413 above).</summary>
    public int MaxBodyBytes { get; set; } = 256 * 1024;

    /// <summary>Seconds a Bots Long Poll request waits for events (VK allows at most 90).</summary>
    public int LongPollWaitSeconds { get; set; } = 25;

    /// <summary>How long an author's name and photo from users.get are cached.</summary>
    public int UserCacheHours { get; set; } = 24;

    /// <summary>How long an event's "ok" may wait for a new author's name (users.get); later, the record goes without it.</summary>
    public int AuthorWaitMilliseconds { get; set; } = 300;

    /// <summary>Requests per second one community token may make (VK allows 20).</summary>
    public int RequestsPerSecond { get; set; } = 20;

    public VkCommunityOptions? Find(string name) =>
        Communities.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));
}

/// <summary><c>Channels:Vk:Communities:&lt;i&gt;</c> — one community and how it reaches us.</summary>
public sealed class VkCommunityOptions
{
    public const string DefaultApiBaseUrl = "https://api.vk.com/method/";

    /// <summary>Our name for it: in the callback URL <c>/api/channels/vk/{Name}</c>, conversation ids and records.</summary>
    public string Name { get; set; } = "";

    public long GroupId { get; set; }

    /// <summary>Community access token with the messages, wall and manage rights.</summary>
    public string Token { get; set; } = "";

    /// <summary>The string the Callback API confirmation must be answered with.</summary>
    public string? ConfirmationCode { get; set; }

    /// <summary>The Callback API secret key; every event must carry it.</summary>
    public string? Secret { get; set; }

    /// <summary><c>callback</c> (VK posts to us) or <c>longpoll</c> (we poll; for development, no public URL).</summary>
    public string Mode { get; set; } = "callback";

    public string ApiBaseUrl { get; set; } = DefaultApiBaseUrl;

    public bool IsLongPoll => string.Equals(Mode, "longpoll", StringComparison.OrdinalIgnoreCase);

    /// <summary>The base URL with a trailing slash, so <c>messages.send</c> can be appended.</summary>
    public Uri ApiBase => new(ApiBaseUrl.EndsWith('/') ? ApiBaseUrl : ApiBaseUrl + "/");
}

internal sealed partial class VkOptionsValidator : IValidateOptions<VkOptions>
{
    public ValidateOptionsResult Validate(string? name, VkOptions options)
    {
        var errors = new List<string>();
        const string root = VkOptions.Section;
        if (options.MaxBodyBytes is < 1024 or > 16 * 1024 * 1024)
        {
            errors.Add($"{root}:MaxBodyBytes must be between 1024 and 16777216.");
        }

        if (options.LongPollWaitSeconds is < 1 or > 90)
        {
            errors.Add($"{root}:LongPollWaitSeconds must be between 1 and 90 (VK's maximum).");
        }

        if (options.AuthorWaitMilliseconds is < 0 or > 10_000)
        {
            errors.Add($"{root}:AuthorWaitMilliseconds must be between 0 and 10000.");
        }

        if (options.UserCacheHours is < 0 or > 24 * 30)
        {
            errors.Add($"{root}:UserCacheHours must be between 0 and 720.");
        }

        if (options.RequestsPerSecond is < 1 or > 1000)
        {
            errors.Add($"{root}:RequestsPerSecond must be between 1 and 1000 (VK allows a community token 20).");
        }

        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < options.Communities.Count; i++)
        {
            var c = options.Communities[i];
            var path = $"{root}:Communities:{i}";
            if (!NamePattern().IsMatch(c.Name ?? ""))
            {
                errors.Add($"{path}:Name must be 1–40 letters, digits, '-' or '_' (it goes into /api/channels/vk/{{Name}}).");
            }
            else if (!names.Add(c.Name!))
            {
                errors.Add($"{path}:Name '{c.Name}' is used by another community; names must be unique.");
            }

            if (c.GroupId <= 0)
            {
                errors.Add($"{path}:GroupId must be the community's positive numeric id (club<id> in its address).");
            }

            if (string.IsNullOrWhiteSpace(c.Token))
            {
                errors.Add($"{path}:Token is required: a community access token with the messages, wall and manage rights.");
            }

            var longPoll = string.Equals(c.Mode, "longpoll", StringComparison.OrdinalIgnoreCase);
            if (!longPoll && !string.Equals(c.Mode, "callback", StringComparison.OrdinalIgnoreCase))
            {
                errors.Add($"{path}:Mode must be 'callback' or 'longpoll', not '{c.Mode}'.");
            }
            else if (!longPoll)
            {
                if (string.IsNullOrWhiteSpace(c.ConfirmationCode))
                {
                    errors.Add($"{path}:ConfirmationCode is required in callback mode (Manage → API usage → Callback API shows it).");
                }

                if (string.IsNullOrWhiteSpace(c.Secret))
                {
                    errors.Add($"{path}:Secret is required in callback mode: set a secret key in the Callback API settings and here.");
                }
            }

            if (!Uri.TryCreate(c.ApiBaseUrl, UriKind.Absolute, out var api) || (api.Scheme != Uri.UriSchemeHttps && api.Scheme != Uri.UriSchemeHttp))
            {
                errors.Add($"{path}:ApiBaseUrl must be an absolute http(s) URL such as {VkCommunityOptions.DefaultApiBaseUrl}.");
            }
        }

        return errors.Count > 0 ? ValidateOptionsResult.Fail(errors) : ValidateOptionsResult.Success;
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,40}$")]
    private static partial Regex NamePattern();
}

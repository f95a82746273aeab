using System.Text.RegularExpressions;
using System.Web;

namespace SupportBot.Channels.Email;

/// <param name="Network">vk, telegram, facebook, instagram, ok, youtube, twitter, linkedin.</param>
/// <param name="Action">comment, like, join, message or review; message when the mail does not say.</param>
/// <param name="Actor">The person who did it, when the subject (or the sender's display name) names them.</param>
/// <param name="Link">The post or comment the mail is about, when it links one.</param>
internal sealed record SocialNotification(string Network, string Action, string? Actor, string? Link);

/// <summary>
/// Recognises the mails social networks send about activity on a brand's pages ("Иван Петров
/// прокомментировал вашу запись", "John liked your post", "Anna hat deinen Beitrag kommentiert"):
/// which network, what happened, who did it and the link to the post or comment. Pure functions.
/// </summary>
internal static partial class SocialNotifications
{
    /// <summary>Sender domains (and their subdomains) of each network's notification mail.</summary>
    private static readonly (string Network, string[] Domains, string[] Brands)[] Senders =
    [
        ("vk", ["vk.com", "vk.ru", "vkontakte.ru", "vk.me"], ["vk", "вконтакте", "vkontakte"]),
        ("telegram", ["telegram.org"], ["telegram"]),
        ("facebook", ["facebookmail.com", "facebook.com", "fb.com", "meta.com"], ["facebook", "meta"]),
        ("instagram", ["mail.instagram.com", "instagram.com"], ["instagram"]),
        ("ok", ["ok.ru", "odnoklassniki.ru"], ["одноклассники", "ok", "odnoklassniki"]),
        ("youtube", ["youtube.com"], ["youtube"]),
        ("twitter", ["x.com", "twitter.com"], ["x", "twitter"]),
        ("linkedin", ["linkedin.com"], ["linkedin"]),
    ];

    /// <summary>Words of each action in en, ru, de; the one that comes first in the subject wins ("liked your comment" is a like).</summary>
    private static readonly (string Action, Regex Words)[] Actions =
    [
        ("like", LikeWords()),
        ("comment", CommentWords()),
        ("join", JoinWords()),
        ("review", ReviewWords()),
        ("message", MessageWords()),
    ];

    /// <summary>The notification's facts, or null when the mail is not from a known network's notification sender.</summary>
    public static SocialNotification? Recognize(string? fromAddress, string? fromName, string? subject, string text, IReadOnlyList<string> links)
    {
        var network = NetworkOf(fromAddress);
        if (network is null)
        {
            return null;
        }

        subject ??= "";
        var (action, at) = ActionOf(subject);
        if (action is null)
        {
            (action, _) = ActionOf(text.Length > 2000 ? text[..2000] : text);
            at = -1;
        }

        return new SocialNotification(network, action ?? "message", ActorOf(network, fromName, subject, at), PostLink(network, links));
    }

    public static string? NetworkOf(string? address)
    {
        var at = address?.LastIndexOf('@') ?? -1;
        if (at < 0)
        {
            return null;
        }

        var domain = address![(at + 1)..].ToLowerInvariant();
        foreach (var (network, domains, _) in Senders)
        {
            if (domains.Any(d => domain == d || domain.EndsWith("." + d, StringComparison.Ordinal)))
            {
                return network;
            }
        }

        return null;
    }

    /// <returns>The action whose word comes first, and where that word starts.</returns>
    private static (string? Action, int At) ActionOf(string text)
    {
        string? best = null;
        var bestAt = int.MaxValue;
        foreach (var (action, words) in Actions)
        {
            if (words.Match(text) is { Success: true } m && m.Index < bestAt)
            {
                best = action;
                bestAt = m.Index;
            }
        }

        return (best, best is null ? -1 : bestAt);
    }

    /// <summary>
    /// The actor: the subject before the action word (or before "hat"/"has"), when it looks like a name
    /// (1–5 words, not "You"/"New"); else the sender's display name when it is not the network's own.
    /// </summary>
    private static string? ActorOf(string network, string? fromName, string subject, int actionAt)
    {
        if (actionAt > 0)
        {
            var before = subject[..actionAt];
            if (Auxiliary().Match(before) is { Success: true } aux)
            {
                before = before[..aux.Index];
            }

            before = before.Trim().Trim('"', '«', '»', ':', ',', '-', '–').Trim();
            var words = before.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words.Length is >= 1 and <= 5 && !NotAName().IsMatch(before) && char.IsLetter(before[0]))
            {
                return before;
            }
        }

        var name = fromName?.Trim().Trim('"').Trim();
        if (string.IsNullOrEmpty(name))
        {
            return null;
        }

        var brands = Senders.First(s => s.Network == network).Brands;
        return brands.Any(b => name.Equals(b, StringComparison.OrdinalIgnoreCase) || name.StartsWith(b + " ", StringComparison.OrdinalIgnoreCase)) ? null : name;
    }

    /// <summary>The link that opens the post or comment: a network's post address first, else the first link to the network that is not a settings or help page.</summary>
    public static string? PostLink(string network, IReadOnlyList<string> links)
    {
        var unwrapped = links.Select(Unwrap).ToList();
        var post = unwrapped.FirstOrDefault(l => PostPattern(network)?.IsMatch(l) == true);
        if (post is not null)
        {
            return post;
        }

        var domains = Senders.First(s => s.Network == network).Domains;
        return unwrapped.FirstOrDefault(l =>
            Uri.TryCreate(l, UriKind.Absolute, out var uri)
            && domains.Any(d => uri.Host.Equals(d, StringComparison.OrdinalIgnoreCase) || uri.Host.EndsWith("." + d, StringComparison.OrdinalIgnoreCase))
            && !NotAPost().IsMatch(uri.PathAndQuery));
    }

    /// <summary>VK wraps outgoing links in away.php?to=…; the target is the real link.</summary>
    private static string Unwrap(string link)
    {
        if (Uri.TryCreate(link, UriKind.Absolute, out var uri) && uri.AbsolutePath.EndsWith("/away.php", StringComparison.OrdinalIgnoreCase)
            && HttpUtility.ParseQueryString(uri.Query)["to"] is { Length: > 0 } to && Uri.TryCreate(to, UriKind.Absolute, out _))
        {
            return to;
        }

        return link;
    }

    private static Regex? PostPattern(string network) => network switch
    {
        "vk" => VkPost(),
        "facebook" => FacebookPost(),
        "instagram" => InstagramPost(),
        "telegram" => TelegramPost(),
        "youtube" => YoutubePost(),
        "ok" => OkPost(),
        "twitter" => TwitterPost(),
        "linkedin" => LinkedInPost(),
        _ => null,
    };

    [GeneratedRegex(@"\b(liked?|likes|reacted|reaction|нравится|понравил|оценил|лайк|gefällt|reagiert|hat reagiert)", RegexOptions.IgnoreCase)]
    private static partial Regex LikeWords();

    [GeneratedRegex(@"(commented|new comment|comment(ed)? on|replied|reply to|mentioned you|прокомментировал|комментари|ответил|упомянул|kommentiert|kommentar|geantwortet|antwort auf|erwähnt)", RegexOptions.IgnoreCase)]
    private static partial Regex CommentWords();

    [GeneratedRegex(@"(joined|started following|followed you|follows you|new follower|вступил|подписал|новый подписчик|folgt dir|beigetreten|neuer follower)", RegexOptions.IgnoreCase)]
    private static partial Regex JoinWords();

    [GeneratedRegex(@"(reviewed|new review|left a review|recommends|оставил отзыв|новый отзыв|bewertet|neue bewertung|rezension)", RegexOptions.IgnoreCase)]
    private static partial Regex ReviewWords();

    [GeneratedRegex(@"(sent you a message|new message|messaged you|новое сообщение|написал(а)? вам|прислал(а)? сообщение|neue nachricht|hat dir .{0,20}geschrieben)", RegexOptions.IgnoreCase)]
    private static partial Regex MessageWords();

    [GeneratedRegex(@"\s(hat|has|have|haben|and \d+ others?|und \d+ weitere|и (ещё|еще) \d+)\s", RegexOptions.IgnoreCase)]
    private static partial Regex Auxiliary();

    [GeneratedRegex(@"^(you|your|new|there|вы|вас|у вас|новый|новое|du|dein|sie|ihr|neue)\b", RegexOptions.IgnoreCase)]
    private static partial Regex NotAName();

    [GeneratedRegex(@"(unsubscribe|settings|notifications?/|help|privacy|terms|login|password|/legal|\.(png|jpe?g|gif)(\?|$))", RegexOptions.IgnoreCase)]
    private static partial Regex NotAPost();

    [GeneratedRegex(@"^https?://(m\.)?vk\.(com|ru)/(wall-?\d+_\d+|photo-?\d+_\d+|video-?\d+_\d+|topic-?\d+_\d+|market-?\d+|product-?\d+_\d+|.*[?&]w=(wall|photo|video|product)-?\d+_\d+|club\d+\?w=wall)", RegexOptions.IgnoreCase)]
    private static partial Regex VkPost();

    [GeneratedRegex(@"^https?://([a-z]+\.)?facebook\.com/(.+/posts/|.+/videos/|permalink\.php|story\.php|photo(\.php|/)|groups/.+/(posts|permalink)/|n/\?|.*[?&]comment_id=)", RegexOptions.IgnoreCase)]
    private static partial Regex FacebookPost();

    [GeneratedRegex(@"^https?://(www\.)?instagram\.com/(p|reel|tv)/", RegexOptions.IgnoreCase)]
    private static partial Regex InstagramPost();

    [GeneratedRegex(@"^https?://t\.me/(c/)?[A-Za-z0-9_]+/\d+", RegexOptions.IgnoreCase)]
    private static partial Regex TelegramPost();

    [GeneratedRegex(@"^https?://((www|m)\.)?(youtube\.com/(watch|shorts/)|youtu\.be/)", RegexOptions.IgnoreCase)]
    private static partial Regex YoutubePost();

    [GeneratedRegex(@"^https?://(m\.)?ok\.ru/.+/(topic|statuses|video|photo)/", RegexOptions.IgnoreCase)]
    private static partial Regex OkPost();

    [GeneratedRegex(@"^https?://(www\.|mobile\.)?(x|twitter)\.com/[A-Za-z0-9_]+/status/\d+", RegexOptions.IgnoreCase)]
    private static partial Regex TwitterPost();

    [GeneratedRegex(@"^https?://(www\.)?linkedin\.com/(feed/update|posts)/", RegexOptions.IgnoreCase)]
    private static partial Regex LinkedInPost();
}

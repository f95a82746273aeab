using SupportBot.Channels.Email;

namespace SupportBot.Tests.Channels.Email;

/// <summary>Notification mails as the networks send them: network, action, actor and the post's link.</summary>
public sealed class SocialNotificationsTests
{
    public static TheoryData<string, string, string, string[], string, string, string?, string?> Mails => new()
    {
        {
            "admin@notify.vk.com", "ВКонтакте", "Иван Петров прокомментировал запись сообщества «Northwind»",
            ["https://vk.com/settings?act=notify", "https://vk.com/away.php?to=https%3A%2F%2Fvk.com%2Fwall-123456_789%3Freply%3D1011"],
            "vk", "comment", "Иван Петров", "https://vk.com/wall-123456_789?reply=1011"
        },
        {
            "notify@vk.com", "ВКонтакте", "Анна Смирнова оценила вашу запись",
            ["https://vk.com/id555", "https://vk.com/wall-123456_790"],
            "vk", "like", "Анна Смирнова", "https://vk.com/wall-123456_790"
        },
        {
            "notify@vk.com", "ВКонтакте", "Новый подписчик в сообществе Northwind",
            ["https://vk.com/club123456?w=wall-123456_1"],
            "vk", "join", null, "https://vk.com/club123456?w=wall-123456_1"
        },
        {
            "notify@vk.com", "VK", "Новое сообщение от Ивана",
            ["https://vk.com/gim123456?sel=555"],
            "vk", "message", null, "https://vk.com/gim123456?sel=555"
        },
        {
            "notification@facebookmail.com", "John Smith", "John Smith commented on Northwind's post.",
            ["https://www.facebook.com/settings?tab=notifications", "https://www.facebook.com/northwind/posts/pfbid0abc?comment_id=123"],
            "facebook", "comment", "John Smith", "https://www.facebook.com/northwind/posts/pfbid0abc?comment_id=123"
        },
        {
            "notification+zj4z@facebookmail.com", "Facebook", "John Smith and 2 others like your post",
            ["https://www.facebook.com/permalink.php?story_fbid=42&id=100"],
            "facebook", "like", "John Smith", "https://www.facebook.com/permalink.php?story_fbid=42&id=100"
        },
        {
            "notification@facebookmail.com", "Facebook", "Anna Müller hat deinen Beitrag kommentiert",
            ["https://www.facebook.com/northwind/posts/555"],
            "facebook", "comment", "Anna Müller", "https://www.facebook.com/northwind/posts/555"
        },
        {
            "notification@facebookmail.com", "Facebook", "Anna Müller gefällt dein Beitrag.",
            ["https://www.facebook.com/help", "https://www.facebook.com/photo.php?fbid=77"],
            "facebook", "like", "Anna Müller", "https://www.facebook.com/photo.php?fbid=77"
        },
        {
            "no-reply@mail.instagram.com", "Instagram", "anna.k mentioned you in a comment",
            ["https://www.instagram.com/accounts/emailsignup/", "https://www.instagram.com/p/C4abcXYZ/c/17890/"],
            "instagram", "comment", "anna.k", "https://www.instagram.com/p/C4abcXYZ/c/17890/"
        },
        {
            "noreply@telegram.org", "Telegram", "New comment in Northwind Channel",
            ["https://telegram.org/privacy", "https://t.me/northwind/125?comment=77"],
            "telegram", "comment", null, "https://t.me/northwind/125?comment=77"
        },
        {
            "noreply@youtube.com", "YouTube", "Maria Lopez replied to your comment",
            ["https://www.youtube.com/watch?v=abc123&lc=Ugx"],
            "youtube", "comment", "Maria Lopez", "https://www.youtube.com/watch?v=abc123&lc=Ugx"
        },
    };

    [Theory]
    [MemberData(nameof(Mails))]
    public void Recognize_NetworkActionActorAndPostLink(string from, string fromName, string subject, string[] links, string network, string action, string? actor, string? link)
    {
        var found = SocialNotifications.Recognize(from, fromName, subject, "", links);

        Assert.NotNull(found);
        Assert.Equal(network, found.Network);
        Assert.Equal(action, found.Action);
        Assert.Equal(actor, found.Actor);
        Assert.Equal(link, found.Link);
    }

    [Fact]
    public void Recognize_ActionOnlyInTheBody_FoundThere()
    {
        var found = SocialNotifications.Recognize("notification@facebookmail.com", "Facebook", "Northwind", "Maria Lopez commented on your post: \"Nice kettle!\"", []);

        Assert.Equal("comment", found?.Action);
        Assert.Null(found?.Link);
    }

    [Theory]
    [InlineData("ivan@gmail.com")]
    [InlineData("someone@notvk.com")]
    [InlineData("vk.com@example.com")]
    [InlineData(null)]
    public void Recognize_NotANetworkSender_Null(string? from) =>
        Assert.Null(SocialNotifications.Recognize(from, "Ivan", "Иван Петров прокомментировал запись", "", ["https://vk.com/wall-1_2"]));
}
